import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MediaType, OciLayoutSource, RegistryError, sha256Digest } from "../../src/registry/index.js";
import { FIXTURE_TAGS, LAYOUT_DIR, blob, fixture } from "./fixtures.js";

const AMD64 = "sha256:a94fa8ee5d4d401c23d0fd7e974b05b396a50d99b0b772ad91f9ebcbaf66b8c5";

describe("OciLayoutSource", () => {
  const layout = new OciLayoutSource(LAYOUT_DIR);

  it("resolves tags through index.json and announces the descriptor's media type", async () => {
    const { digest, mediaType } = fixture("docker-list");
    await expect(layout.getManifest("any", "docker-list")).resolves.toEqual({ digest, contentType: mediaType, bytes: blob(digest) });
    await expect(layout.getManifest("any", digest)).resolves.toEqual({ digest, contentType: mediaType, bytes: blob(digest) });
    await expect(layout.getManifest("any", AMD64, { expectedSize: 475 })).resolves.toEqual({ digest: AMD64, contentType: undefined, bytes: blob(AMD64) });
  });

  it("needs a tag when index.json lists several manifests", async () => {
    await expect(layout.resolve(undefined)).rejects.toEqual(
      new RegistryError(
        "invalid-reference",
        `${LAYOUT_DIR} holds ${FIXTURE_TAGS.size} manifests; name one with oci:DIR:TAG (tags: ${[...FIXTURE_TAGS.keys()].join(", ")})`,
      ),
    );
    await expect(layout.getManifest("any", "nope")).rejects.toMatchObject({ kind: "not-found", message: expect.stringMatching(/^tag nope not found in /) });
  });

  it("checks blob sizes against descriptors", async () => {
    await expect(layout.getBlob("any", { digest: AMD64, size: 1 })).rejects.toEqual(
      new RegistryError("digest-mismatch", `blob ${AMD64}: 475 bytes, descriptor says 1`),
    );
    await expect(layout.getBlob("any", { digest: "sha256:../../../etc/passwd", size: 1 })).rejects.toMatchObject({ kind: "invalid-reference" });
  });
});

describe("OciLayoutSource on a modified copy", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tagguard-layout-"));
    cpSync(LAYOUT_DIR, dir, { recursive: true });
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses the only manifest when no tag is given", async () => {
    const only = fixture("cache-index");
    writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [only] }));
    await expect(new OciLayoutSource(dir).resolve(undefined)).resolves.toEqual({ ...only, annotations: new Map() });
  });

  it("detects a tampered blob", async () => {
    const zeros = new Uint8Array(475);
    writeFileSync(join(dir, "blobs", "sha256", AMD64.slice(7)), zeros);
    await expect(new OciLayoutSource(dir).getManifest("any", AMD64)).rejects.toEqual(
      new RegistryError("digest-mismatch", `blob ${AMD64} in ${dir} hashes to ${sha256Digest(zeros)}`),
    );
  });

  it("reports a missing blob as not found", async () => {
    unlinkSync(join(dir, "blobs", "sha256", AMD64.slice(7)));
    await expect(new OciLayoutSource(dir).getManifest("any", AMD64)).rejects.toEqual(
      new RegistryError("not-found", `${join(dir, "blobs", "sha256", AMD64.slice(7))} does not exist`),
    );
  });

  it("refuses a directory that is not an OCI layout", async () => {
    unlinkSync(join(dir, "oci-layout"));
    await expect(new OciLayoutSource(dir).resolve("cache-index")).rejects.toEqual(new RegistryError("not-found", `${join(dir, "oci-layout")} does not exist`));
    writeFileSync(join(dir, "oci-layout"), "{}");
    await expect(new OciLayoutSource(dir).resolve("cache-index")).rejects.toEqual(new RegistryError("invalid", `${dir}/oci-layout is not an OCI layout marker`));
    await expect(new OciLayoutSource(join(dir, "missing")).resolve(undefined)).rejects.toMatchObject({ kind: "not-found" });
  });
});
