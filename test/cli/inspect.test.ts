import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { INSPECT_HELP, INSPECT_USAGE, runInspect } from "../../src/cli/inspect.js";
import { MANIFEST_ACCEPT } from "../../src/registry/index.js";
import { FakeRegistry } from "../registry/fake-registry.js";
import { LAYOUT_DIR, fixture } from "../registry/fixtures.js";
import { capture } from "./capture.js";

const AMD64 = "sha256:a94fa8ee5d4d401c23d0fd7e974b05b396a50d99b0b772ad91f9ebcbaf66b8c5";
const ARM64 = "sha256:392c40ca2b9f1854011490a596b1ae4f0cf8dddf7e5ffdc1ee88d2419494d228";
const DOCKER_AMD64 = "sha256:848875c366a9ab49aa0948806fcbb05f5d1f6266c94d38e6d8fc4bbbe2fe7cb8";
const CACHE_MESSAGE =
  "the tag holds a BuildKit registry cache (config application/vnd.buildkit.cacheconfig.v0), not a runnable image; export the cache to its own ref, e.g. cache-to: type=registry,ref=<image>:buildcache,mode=max";

const run = (argv: string[], env: Record<string, string> = {}) => capture(runInspect, argv, { env });

describe("tagguard inspect against a strict ghcr-like registry", () => {
  let registry: FakeRegistry;

  beforeEach(async () => {
    registry = await FakeRegistry.start();
    registry.importLayout(LAYOUT_DIR, "acme/app");
  });

  afterEach(async () => {
    await registry.stop();
  });

  it("reports a runnable multi-arch image as JSON, exit 0", async () => {
    const ref = `${registry.host}/acme/app:multiarch-legacy-att`;
    const result = await run(["--plain-http", "--format", "json", ref]);
    expect(result).toEqual({ code: 0, stderr: "", stdout: expect.any(String) });
    expect(JSON.parse(result.stdout)).toEqual({
      ref,
      digest: fixture("multiarch-legacy-att").digest,
      mediaType: "application/vnd.oci.image.index.v1+json",
      verdict: "image",
      form: null,
      platforms: [
        { os: "linux", architecture: "amd64", variant: null, digest: AMD64 },
        { os: "linux", architecture: "arm64", variant: "v8", digest: ARM64 },
      ],
      attestations: 2,
      problems: [],
    });
    const manifestRequests = registry.requests.filter((r) => r.path.includes("/manifests/"));
    expect(manifestRequests).toHaveLength(4);
    expect(manifestRequests.every((r) => r.accept === MANIFEST_ACCEPT)).toBe(true);
  });

  it("reports a cache on the tag, exit 1", async () => {
    const ref = `${registry.host}/acme/app:cache-manifest`;
    const result = await run(["--plain-http", "--format", "json", ref]);
    expect(result).toEqual({
      code: 1,
      stderr: "",
      stdout: `${JSON.stringify(
        {
          ref,
          digest: fixture("cache-manifest").digest,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          verdict: "buildkit-cache",
          form: "image-manifest",
          platforms: [],
          attestations: 0,
          problems: [{ id: "buildkit-cache", severity: "error", message: CACHE_MESSAGE }],
        },
        null,
        2,
      )}\n`,
    });
  });

  it("cannot inspect a missing tag, exit 2 with one line on stderr", async () => {
    const result = await run(["--plain-http", "--format", "json", `${registry.host}/acme/app:nope`]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard inspect: cannot inspect ${registry.host}/acme/app:nope: manifest acme/app:nope: not found (MANIFEST_UNKNOWN: manifest unknown)\n`,
    });
  });

  it("prints a text summary of a single Docker v2 manifest, platform from its config", async () => {
    const result = await run(["--plain-http", `${registry.host}/acme/app:docker-v2`]);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        `ref:          ${registry.host}/acme/app:docker-v2`,
        `digest:       ${DOCKER_AMD64}`,
        "media type:   application/vnd.docker.distribution.manifest.v2+json",
        "verdict:      image",
        `platforms:    linux/amd64  ${DOCKER_AMD64}`,
        "attestations: 0",
        "problems:     none",
        "",
      ].join("\n"),
    });
  });

  it("prints problems and the cache form in text", async () => {
    const index = await run(["--plain-http", `${registry.host}/acme/app:single-att-index`]);
    expect(index.code).toBe(0);
    expect(index.stdout.split("\n").slice(3, 7)).toEqual([
      "verdict:      image",
      `platforms:    linux/amd64  ${AMD64}`,
      "attestations: 1",
      `problems:     warning attestation-index: a single-platform image (linux/amd64) is wrapped in an index with 1 attestation manifest; AWS Lambda, Fly.io and Azure Container Instances reject indexes: build with provenance: false (and sbom: false) or deploy by digest ${AMD64}`,
    ]);
    const cache = await run(["--plain-http", `${registry.host}/acme/app:cache-docker-list`]);
    expect([cache.code, cache.stdout.split("\n")[3], cache.stdout.split("\n")[4]]).toEqual([1, "verdict:      buildkit-cache (index)", "platforms:    none"]);
  });

  it("fails an arm64-only image with an error-severity problem, exit 1", async () => {
    const result = await run(["--plain-http", "--format", "json", `${registry.host}/acme/app@${ARM64}`]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ref: `${registry.host}/acme/app@${ARM64}`,
      verdict: "image",
      problems: [{ id: "no-linux-amd64", severity: "error", message: "no linux/amd64 image; platforms: linux/arm64/v8" }],
    });
  });

  it("says on stderr that a failing registry is tried again, then reports the image", async () => {
    let failures = 1;
    const fetch = async (input: string | URL, init?: RequestInit) => {
      if (String(input).includes("/manifests/") && failures-- > 0) return new Response("busy", { status: 503 });
      return globalThis.fetch(input, init);
    };
    const ref = `${registry.host}/acme/app:multiarch-legacy-att`;
    const result = await capture(runInspect, ["--plain-http", ref], { fetch });
    expect(result.code).toBe(0);
    // The wait is the first backoff, 0.5 s with ±20 % jitter.
    expect(result.stderr).toMatch(/^tagguard inspect: manifest acme\/app:multiarch-legacy-att: HTTP 503; trying again in 0\.[4-6] s \(attempt 2 of 5\)\n$/);
  });

  it("is strict about Accept, like ghcr: an OCI index needs the OCI types", async () => {
    const token = (await (await fetch(`${registry.url}/token?service=fake-registry&scope=repository:acme/app:pull`)).json()) as { token: string };
    const response = await fetch(`${registry.url}/v2/acme/app/manifests/multiarch-legacy-att`, {
      headers: {
        authorization: `Bearer ${token.token}`,
        accept: "application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json,application/json",
      },
    });
    expect([response.status, await response.json()]).toEqual([
      404,
      { errors: [{ code: "MANIFEST_UNKNOWN", message: "OCI index found, but accept header does not support OCI indexes" }] },
    ]);
  });
});

describe("tagguard inspect credentials and hosts", () => {
  it("reads a private repository only with TAGGUARD_REGISTRY_TOKEN", async () => {
    const registry = await FakeRegistry.start({ privateRepositories: ["acme/private"], credential: { username: "tagguard", password: "s3cret" } });
    try {
      registry.importLayout(LAYOUT_DIR, "acme/private");
      const ref = `${registry.host}/acme/private:docker-list`;
      expect(await run(["--plain-http", ref], { GHCR_TOKEN: "s3cret" })).toEqual({
        code: 2,
        stdout: "",
        stderr: `tagguard inspect: cannot inspect ${ref}: token service refused anonymous access to repository:acme/private:pull (private package? configure a classic PAT with read:packages)\n`,
      });
      expect(await run(["--plain-http", ref], { TAGGUARD_REGISTRY_TOKEN: "wrong" })).toMatchObject({
        code: 2,
        stderr: `tagguard inspect: cannot inspect ${ref}: token service rejected the configured credential for repository:acme/private:pull\n`,
      });
      expect(await run(["--plain-http", ref], { TAGGUARD_REGISTRY_TOKEN: "s3cret" })).toMatchObject({ code: 0, stderr: "" });
      const basic = `Basic ${Buffer.from("tagguard:s3cret").toString("base64")}`;
      expect(registry.requests.filter((r) => r.authorization === basic).map((r) => r.path.split("?")[0])).toEqual(["/token"]);
    } finally {
      await registry.stop();
    }
  });

  it("follows a blob redirect to another host only when allowed, never forwarding Authorization", async () => {
    const registry = await FakeRegistry.start({ separateBlobHost: true });
    try {
      registry.importLayout(LAYOUT_DIR, "acme/app");
      const ref = `${registry.host}/acme/app:docker-v2`;
      const refused = await run(["--plain-http", ref]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(`^tagguard inspect: cannot inspect ${ref}: refusing to fetch blob acme/app@sha256:[0-9a-f]{64} from ${registry.blobHost}: host is not on the allow-list\n$`),
      );
      expect(await run(["--plain-http", "--allow-host", registry.blobHost, ref])).toMatchObject({ code: 0, stderr: "" });
      const blobRequests = registry.requests.filter((r) => r.server === "blobs");
      expect(blobRequests.map((r) => r.authorization)).toEqual([undefined]);
    } finally {
      await registry.stop();
    }
  });
});

describe("tagguard inspect oci:DIR[:TAG]", () => {
  it("classifies a tag from an OCI image layout", async () => {
    const ref = `oci:${LAYOUT_DIR}:cache-index`;
    const result = await run(["--format", "json", ref]);
    expect([result.code, result.stderr, JSON.parse(result.stdout)]).toEqual([
      1,
      "",
      expect.objectContaining({ ref, verdict: "buildkit-cache", form: "index", digest: fixture("cache-index").digest }),
    ]);
    expect(await run(["--format", "json", `oci:${LAYOUT_DIR}:multiarch-artifact-att`])).toMatchObject({ code: 0 });
  });

  it("cannot inspect a missing layout or tag", async () => {
    expect(await run([`oci:${LAYOUT_DIR}/nope`])).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard inspect: cannot inspect oci:${LAYOUT_DIR}/nope: ${LAYOUT_DIR}/nope/oci-layout does not exist\n`,
    });
    expect((await run([`oci:${LAYOUT_DIR}`])).stderr).toMatch(/^tagguard inspect: cannot inspect oci:.*: .* holds 13 manifests; name one with oci:DIR:TAG \(tags: multiarch-legacy-att, /);
  });
});

describe("tagguard inspect usage", () => {
  it.each([
    [[], "missing REF"],
    [["a.io/x:1", "b.io/y:1"], "expected exactly one REF"],
    [["--format", "yaml", "ghcr.io/acme/app:1"], '--format must be one of text, json, not "yaml"'],
    [["-f", "jsn", "ghcr.io/acme/app:1"], '--format must be one of text, json, not "jsn" (did you mean json?)'],
    [["--bogus", "ghcr.io/acme/app:1"], "unknown option --bogus"],
    [["--formt", "json", "ghcr.io/acme/app:1"], "unknown option --formt (did you mean --format?)"],
    [["--format"], "--format needs a value"],
    [["ghcr.io/acme/app"], 'invalid image reference "ghcr.io/acme/app": add a :tag or @sha256:… digest'],
    [["test/fixtures"], "test/fixtures is a local path, not an image reference: to read an OCI layout (a directory or .tar), write oci:test/fixtures"],
    [["--plain-http", "oci:/tmp/x"], "--plain-http and --allow-host apply to registry references only"],
    [["--allow-host", "a/b", "ghcr.io/acme/app:1"], 'invalid allowed host "a/b"'],
    [["oci::v1"], 'missing directory in oci::v1'],
  ])("%j is a usage error", async (argv, message) => {
    expect(await run(argv)).toEqual({ code: 2, stdout: "", stderr: `tagguard inspect: ${message} (${INSPECT_USAGE})\n` });
  });

  it("prints help", async () => {
    expect(await run(["--help"])).toEqual({ code: 0, stdout: INSPECT_HELP, stderr: "" });
  });
});
