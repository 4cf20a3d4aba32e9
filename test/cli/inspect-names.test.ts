import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import tar from "tar-stream";
import { INSPECT_USAGE, runInspect } from "../../src/cli/inspect.js";
import { unpackLayoutTarball } from "../../src/registry/index.js";
import { FakeRegistry } from "../registry/fake-registry.js";
import { LAYOUT_DIR, fixture } from "../registry/fixtures.js";
import { capture } from "./capture.js";

const AMD64 = "sha256:a94fa8ee5d4d401c23d0fd7e974b05b396a50d99b0b772ad91f9ebcbaf66b8c5";
const ARM64 = "sha256:392c40ca2b9f1854011490a596b1ae4f0cf8dddf7e5ffdc1ee88d2419494d228";

const run = (argv: string[], fetchImpl?: typeof fetch) => capture(runInspect, argv, fetchImpl === undefined ? {} : { fetch: fetchImpl });

describe("tagguard inspect reads Docker Hub names as docker does", () => {
  it.each([
    ["ubuntu:22.04", "docker.io/library/ubuntu:22.04", "/v2/library/ubuntu/manifests/22.04"],
    ["docker.io/ubuntu:22.04", "docker.io/library/ubuntu:22.04", "/v2/library/ubuntu/manifests/22.04"],
    ["docker.io/acme/app:1", "docker.io/acme/app:1", "/v2/acme/app/manifests/1"],
    ["acme/app:1", "docker.io/acme/app:1", "/v2/acme/app/manifests/1"],
  ])("%s is %s from registry-1.docker.io", async (ref, display, path) => {
    const urls: string[] = [];
    const fake = (async (input: string | URL) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }), { status: 404 });
    }) as typeof fetch;
    const result = await run([ref], fake);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard inspect: cannot inspect ${display}: manifest ${display.slice("docker.io/".length).replace(/:([^:]+)$/, ":$1")}: not found (MANIFEST_UNKNOWN: manifest unknown)\n`,
    });
    expect(urls).toEqual([`https://registry-1.docker.io${path}`]);
  });
});

describe("tagguard inspect --platform", () => {
  let registry: FakeRegistry;
  beforeAll(async () => {
    registry = await FakeRegistry.start();
    registry.importLayout(LAYOUT_DIR, "acme/app");
  });
  afterAll(async () => {
    await registry.stop();
  });

  it("accepts an arm64-only image when arm64 is asked for", async () => {
    const ref = `${registry.host}/acme/app@${ARM64}`;
    for (const platform of ["linux/arm64", "linux/arm64/v8", "LINUX/ARM64"]) {
      const result = await run(["--plain-http", "--platform", platform, "--format", "json", ref]);
      expect([result.code, JSON.parse(result.stdout).problems]).toEqual([0, []]);
    }
  });

  it("fails an image without the platform asked for, exit 1", async () => {
    const ref = `${registry.host}/acme/app:multiarch-legacy-att`;
    const result = await run(["--plain-http", "--platform", "linux/s390x", "--format", "json", ref]);
    expect([result.code, JSON.parse(result.stdout).problems]).toEqual([
      1,
      [{ id: "platform-missing", severity: "error", message: "no linux/s390x image; platforms: linux/amd64, linux/arm64/v8" }],
    ]);
    const variant = await run(["--plain-http", "--platform", "linux/arm64/v9", "--format", "json", ref]);
    expect(JSON.parse(variant.stdout).problems).toEqual([
      { id: "platform-missing", severity: "error", message: "no linux/arm64/v9 image; platforms: linux/amd64, linux/arm64/v8" },
    ]);
    expect((await run(["--plain-http", "--platform", "linux/amd64", ref])).code).toBe(0);
  });

  it.each(["linux", "linux/amd64/v2/x", "linux//amd64", "linux/am d64"])("--platform %s is a usage error", async (platform) => {
    expect(await run(["--platform", platform, "ghcr.io/acme/app:1"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard inspect: invalid platform ${JSON.stringify(platform)} (expected os/arch[/variant], e.g. linux/arm64) (${INSPECT_USAGE})\n`,
    });
  });
});

describe("tagguard inspect oci:FILE.tar", () => {
  let dir: string;
  let tarball: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tagguard-test-"));
    tarball = join(dir, "image.tar");
    const pack = tar.pack();
    pack.entry({ name: "oci-layout" }, readFileSync(join(LAYOUT_DIR, "oci-layout")));
    pack.entry({ name: "index.json" }, readFileSync(join(LAYOUT_DIR, "index.json")));
    pack.entry({ name: "blobs/", type: "directory" });
    pack.entry({ name: "blobs/sha256/", type: "directory" });
    for (const hex of readdirSync(join(LAYOUT_DIR, "blobs", "sha256"))) {
      pack.entry({ name: `blobs/sha256/${hex}` }, readFileSync(join(LAYOUT_DIR, "blobs", "sha256", hex)));
    }
    pack.entry({ name: "../escape", type: "file" }, "ignored");
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    writeFileSync(tarball, Buffer.concat(chunks));
    writeFileSync(join(dir, "not.tar"), "this is not a tar archive at all, just some text that is long enough".repeat(20));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("classifies a tag from a layout tarball like the directory", async () => {
    const ref = `oci:${tarball}:cache-index`;
    const result = await run(["--format", "json", ref]);
    expect([result.code, result.stderr, JSON.parse(result.stdout)]).toEqual([
      1,
      "",
      expect.objectContaining({ ref, verdict: "buildkit-cache", form: "index", digest: fixture("cache-index").digest }),
    ]);
    const image = await run(["--format", "json", `oci:${tarball}:multiarch-legacy-att`]);
    expect([image.code, JSON.parse(image.stdout).platforms.map((p: { digest: string }) => p.digest)]).toEqual([0, [AMD64, ARM64]]);
  });

  it("unpacks only layout files into a private directory that dispose removes", async () => {
    const unpacked = await unpackLayoutTarball(tarball, { skipBlobsLargerThan: 1000 });
    expect(readdirSync(unpacked.source.dir).sort()).toEqual(["blobs", "index.json", "oci-layout"]);
    expect(existsSync(join(unpacked.source.dir, "..", "escape"))).toBe(false);
    await unpacked.dispose();
    expect(existsSync(unpacked.source.dir)).toBe(false);
    await expect(unpackLayoutTarball(tarball, { maxBytes: 100 })).rejects.toThrow(`${tarball} unpacks to more than 100 bytes of layout files`);
  });

  it("says what is wrong with a file that is not a layout tarball", async () => {
    const result = await run([`oci:${join(dir, "not.tar")}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^tagguard inspect: cannot inspect oci:${join(dir, "not.tar")}: ${join(dir, "not.tar")} is not a readable tar archive: .+\n$`));
  });
});

describe("tagguard inspect on a plain-http registry without --plain-http", () => {
  it("suggests --plain-http when a loopback host does not answer TLS", async () => {
    const server = createServer((_req, res) => res.end("plain"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await run([`${host}/acme/app:1`]);
      expect(result).toEqual({
        code: 2,
        stdout: "",
        stderr: `tagguard inspect: cannot inspect ${host}/acme/app:1: network error fetching manifest acme/app:1 from https://${host}/v2/acme/app/manifests/1: ERR_SSL_WRONG_VERSION_NUMBER; ${host} did not answer TLS: if it is a plain-http registry, add --plain-http\n`,
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
