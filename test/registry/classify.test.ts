import { describe, expect, it } from "@jest/globals";
import {
  MediaType,
  RegistryError,
  classify,
  classifyPayloadManifest,
  missingContent,
  sha256Digest,
  type Classification,
  type FetchedManifest,
} from "../../src/registry/index.js";
import { documentJson, encode, fixture, fixtureInput } from "./fixtures.js";

const AMD64 = "sha256:a94fa8ee5d4d401c23d0fd7e974b05b396a50d99b0b772ad91f9ebcbaf66b8c5";
const ARM64 = "sha256:392c40ca2b9f1854011490a596b1ae4f0cf8dddf7e5ffdc1ee88d2419494d228";
const ARMV7 = "sha256:a02f313fa9c67300e29880aba4dbe655603a850a3f8ff2e1e5a9b918db978e76";
const DOCKER_AMD64 = "sha256:848875c366a9ab49aa0948806fcbb05f5d1f6266c94d38e6d8fc4bbbe2fe7cb8";
const DOCKER_ARM64 = "sha256:c7b2531567f8fa69857cf80033b337a57841336061d1d84f07b3da359513f22c";
const MULTIARCH = "sha256:80f897a817928176ba4fa7c6e90086af60ebebfbda8273179395b0b3e2f8efeb";
const CACHE_HINT = "; export the cache to its own ref, e.g. cache-to: type=registry,ref=<image>:buildcache,mode=max";

const base = { form: null, artifactKind: null, platforms: [], attestations: 0, problems: [] };
const linux = (architecture: string, variant: string | null, digest: string) => ({ os: "linux", architecture, variant, digest });

function image(mediaType: string, platforms: Classification["platforms"], attestations: number, problems: Classification["problems"] = []): Classification {
  return { ...base, verdict: "image", mediaType, platforms, attestations, problems };
}

/** A root document built in the test (digest computed from its bytes), with the fixture blobs as children/configs. */
function custom(document: unknown, contentType: string | undefined = (document as { mediaType?: string }).mediaType) {
  const bytes = encode(document);
  const root: FetchedManifest = { digest: sha256Digest(bytes), contentType, bytes };
  return { ...fixtureInput("docker-v2"), root };
}

describe("classify: fixtures", () => {
  it.each<[string, Classification]>([
    ["multiarch-legacy-att", image(MediaType.ociIndex, [linux("amd64", null, AMD64), linux("arm64", "v8", ARM64)], 2)],
    ["multiarch-artifact-att", image(MediaType.ociIndex, [linux("amd64", null, AMD64), linux("arm", "v7", ARMV7)], 2)],
    ["docker-list", image(MediaType.dockerList, [linux("amd64", null, DOCKER_AMD64), linux("arm64", "v8", DOCKER_ARM64)], 0)],
    ["docker-v2", image(MediaType.dockerManifest, [linux("amd64", null, DOCKER_AMD64)], 0)],
    ["nested-index", image(MediaType.ociIndex, [linux("amd64", null, AMD64), linux("arm64", "v8", ARM64)], 2)],
    [
      "single-att-index",
      image(MediaType.ociIndex, [linux("amd64", null, AMD64)], 1, [
        {
          id: "attestation-index",
          severity: "warning",
          message: `a single-platform image (linux/amd64) is wrapped in an index with 1 attestation manifest; AWS Lambda, Fly.io and Azure Container Instances reject indexes: build with provenance: false (and sbom: false) or deploy by digest ${AMD64}`,
        },
      ]),
    ],
    [
      "arm64-only",
      image(MediaType.ociManifest, [linux("arm64", "v8", ARM64)], 0, [
        { id: "no-linux-amd64", severity: "error", message: "no linux/amd64 image; platforms: linux/arm64/v8" },
      ]),
    ],
    [
      "cache-manifest",
      {
        ...base,
        verdict: "buildkit-cache",
        form: "image-manifest",
        mediaType: MediaType.ociManifest,
        problems: [
          {
            id: "buildkit-cache",
            severity: "error",
            message: `the tag holds a BuildKit registry cache (config application/vnd.buildkit.cacheconfig.v0), not a runnable image${CACHE_HINT}`,
          },
        ],
      },
    ],
    ...(["cache-index", "cache-docker-list"] as const).map((tag): [string, Classification] => [
      tag,
      {
        ...base,
        verdict: "buildkit-cache",
        form: "index",
        mediaType: fixture(tag).mediaType,
        problems: [
          {
            id: "buildkit-cache",
            severity: "error",
            message: `the tag holds a BuildKit registry cache (an index of cache blobs), not a runnable image${CACHE_HINT}`,
          },
        ],
      },
    ]),
    [
      `sha256-${MULTIARCH.slice(7)}.sig`,
      {
        ...base,
        verdict: "artifact",
        artifactKind: "signature",
        mediaType: MediaType.ociManifest,
        problems: [{ id: "not-runnable", severity: "error", message: "the tag holds a signature artifact, not a runnable image" }],
      },
    ],
    [
      "sbom-artifact",
      {
        ...base,
        verdict: "artifact",
        artifactKind: "sbom",
        mediaType: MediaType.ociManifest,
        problems: [{ id: "not-runnable", severity: "error", message: "the tag holds an SBOM artifact, not a runnable image" }],
      },
    ],
  ])("%s", (tag, expected) => {
    expect(classify(fixtureInput(tag))).toEqual(expected);
  });

  it("refuses a third index level", () => {
    expect(() => classify(fixtureInput("too-deep"))).toThrow(
      new RegistryError("too-large", `index nesting exceeds 2 levels at ${MULTIARCH}`),
    );
  });
});

describe("classify: edge cases", () => {
  const multiarch = documentJson(MULTIARCH) as { manifests: Record<string, unknown>[] };
  const [amd64, arm64, amd64Att, arm64Att] = multiarch.manifests as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];

  it("rejects a Content-Type that disagrees with the body", () => {
    expect(classify(custom(documentJson(fixture("docker-v2").digest), MediaType.ociManifest))).toEqual({
      ...base,
      verdict: "invalid",
      mediaType: MediaType.dockerManifest,
      problems: [
        {
          id: "invalid-manifest",
          severity: "error",
          message: `Content-Type ${MediaType.ociManifest} does not match the document's mediaType ${MediaType.dockerManifest}`,
        },
      ],
    });
  });

  it("reports a child whose body disagrees with its descriptor as invalid", () => {
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...amd64, mediaType: MediaType.dockerManifest }] };
    expect(classify(custom(index))).toMatchObject({
      verdict: "invalid",
      problems: [
        {
          id: "invalid-manifest",
          message: `child ${AMD64}: descriptor mediaType ${MediaType.dockerManifest} does not match the document's mediaType ${MediaType.ociManifest}`,
        },
      ],
    });
  });

  it("counts a BuildKit 0.32 attestation recognised only by its content", () => {
    const attestation = documentJson(fixture("multiarch-artifact-att").digest).manifests as Record<string, unknown>[];
    const { annotations: _a, artifactType: _t, ...bare } = attestation[2]!;
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd64, bare] };
    expect(classify(custom(index))).toEqual(
      image(MediaType.ociIndex, [linux("amd64", null, AMD64)], 1, [expect.objectContaining({ id: "attestation-index" }) as never]),
    );
  });

  it("warns about an attestation whose subject the index does not list, and ignores other reference types", () => {
    const other = { ...arm64, digest: DOCKER_ARM64, annotations: { "vnd.docker.reference.type": "signature" } };
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd64, arm64Att, other] };
    const arm64AttDigest = arm64Att.digest as string;
    expect(classify(custom(index))).toEqual(
      image(MediaType.ociIndex, [linux("amd64", null, AMD64)], 1, [
        expect.objectContaining({ id: "attestation-index" }) as never,
        {
          id: "attestation-subject-missing",
          severity: "warning",
          message: `attestation manifest ${arm64AttDigest} refers to ${ARM64}, which the index does not list`,
        },
      ]),
    );
  });

  it("takes a platform-less child's platform from its config", () => {
    const { platform: _p, ...bare } = arm64;
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd64, bare, amd64Att] };
    expect(classify(custom(index))).toEqual(image(MediaType.ociIndex, [linux("amd64", null, AMD64), linux("arm64", "v8", ARM64)], 1));
  });

  it("calls an index of blobs without a cache config an unknown artifact index", () => {
    const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: `sha256:${"b".repeat(64)}`, size: 3 };
    expect(classify(custom({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [layer] }))).toEqual({
      ...base,
      verdict: "artifact",
      artifactKind: "other",
      mediaType: MediaType.ociIndex,
      problems: [
        {
          id: "unknown-artifact-index",
          severity: "error",
          message:
            "the index lists blobs (application/vnd.oci.image.layer.v1.tar+gzip) but no BuildKit cache config and no image manifests; it is not a runnable image",
        },
      ],
    });
  });

  it("calls an index of attestations only an attestation artifact", () => {
    expect(classify(custom({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd64Att] }))).toEqual({
      ...base,
      verdict: "artifact",
      artifactKind: "attestation",
      mediaType: MediaType.ociIndex,
      attestations: 1,
      problems: [
        {
          id: "not-runnable",
          severity: "error",
          message: "the tag holds an attestation artifact, not a runnable image (the index lists no runnable image manifest)",
        },
      ],
    });
  });

  it("calls a lone legacy attestation manifest an attestation", () => {
    expect(classify(custom(documentJson(amd64Att.digest as string)))).toMatchObject({ verdict: "artifact", artifactKind: "attestation", attestations: 1 });
  });

  it("reports schema 1 as unsupported", () => {
    expect(classify(custom({ schemaVersion: 1, name: "a/b", tag: "1", fsLayers: [] }, MediaType.dockerSchema1))).toEqual({
      ...base,
      verdict: "unsupported",
      mediaType: MediaType.dockerSchema1,
      problems: [{ id: "unsupported-manifest", severity: "error", message: "Docker schema 1 manifests are not supported" }],
    });
  });

  it("enforces the entry, layer and child-fetch caps", () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ ...amd64, digest: sha256Digest(encode(String(i))) }));
    expect(() => classify(custom({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries(1001) }))).toThrow(
      new RegistryError("too-large", "index lists 1001 entries; the limit is 1000"),
    );
    expect(() => missingContent(custom({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries(33) }))).toThrow(
      new RegistryError("too-large", "more than 32 child manifests to fetch"),
    );
    const layers = Array.from({ length: 1001 }, () => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: AMD64, size: 1 }));
    const big = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: AMD64, size: 1 }, layers };
    const input = custom(big);
    expect(() => classify(input)).toThrow(new RegistryError("too-large", `manifest ${input.root.digest} lists 1001 layers; the limit is 1000`));
  });
});

describe("missingContent", () => {
  it("lists the runnable-looking children of an index, not its attestations", () => {
    const input = fixtureInput("multiarch-legacy-att");
    expect(missingContent({ root: input.root })).toEqual({
      manifests: [
        expect.objectContaining({ digest: AMD64, mediaType: MediaType.ociManifest, size: 475 }),
        expect.objectContaining({ digest: ARM64, mediaType: MediaType.ociManifest, size: 475 }),
      ],
      configs: [],
    });
    expect(missingContent(input)).toEqual({ manifests: [], configs: [] });
  });

  it("asks for the config of a lone manifest, and for nothing once a cache is evident", () => {
    const { root } = fixtureInput("docker-v2");
    const config = (documentJson(root.digest).config as { digest: string }).digest;
    expect(missingContent({ root })).toEqual({
      manifests: [],
      configs: [expect.objectContaining({ digest: config, mediaType: MediaType.dockerConfig })],
    });
    expect(missingContent({ root: fixtureInput("cache-index").root })).toEqual({ manifests: [], configs: [] });
  });

  it("walks a nested index level by level", () => {
    const input = fixtureInput("nested-index");
    expect(missingContent({ root: input.root }).manifests.map((d) => d.digest)).toEqual([MULTIARCH]);
    const children = new Map([[MULTIARCH, input.children!.get(MULTIARCH)!]]);
    expect(missingContent({ root: input.root, children }).manifests.map((d) => d.digest)).toEqual([AMD64, ARM64]);
  });

  it("makes classify throw while content is missing", () => {
    expect(() => classify({ root: fixtureInput("docker-list").root })).toThrow(
      `classify: content missing for ${DOCKER_AMD64}, ${DOCKER_ARM64}; fetch what missingContent() lists first`,
    );
  });
});

describe("classifyPayloadManifest", () => {
  const layer = { digest: AMD64, media_type: "application/vnd.oci.image.layer.v1.tar+gzip", size: 1024 };
  const summary = (configType: string, layers: unknown[] = [layer], mediaType: string = MediaType.ociManifest) => ({
    digest: AMD64,
    media_type: mediaType,
    size: 600,
    config: { digest: ARM64, media_type: configType, size: 512 },
    layers,
  });

  it("decides single manifests from the summary", () => {
    expect(classifyPayloadManifest(summary(MediaType.buildkitCacheConfig))).toEqual({ verdict: "buildkit-cache", form: "image-manifest" });
    expect(classifyPayloadManifest(summary(MediaType.ociConfig))).toEqual({ verdict: "image" });
    expect(classifyPayloadManifest(summary(MediaType.dockerConfig, [{ ...layer, media_type: "application/vnd.docker.image.rootfs.diff.tar.gzip" }], MediaType.dockerManifest))).toEqual({
      verdict: "image",
    });
    expect(classifyPayloadManifest(summary(MediaType.ociConfig, [{ ...layer, media_type: MediaType.inToto }]))).toEqual({
      verdict: "artifact",
      artifactKind: "attestation",
    });
    expect(classifyPayloadManifest(summary(MediaType.ociEmpty, [{ ...layer, media_type: "application/spdx+json" }]))).toEqual({
      verdict: "artifact",
      artifactKind: "sbom",
    });
  });

  it("stays undecided for indexes and malformed summaries", () => {
    expect(classifyPayloadManifest({ digest: AMD64, media_type: MediaType.ociIndex, size: 900, config: { digest: "", media_type: "", size: 0 }, layers: [] })).toEqual({
      verdict: "undecided",
      reason: "index summaries do not list their entries",
    });
    expect(classifyPayloadManifest(summary(""))).toEqual({ verdict: "undecided", reason: "summary has no config media_type" });
    expect(classifyPayloadManifest(summary(MediaType.ociConfig, [{ digest: AMD64 }]))).toEqual({ verdict: "undecided", reason: "summary layers are malformed" });
    expect(classifyPayloadManifest({})).toEqual({ verdict: "undecided", reason: "summary has no media_type" });
    expect(classifyPayloadManifest(null)).toEqual({ verdict: "undecided", reason: "no manifest summary" });
    expect(classifyPayloadManifest(summary(MediaType.ociConfig, [], "text/html"))).toEqual({ verdict: "undecided", reason: "unexpected media_type text/html" });
  });
});
