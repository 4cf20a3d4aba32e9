import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  MANIFEST_ACCEPT,
  MediaType,
  OciLayoutSource,
  RegistryClient,
  RegistryError,
  classify,
  inspect,
  sha256Digest,
  type BlobDescriptor,
  type FetchOptions,
  type FetchedManifest,
  type FetchLike,
  type ManifestSource,
} from "../../src/registry/index.js";
import { FakeRegistry } from "./fake-registry.js";
import { FIXTURE_TAGS, LAYOUT_DIR, blob, documentJson, encode, fixture, fixtureInput } from "./fixtures.js";

const AMD64 = "sha256:a94fa8ee5d4d401c23d0fd7e974b05b396a50d99b0b772ad91f9ebcbaf66b8c5";
const ARM64 = "sha256:392c40ca2b9f1854011490a596b1ae4f0cf8dddf7e5ffdc1ee88d2419494d228";

describe("inspect against a ghcr-like registry", () => {
  let registry: FakeRegistry;
  let client: RegistryClient;

  beforeEach(async () => {
    registry = await FakeRegistry.start();
    registry.importLayout(LAYOUT_DIR, "acme/app");
    client = new RegistryClient({ baseUrl: registry.url });
  });

  afterEach(async () => {
    await registry.stop();
  });

  const manifestRequests = () => registry.requests.filter((r) => r.path.includes("/manifests/"));

  it("walks a multi-arch index: children by digest with the four-type Accept, attestations not fetched", async () => {
    const result = await inspect(client, { name: "acme/app", reference: "multiarch-legacy-att" });
    expect(result).toEqual({ ...classify(fixtureInput("multiarch-legacy-att")), digest: fixture("multiarch-legacy-att").digest });
    expect(result.verdict).toBe("image");
    expect(manifestRequests().map((r) => [r.path, r.accept, r.authorization === undefined ? "anonymous" : "bearer"])).toEqual([
      ["/v2/acme/app/manifests/multiarch-legacy-att", MANIFEST_ACCEPT, "anonymous"],
      ["/v2/acme/app/manifests/multiarch-legacy-att", MANIFEST_ACCEPT, "bearer"],
      [`/v2/acme/app/manifests/${AMD64}`, MANIFEST_ACCEPT, "bearer"],
      [`/v2/acme/app/manifests/${ARM64}`, MANIFEST_ACCEPT, "bearer"],
    ]);
    expect(registry.requests.filter((r) => r.path.startsWith("/token"))).toHaveLength(1);
  });

  it("fetches a lone manifest's config through a cross-origin blob redirect, without Authorization", async () => {
    const split = await FakeRegistry.start({ separateBlobHost: true });
    try {
      split.importLayout(LAYOUT_DIR, "acme/app");
      const splitClient = new RegistryClient({ baseUrl: split.url, allowedHosts: [split.blobHost] });
      const result = await inspect(splitClient, { name: "acme/app", reference: "docker-v2" });
      const config = (documentJson(fixture("docker-v2").digest).config as { digest: string }).digest;
      expect(result).toMatchObject({ verdict: "image", platforms: [{ os: "linux", architecture: "amd64", variant: null }] });
      expect(split.requests.slice(-2).map((r) => [r.server, r.path.replace(/sig=[0-9a-f]+/, "sig=…"), r.authorization === undefined])).toEqual([
        ["registry", `/v2/acme/app/blobs/${config}`, false],
        ["blobs", `/_blobstore/${config}?se=2099-01-01&sig=…`, true],
      ]);
    } finally {
      await split.stop();
    }
  });

  it("stops at the cache without fetching anything else", async () => {
    const result = await inspect(client, { name: "acme/app", reference: "cache-manifest" });
    expect([result.verdict, result.form]).toEqual(["buildkit-cache", "image-manifest"]);
    expect(manifestRequests()).toHaveLength(2);
    expect(registry.requests.filter((r) => r.path.includes("/blobs/"))).toEqual([]);
  });

  it("refuses a child whose size differs from its descriptor", async () => {
    const index = documentJson(fixture("single-att-index").digest) as { manifests: { size: number }[] };
    index.manifests[0]!.size += 1;
    registry.putManifest("acme/app", JSON.stringify(index), MediaType.ociIndex, ["bad-size"]);
    await expect(inspect(client, { name: "acme/app", reference: "bad-size" })).rejects.toEqual(
      new RegistryError("digest-mismatch", `manifest acme/app@${AMD64}: got 475 bytes, descriptor says 476`),
    );
  });

  it("refuses a child the registry serves with the wrong bytes", async () => {
    registry.override = (request) =>
      request.path === `/v2/acme/app/manifests/${ARM64}` && request.authorization !== undefined
        ? { status: 200, headers: { "content-type": MediaType.ociManifest }, body: blob(AMD64) }
        : undefined;
    await expect(inspect(client, { name: "acme/app", reference: "multiarch-legacy-att" })).rejects.toEqual(
      new RegistryError("digest-mismatch", `manifest acme/app@${ARM64}: content hashes to ${AMD64}`),
    );
  });

  it("refuses more than two index levels", async () => {
    await expect(inspect(client, { name: "acme/app", reference: "too-deep" })).rejects.toMatchObject({ kind: "too-large" });
  });
});

describe("inspect budget and concurrency", () => {
  it("gives up when the per-inspection budget is spent", async () => {
    // The budget's clock is the test's: it runs out while the first request hangs (no wall-clock timer is involved;
    // the request's own timeout, a minute, never fires first).
    const budget = new AbortController();
    const clock = { timeout: () => budget.signal, now: () => 0 };
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        budget.abort(new DOMException("the inspection budget is spent", "TimeoutError"));
      });
    const client = new RegistryClient({ fetch: hang, now: () => 0 });
    await expect(inspect(client, { name: "acme/app", reference: "1.0" }, { budgetMs: 60_000, clock })).rejects.toEqual(
      new RegistryError("timeout", "inspection budget exhausted while fetching manifest acme/app:1.0 from https://ghcr.io/v2/acme/app/manifests/1.0"),
    );
  });

  it("keeps at most `concurrency` fetches in flight", async () => {
    const layout = new OciLayoutSource(LAYOUT_DIR);
    const entries = ["multiarch-legacy-att", "multiarch-artifact-att", "docker-list"].flatMap(
      (tag) => (documentJson(fixture(tag).digest).manifests as Record<string, unknown>[]).map(({ annotations: _a, artifactType: _t, ...entry }) => entry),
    );
    const unique = [...new Map(entries.map((e) => [e.digest as string, e])).values()];
    const root = encode({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: unique });
    let inFlight = 0;
    let peak = 0;
    const slow = async <T>(work: () => Promise<T>): Promise<T> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return work();
    };
    const source: ManifestSource = {
      getManifest: (name: string, reference: string, options?: FetchOptions): Promise<FetchedManifest> =>
        reference === "root"
          ? Promise.resolve({ digest: sha256Digest(root), contentType: MediaType.ociIndex, bytes: root })
          : slow(() => layout.getManifest(name, reference, options)),
      getBlob: (name: string, descriptor: BlobDescriptor, options?: FetchOptions) => slow(() => layout.getBlob(name, descriptor, options)),
    };
    const result = await inspect(source, { name: "x", reference: "root" }, { concurrency: 3 });
    expect([unique.length, result.platforms.length, result.attestations, peak]).toEqual([9, 5, 4, 3]);
  });
});

describe("inspect over an OCI layout", () => {
  const layout = new OciLayoutSource(LAYOUT_DIR);

  it.each([...FIXTURE_TAGS.keys()].filter((tag) => tag !== "too-deep"))("%s classifies as from a registry", async (tag) => {
    const result = await inspect(layout, { name: "layout", reference: tag });
    expect(result).toEqual({ ...classify(fixtureInput(tag)), digest: fixture(tag).digest });
  });
});
