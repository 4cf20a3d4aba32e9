import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MAX_BLOB_BYTES, MAX_MANIFEST_BYTES } from "./client.js";
import { parseManifest, type Descriptor } from "./documents.js";
import { RegistryError, errorMessage } from "./errors.js";
import { Annotation } from "./media-types.js";
import { assertDigest, isValidDigest, sha256Digest } from "./reference.js";
import type { BlobDescriptor, BlobStreamSource, FetchOptions, FetchedManifest, ManifestSource } from "./source.js";

/**
 * Reads an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/<hex>`), e.g. the output of
 * `docker buildx build --output type=oci,tar=false,dest=DIR`. Tags are `org.opencontainers.image.ref.name`
 * annotations in `index.json`. Every blob is checked against its digest (and size when known). The repository
 * name passed to the ManifestSource methods is ignored.
 */
export class OciLayoutSource implements ManifestSource, BlobStreamSource {
  private index: Promise<Descriptor[]> | undefined;
  /** How messages name the layout: the directory, or the tarball it was unpacked from. */
  readonly label: string;
  private readonly skipped: ReadonlySet<string>;

  /** `options.label` names the layout in messages; `options.skipped` lists files deliberately not unpacked. */
  constructor(
    readonly dir: string,
    options: { label?: string; skipped?: ReadonlySet<string> } = {},
  ) {
    this.label = options.label ?? dir;
    this.skipped = options.skipped ?? new Set();
  }

  /** The `index.json` entry for `tag`, or the only entry when `tag` is undefined. */
  async resolve(tag: string | undefined): Promise<Descriptor> {
    const entries = await this.entries();
    const names = entries.map((e) => e.annotations.get(Annotation.refName)).filter((n): n is string => n !== undefined);
    const listed = names.length === 0 ? "none" : names.join(", ");
    if (tag === undefined) {
      if (entries.length === 1) return entries[0]!;
      throw new RegistryError(
        "invalid-reference",
        `${this.label} holds ${entries.length} manifests; name one with oci:DIR:TAG (tags: ${listed})`,
      );
    }
    const matches = entries.filter((e) => e.annotations.get(Annotation.refName) === tag);
    if (matches.length === 0) throw new RegistryError("not-found", `tag ${tag} not found in ${this.label}/index.json (tags: ${listed})`);
    if (new Set(matches.map((m) => m.digest)).size > 1) {
      throw new RegistryError("invalid", `tag ${tag} names several manifests in ${this.label}/index.json`);
    }
    return matches[0]!;
  }

  /** By tag (via `index.json`) or digest. The announced type is the `index.json` descriptor's, when listed there. */
  async getManifest(_name: string, reference: string, options: FetchOptions = {}): Promise<FetchedManifest> {
    options.signal?.throwIfAborted();
    const entry = isValidDigest(reference)
      ? (await this.entries()).find((e) => e.digest === reference)
      : await this.resolve(reference);
    const digest = entry?.digest ?? reference;
    const expectedSize = options.expectedSize ?? entry?.size;
    const bytes = await this.readBlob(digest, expectedSize, MAX_MANIFEST_BYTES);
    return { digest, contentType: entry?.mediaType, bytes };
  }

  async getBlob(_name: string, descriptor: BlobDescriptor, options: FetchOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    return this.readBlob(descriptor.digest, descriptor.size, MAX_BLOB_BYTES);
  }

  /** Streams a blob file (a layer); the reader verifies length and digest as it consumes it. */
  async openBlob(_name: string, descriptor: BlobDescriptor, options: FetchOptions = {}): Promise<Readable> {
    options.signal?.throwIfAborted();
    assertDigest(descriptor.digest);
    const relative = `blobs/sha256/${descriptor.digest.slice("sha256:".length)}`;
    const path = this.unpackedPath(relative);
    const info = await stat(join(this.dir, relative)).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw new RegistryError("not-found", `${path} does not exist`);
    return createReadStream(join(this.dir, relative), options.signal === undefined ? {} : { signal: options.signal });
  }

  private entries(): Promise<Descriptor[]> {
    this.index ??= this.loadIndex();
    return this.index;
  }

  private async loadIndex(): Promise<Descriptor[]> {
    const layout = await this.readFile("oci-layout", 4096);
    let version: unknown;
    try {
      version = (JSON.parse(new TextDecoder().decode(layout)) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      version = undefined;
    }
    if (typeof version !== "string") throw new RegistryError("invalid", `${this.label}/oci-layout is not an OCI layout marker`);
    const parsed = parseManifest(await this.readFile("index.json", MAX_MANIFEST_BYTES));
    if (!parsed.ok || parsed.document.kind !== "index") {
      throw new RegistryError("invalid", `${this.label}/index.json is not an OCI index${parsed.ok ? "" : `: ${parsed.reason}`}`);
    }
    return parsed.document.manifests;
  }

  private async readBlob(digest: string, expectedSize: number | undefined, cap: number): Promise<Uint8Array> {
    assertDigest(digest);
    const bytes = await this.readFile(`blobs/sha256/${digest.slice("sha256:".length)}`, cap);
    if (expectedSize !== undefined && bytes.byteLength !== expectedSize) {
      throw new RegistryError("digest-mismatch", `blob ${digest}: ${bytes.byteLength} bytes, descriptor says ${expectedSize}`);
    }
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new RegistryError("digest-mismatch", `blob ${digest} in ${this.label} hashes to ${actual}`);
    return bytes;
  }

  /** `relative` as messages name it; throws `not-found` for a file a tarball held but was not unpacked. */
  private unpackedPath(relative: string): string {
    const path = `${this.label}/${relative}`;
    if (this.skipped.has(relative)) throw new RegistryError("not-found", `${path} was not unpacked (larger than needed here)`);
    return path;
  }

  private async readFile(relative: string, cap: number): Promise<Uint8Array> {
    const path = this.unpackedPath(relative);
    try {
      const info = await stat(join(this.dir, relative));
      if (!info.isFile()) throw new RegistryError("not-found", `${path} is not a file`);
      if (info.size > cap) throw new RegistryError("too-large", `${path} exceeds ${cap} bytes`);
      const bytes = await readFile(join(this.dir, relative));
      if (bytes.byteLength > cap) throw new RegistryError("too-large", `${path} exceeds ${cap} bytes`);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new RegistryError("not-found", `${path} does not exist`);
      throw new RegistryError("invalid", `cannot read ${path}: ${errorMessage(error)}`);
    }
  }
}
