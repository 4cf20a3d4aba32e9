import { describe, expect, it } from "@jest/globals";
import { parseImageConfigPlatform } from "../../src/registry/documents.js";
import { MediaType, parseManifest } from "../../src/registry/index.js";
import { encode } from "./fixtures.js";

const D = `sha256:${"a".repeat(64)}`;
const config = { mediaType: MediaType.ociConfig, digest: D, size: 10 };
const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [] };

describe("parseManifest", () => {
  it("copies only known fields; annotations land in a Map, __proto__ included", () => {
    const body = `{"schemaVersion":2,"mediaType":"${MediaType.ociIndex}","manifests":[{"mediaType":"${MediaType.ociManifest}","digest":"${D}","size":1,"urls":["http://169.254.169.254/"],"annotations":{"__proto__":"x","n":1,"k":"v"},"platform":{"os":"linux","architecture":"arm","variant":"v7","os.features":["x"]}}],"extra":true}`;
    const result = parseManifest(encode(body), { contentType: MediaType.ociIndex });
    expect(result).toEqual({
      ok: true,
      document: {
        kind: "index",
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: MediaType.ociManifest,
            digest: D,
            size: 1,
            annotations: new Map([
              ["__proto__", "x"],
              ["k", "v"],
            ]),
            platform: { os: "linux", architecture: "arm", variant: "v7" },
          },
        ],
      },
    });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("infers the type from Content-Type, then the descriptor, then the structure", () => {
    const { mediaType: _omit, ...bare } = manifest;
    expect(parseManifest(encode(bare), { contentType: MediaType.ociManifest })).toMatchObject({ ok: true, document: { mediaType: MediaType.ociManifest } });
    expect(parseManifest(encode(bare), { descriptorMediaType: MediaType.ociManifest })).toMatchObject({ ok: true, document: { kind: "manifest" } });
    expect(parseManifest(encode(bare))).toMatchObject({ ok: true, document: { kind: "manifest", mediaType: MediaType.ociManifest } });
    expect(parseManifest(encode({ schemaVersion: 2, manifests: [] }))).toMatchObject({ ok: true, document: { kind: "index", mediaType: MediaType.ociIndex } });
  });

  it.each([
    ["not JSON", "{", {}, "document is not valid UTF-8 JSON"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), {}, "document is not valid UTF-8 JSON"],
    ["an array", "[]", {}, "document is not a JSON object"],
    [
      "a Content-Type that disagrees with mediaType",
      manifest,
      { contentType: MediaType.ociIndex },
      `Content-Type ${MediaType.ociIndex} does not match the document's mediaType ${MediaType.ociManifest}`,
    ],
    [
      "a descriptor type that disagrees with mediaType",
      manifest,
      { descriptorMediaType: MediaType.dockerManifest },
      `descriptor mediaType ${MediaType.dockerManifest} does not match the document's mediaType ${MediaType.ociManifest}`,
    ],
    [
      "a Content-Type that disagrees with the descriptor",
      { schemaVersion: 2, config, layers: [] },
      { contentType: MediaType.ociManifest, descriptorMediaType: MediaType.dockerManifest },
      `Content-Type ${MediaType.ociManifest} does not match the descriptor mediaType ${MediaType.dockerManifest}`,
    ],
    ["both manifests and layers (CVE-2021-41190)", { ...manifest, manifests: [] }, {}, "document has both manifests and layers/config (ambiguous)"],
    ["schemaVersion 3", { ...manifest, schemaVersion: 3 }, {}, "schemaVersion is not 2"],
    ["no layers", { schemaVersion: 2, mediaType: MediaType.ociManifest, config }, {}, "manifest has no layers array"],
    ["a sha256 digest with bad hex", { ...manifest, config: { ...config, digest: "sha256:../../x" } }, {}, "config.digest is malformed"],
    ["a negative size", { ...manifest, layers: [{ ...config, size: -1 }] }, {}, "layers[0].size is not a non-negative integer"],
    ["a platform without architecture", { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...config, platform: { os: "linux" } }] }, {}, "manifests[0].platform needs os and architecture"],
    ["no type at all", { schemaVersion: 2 }, {}, "document has no mediaType and no manifests or config"],
  ])("rejects %s", (_label, body, declared, reason) => {
    const bytes = body instanceof Uint8Array ? body : encode(body);
    expect(parseManifest(bytes, declared)).toMatchObject({ ok: false, verdict: "invalid", reason });
  });

  it("reports schema 1 and unknown manifest types as unsupported", () => {
    expect(parseManifest(encode({ schemaVersion: 1, name: "a", fsLayers: [] }))).toEqual({
      ok: false,
      verdict: "unsupported",
      reason: "Docker schema 1 manifests are not supported",
      mediaType: undefined,
    });
    expect(parseManifest(encode({ schemaVersion: 2, mediaType: "application/vnd.oci.artifact.manifest.v1+json", blobs: [] }))).toEqual({
      ok: false,
      verdict: "unsupported",
      reason: "unsupported manifest media type application/vnd.oci.artifact.manifest.v1+json",
      mediaType: "application/vnd.oci.artifact.manifest.v1+json",
    });
  });
});

describe("parseImageConfigPlatform", () => {
  it("reads os, architecture and variant", () => {
    expect(parseImageConfigPlatform(encode({ os: "linux", architecture: "arm64", variant: "v8" }))).toEqual({
      ok: true,
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
    expect(parseImageConfigPlatform(encode({ os: "windows", architecture: "amd64", variant: "" }))).toEqual({
      ok: true,
      platform: { os: "windows", architecture: "amd64" },
    });
  });

  it("rejects configs without a platform", () => {
    expect(parseImageConfigPlatform(encode({ os: "", architecture: "" }))).toEqual({ ok: false, reason: "image config has no os/architecture" });
    expect(parseImageConfigPlatform(encode("x"))).toEqual({ ok: false, reason: "image config is not valid UTF-8 JSON" });
  });
});
