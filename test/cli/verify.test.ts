import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import tar from "tar-stream";
import { main } from "../../src/cli/main.js";
import { VERIFY_HELP, VERIFY_USAGE, runVerify } from "../../src/cli/verify.js";
import { gitBlobSha1 } from "../../src/verify/index.js";
import { FakeRegistry } from "../registry/fake-registry.js";
import { SETTINGS_NEW, SETTINGS_OLD, appImage, writeSource } from "../verify/app-fixture.js";
import { pushImage, writeLayout, type BuiltImage } from "../verify/image-builder.js";
import { capture } from "./capture.js";

const run = (argv: string[]) => capture(runVerify, argv);

describe("tagguard verify in the command line", () => {
  it("is listed by tagguard --help, and verify --help and help verify print its help", async () => {
    const help = await capture(main, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`\n  verify    `);
    expect(help.stdout).toContain(VERIFY_USAGE.replace("usage: ", ""));
    expect(await capture(main, ["verify", "--help"])).toEqual({ code: 0, stdout: VERIFY_HELP, stderr: "" });
    expect(await capture(main, ["help", "verify"])).toEqual({ code: 0, stdout: VERIFY_HELP, stderr: "" });
  });

  it("suggests verify for a typo", async () => {
    expect(await capture(main, ["verfy"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "tagguard: unknown command \"verfy\" (did you mean verify?)\nRun 'tagguard --help' for the commands.\n",
    });
  });
});

describe("tagguard verify", () => {
  let dir: string;
  let source: string;
  let registry: FakeRegistry;
  let fresh: BuiltImage;
  let stale: BuiltImage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tagguard-verify-"));
    source = join(dir, "src");
    writeSource(source);
    fresh = await appImage({ stale: false, revision: "0e421ef" });
    stale = await appImage({ stale: true, revision: "0e421ef" });
    registry = await FakeRegistry.start();
    pushImage(registry, "acme/app", fresh, "fresh");
    pushImage(registry, "acme/app", stale, "stale");
    writeLayout(join(dir, "fresh-layout"), fresh, "latest");
    writeLayout(join(dir, "stale-layout"), stale, "latest");
    await writeTarball(join(dir, "stale-layout"), join(dir, "stale.tar"));
  });

  afterAll(async () => {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("proves a fresh image identical from the registry, exit 0", async () => {
    const result = await run([`${registry.host}/acme/app:fresh`, "--plain-http", "--path", "/app", "--source", source]);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        `image:   ${registry.host}/acme/app:fresh (linux/amd64, ${fresh.manifest.digest})`,
        `path:    /app against ${source} (mapping from Dockerfile)`,
        "result:  identical: 6 files match the source",
        "  only in image: 1 file (made by the build): common/__pycache__/settings.cpython-311.pyc",
        "  not compared: /app/.venv is written by --from=builder (Dockerfile:7), 1 file",
        `layers:  4 read, 0 below the path's last change not fetched; ${fresh.layers.reduce((n, l) => n + l.size, 0)} bytes`,
        "",
      ].join("\n"),
    });
  });

  it("finds the stale file in a stale image, from the registry and from an OCI layout, exit 1", async () => {
    const copyLayer = stale.layers[2]!.digest;
    const expected = (image: string) => ({
      code: 1,
      stderr: "",
      stdout: [
        `image:   ${image} (linux/amd64, ${stale.manifest.digest})`,
        `path:    /app against ${source} (mapping from Dockerfile)`,
        "result:  differs from the source: 1 file differs (6 compared)",
        `  differs  /app/common/settings.py: content differs (image blob ${gitBlobSha1(SETTINGS_OLD).slice(0, 12)}, source blob ${gitBlobSha1(SETTINGS_NEW).slice(0, 12)}); layer ${copyLayer} (from common/settings.py, Dockerfile:8)`,
        "  only in image: 1 file (made by the build): common/__pycache__/settings.cpython-311.pyc",
        "  not compared: /app/.venv is written by --from=builder (Dockerfile:7), 1 file",
        "  fix: rebuild without the cache (no-cache: true, or bust it), and give each build call its own gha cache scope",
        `layers:  4 read, 0 below the path's last change not fetched; ${stale.layers.reduce((n, l) => n + l.size, 0)} bytes`,
        "",
      ].join("\n"),
    });
    const registryRef = `${registry.host}/acme/app:stale`;
    expect(await run([registryRef, "--plain-http", "--path", "/app", "--source", source])).toEqual(expected(registryRef));
    const layoutRef = `oci:${join(dir, "stale-layout")}`;
    expect(await run([layoutRef, "--path", "/app", "--source", source])).toEqual(expected(layoutRef));
    const tarRef = `oci:${join(dir, "stale.tar")}:latest`;
    expect(await run([tarRef, "--path", "/app", "--source", source])).toEqual(expected(tarRef));
    expect((await run([`oci:${join(dir, "fresh-layout")}`, "--path", "/app", "--source", source])).code).toBe(0);
  });

  it("writes JSON and GitHub annotations", async () => {
    const ref = `${registry.host}/acme/app:stale`;
    const json = await run([ref, "--plain-http", "--path", "/app", "--source", source, "--format", "json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      image: ref,
      platform: "linux/amd64",
      manifestDigest: stale.manifest.digest,
      revision: "0e421ef",
      path: "/app",
      result: "differs",
      compared: 6,
      differences: [
        {
          path: "common/settings.py",
          source: "common/settings.py",
          line: 8,
          reason: "content",
          detail: `content differs (image blob ${gitBlobSha1(SETTINGS_OLD).slice(0, 12)}, source blob ${gitBlobSha1(SETTINGS_NEW).slice(0, 12)})`,
          layer: stale.layers[2]!.digest,
        },
      ],
      missing: [],
      onlyInImage: { count: 1, sample: ["common/__pycache__/settings.cpython-311.pyc"] },
      fromOtherStages: [{ dir: ".venv", from: "--from=builder", line: 7, files: 1 }],
      mapping: "Dockerfile",
      runsAfterCopy: [],
      layers: { read: 4, skipped: 0 },
      bytesRead: stale.layers.reduce((n, l) => n + l.size, 0),
    });
    const github = await run([ref, "--plain-http", "--path", "/app", "--source", source, "--format", "github"]);
    expect(github.stdout.split("\n")[0]).toBe(
      `::error file=${source.replace(/:/g, "%3A")}/common/settings.py,title=tagguard verify::/app/common/settings.py in ${ref} differs from common/settings.py: content differs (image blob ${gitBlobSha1(SETTINGS_OLD).slice(0, 12)}, source blob ${gitBlobSha1(SETTINGS_NEW).slice(0, 12)}) (layer ${stale.layers[2]!.digest})`,
    );
  });

  it("cannot verify past a limit or without a mapping, exit 2", async () => {
    const ref = `${registry.host}/acme/app:fresh`;
    const top = fresh.layers[3]!;
    expect(await run([ref, "--plain-http", "--path", "/app", "--source", source, "--max-download", "100"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard verify: cannot verify ${ref}: download budget of 100 bytes reached: layer ${top.digest} (${top.size} bytes) would bring the total to ${top.size}\n`,
    });
    writeFileSync(join(dir, "Dockerfile.multi"), "FROM python\nCOPY --from=build /out /app\nCOPY . /app\n");
    expect(await run([ref, "--plain-http", "--path", "/app", "--source", source, "--dockerfile", join(dir, "Dockerfile.multi")])).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard verify: cannot verify ${ref}: ../Dockerfile.multi:2 writes --from=build to /app, which holds /app: the files under /app come from several places; give the mapping explicitly\n`,
    });
    const mapped = await run([ref, "--plain-http", "--path", "/app", "--source", source, "--map", "common:/app/common", "--format", "json"]);
    expect([mapped.code, JSON.parse(mapped.stdout).compared]).toEqual([0, 1]);
    expect((await run([`${registry.host}/acme/app:nope`, "--plain-http", "--path", "/app", "--source", source])).stderr).toBe(
      `tagguard verify: cannot verify ${registry.host}/acme/app:nope: manifest acme/app:nope: not found (MANIFEST_UNKNOWN: manifest unknown)\n`,
    );
  });

  it.each([
    [[], "missing IMAGE"],
    [["a.io/x:1"], "missing --path, the directory in the image that holds the source, e.g. /app"],
    [["a.io/x:1", "--path", "app"], "--path must be an absolute path in the image, e.g. /app"],
    [["a.io/x:1", "--path", "/app", "--format", "sarif"], '--format must be one of text, json, github, not "sarif"'],
    [["a.io/x:1", "--path", "/app", "-f", "jsno"], '--format must be one of text, json, github, not "jsno" (did you mean json?)'],
    [["a.io/x:1", "--pth", "/app"], "unknown option --pth (did you mean --path?)"],
    [["a.io/x:1", "--path", "/app", "--source", "test/fixtures/nope"], "--source test/fixtures/nope is not a directory"],
    [["a.io/x:1", "--path", "/app", "--max-download", "0"], "--max-download must be a positive integer"],
    [["a.io/x:1", "--path", "/app", "--map", "src"], '--map "src": expected FROM:/image/path'],
    [["a.io/x:1", "--path", "/app", "--platform", "linux"], 'invalid platform "linux" (expected os/arch[/variant], e.g'],
  ])("%j is a usage error", async (argv, message) => {
    expect(await run(argv)).toEqual({ code: 2, stdout: "", stderr: `tagguard verify: ${message} (${VERIFY_USAGE})\n` });
  });
});

async function writeTarball(layoutDir: string, file: string): Promise<void> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const pack = tar.pack();
  pack.entry({ name: "oci-layout" }, readFileSync(join(layoutDir, "oci-layout")));
  pack.entry({ name: "index.json" }, readFileSync(join(layoutDir, "index.json")));
  for (const hex of readdirSync(join(layoutDir, "blobs", "sha256"))) {
    pack.entry({ name: `blobs/sha256/${hex}` }, readFileSync(join(layoutDir, "blobs", "sha256", hex)));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
}
