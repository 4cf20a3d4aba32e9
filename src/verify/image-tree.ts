import { createHash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import tar, { type Extract } from "tar-stream";
import { VerifyError } from "./errors.js";
import { blobHasher, gitBlobSha1 } from "./git-blob.js";
import { ancestorsOrSelf, isUnder, normalizeImagePath, relativeTo } from "./paths.js";

/** A layer descriptor from the image manifest, bottom layer first. */
export interface LayerRef {
  digest: string;
  size: number;
  mediaType: string;
}

/** A non-directory entry of the image's filesystem under the verified path. */
export interface ImageFile {
  kind: "file" | "symlink";
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  size: number;
  /**
   * Git blob SHA-1 (hex) of the content (of the link target for a symlink); null when not hashed (no source entry
   * expects the file) and for a hard link whose target was not hashed.
   */
  blob: string | null;
  /** Symlink target, or the target of a hard link. */
  linkTarget: string | null;
  /** Digest of the layer that holds this version of the file. */
  layer: string;
}

export interface ImageTree {
  /** Files under the path, keyed by their path relative to it (`src/main.py`). */
  files: Map<string, ImageFile>;
  /** Layers read, top first. */
  layersRead: string[];
  /** Lower layers not fetched because nothing in them could show under the path any more. */
  layersSkipped: string[];
  /** Compressed bytes read. */
  bytesRead: number;
}

export interface ImageTreeLimits {
  /** Compressed bytes the layers may total; a layer that would cross it is not fetched. Default 2 GiB. */
  maxDownloadBytes?: number;
  /** Uncompressed tar bytes across all layers (decompression bombs). Default 16 GiB. */
  maxUncompressedBytes?: number;
  /** Files kept under the path. Default 1,000,000. */
  maxFiles?: number;
  signal?: AbortSignal;
  /**
   * Which files (path relative to the path verified) need their content hashed: the ones a source entry expects.
   * Others keep `blob: null`. Default: all.
   */
  hashes?: (path: string) => boolean;
}

/** Opens a layer's compressed bytes (registry blob or layout file), streamed. */
export type OpenLayer = (layer: LayerRef) => Promise<Readable | AsyncIterable<Uint8Array>>;

export const DEFAULT_DOWNLOAD_BUDGET = 2 * 1024 ** 3;
const DEFAULT_MAX_UNCOMPRESSED = 16 * 1024 ** 3;
type Entry = Extract extends AsyncIterable<infer T> ? T : never;
const DEFAULT_MAX_FILES = 1_000_000;
/** gunzip output chunks of 128 KiB instead of zlib's 16 KiB: a quarter of the tar-parse and hash calls per byte. */
const GUNZIP_CHUNK = 128 * 1024;
const OPAQUE = ".wh..wh..opq";
const WHITEOUT = ".wh.";

/**
 * Reads the filesystem an image presents under `root` (e.g. `/app`) from its layers (bottom first in `layers`),
 * streaming each layer once: digest and size checked, gzip/zstd/plain tar decoded, entries parsed with tar-stream,
 * OCI whiteouts (`.wh.<name>`, `.wh..wh..opq`) applied. Layers are read top first, so a lower layer is not fetched
 * once an upper one has hidden everything it could contribute under `root`. Only files under `root` are kept, each
 * with its git blob SHA-1; no layer is held in memory.
 */
export async function readImageTree(layers: readonly LayerRef[], root: string, open: OpenLayer, limits: ImageTreeLimits = {}): Promise<ImageTree> {
  if (layers.length === 0) throw new VerifyError("no-content", "the image has no layers");
  const base = normalizeImagePath(root);
  const state = new TreeState(base, limits.maxFiles ?? DEFAULT_MAX_FILES, limits.hashes ?? (() => true));
  const budget = limits.maxDownloadBytes ?? DEFAULT_DOWNLOAD_BUDGET;
  const cap = limits.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  const uncompressed = { left: cap, cap };
  const tree: ImageTree = { files: state.files, layersRead: [], layersSkipped: [], bytesRead: 0 };
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    const layer = layers[i]!;
    if (state.sealed()) {
      tree.layersSkipped.push(layer.digest);
      continue;
    }
    limits.signal?.throwIfAborted();
    if (tree.bytesRead + layer.size > budget) {
      throw new VerifyError(
        "limit",
        `download budget of ${budget} bytes reached: layer ${layer.digest} (${layer.size} bytes) would bring the total to ${tree.bytesRead + layer.size}`,
      );
    }
    await readLayer(layer, await open(layer), state, uncompressed);
    tree.bytesRead += layer.size;
    tree.layersRead.push(layer.digest);
  }
  if (state.rootReplaced !== undefined) throw new VerifyError("no-content", state.rootReplaced);
  return tree;
}

/** What the layers read so far (the upper ones) decide about the path. */
class TreeState {
  readonly files = new Map<string, ImageFile>();
  /** Names under which lower layers can no longer contribute (whiteouts, non-directories). */
  private readonly hidden = new Set<string>();
  /** Directories whose lower-layer children are hidden. */
  private readonly opaque = new Set<string>();
  /** Set when the path or one of its parents is not a directory in the image. */
  rootReplaced: string | undefined;

  constructor(
    readonly root: string,
    private readonly maxFiles: number,
    /** Whether a file under the path (relative to it) needs its content hashed. */
    readonly hashes: (path: string) => boolean,
  ) {}

  /** True when no lower layer can change anything under the path. */
  sealed(): boolean {
    return ancestorsOrSelf(this.root).some((a) => this.hidden.has(a) || this.opaque.has(a));
  }

  /** True when an upper layer hides `name` from this (lower) layer. */
  isHidden(name: string): boolean {
    const chain = ancestorsOrSelf(name);
    return chain.some((a, i) => this.hidden.has(a) || (i < chain.length - 1 && this.opaque.has(a)));
  }

  /** Whether `name` matters: under the path, or a parent of it. */
  relevant(name: string): boolean {
    return isUnder(name, this.root) || isUnder(this.root, name);
  }

  commit(layer: LayerState): void {
    for (const [name, file] of layer.files) {
      if (this.files.size >= this.maxFiles) throw new VerifyError("limit", `more than ${this.maxFiles} files under /${this.root}`);
      this.files.set(relativeTo(name, this.root), file);
    }
    if (this.rootReplaced === undefined && layer.rootReplaced !== undefined) this.rootReplaced = layer.rootReplaced;
    for (const name of layer.hidden) this.hidden.add(name);
    for (const name of layer.opaque) this.opaque.add(name);
  }
}

/** One layer's own entries; applied to the tree when the layer ends, so entry order within a layer does not matter. */
interface LayerState {
  files: Map<string, ImageFile>;
  hidden: Set<string>;
  opaque: Set<string>;
  /** Blob and size of every regular file under the path, for hard links to it. */
  hashes: Map<string, { blob: string; size: number }>;
  rootReplaced: string | undefined;
}

async function readLayer(
  layer: LayerRef,
  source: Readable | AsyncIterable<Uint8Array>,
  state: TreeState,
  uncompressed: { left: number; cap: number },
): Promise<void> {
  const own: LayerState = { files: new Map(), hidden: new Set(), opaque: new Set(), hashes: new Map(), rootReplaced: undefined };
  const extract = tar.extract();
  let failure: unknown;
  const feeding = pipeline(
    source instanceof Readable ? source : Readable.from(source),
    new DigestCheck(layer),
    decompressor(layer),
    new ByteBudget(uncompressed, layer.digest),
    extract,
  ).catch((error: unknown) => {
    failure ??= error;
  });
  try {
    for await (const entry of extract) await readEntry(entry, state, own, layer.digest);
  } catch (error) {
    failure ??= error;
  }
  await feeding;
  if (failure !== undefined) {
    if (failure instanceof VerifyError) throw failure;
    throw new VerifyError("invalid-layer", `layer ${layer.digest}: ${(failure as Error).message ?? String(failure)}`);
  }
  state.commit(own);
}

async function readEntry(entry: Entry, state: TreeState, own: LayerState, digest: string): Promise<void> {
  const { header } = entry;
  const name = normalizeImagePath(header.name);
  const slash = name.lastIndexOf("/");
  const dir = slash < 0 ? "" : name.slice(0, slash);
  const base = name.slice(slash + 1);
  if (base.startsWith(WHITEOUT)) {
    entry.resume();
    const target = base === OPAQUE ? dir : `${dir === "" ? "" : `${dir}/`}${base.slice(WHITEOUT.length)}`;
    if (!state.relevant(target) || state.isHidden(target)) return;
    if (base === OPAQUE) own.opaque.add(target);
    else own.hidden.add(target);
    return;
  }
  if (name === "" || !state.relevant(name) || state.isHidden(name) || header.type === "directory") {
    entry.resume();
    return;
  }
  own.hidden.add(name);
  if (!isUnder(name, state.root) || name === state.root) {
    // a parent of the path (or the path) that is not a directory: nothing of the path exists below it
    entry.resume();
    const what = header.type === "symlink" ? `a symlink to ${header.linkname ?? "?"}` : `a ${header.type ?? "file"}`;
    own.rootReplaced ??= `/${name} is ${what} in the image (layer ${digest}), not a directory`;
    return;
  }
  const mode = (header.mode ?? 0) & 0o7777;
  if (header.type === "symlink") {
    entry.resume();
    const target = header.linkname ?? "";
    own.files.set(name, { kind: "symlink", mode, size: Buffer.byteLength(target), blob: gitBlobSha1(target), linkTarget: target, layer: digest });
    return;
  }
  if (header.type === "link") {
    entry.resume();
    const target = normalizeImagePath(header.linkname ?? "");
    const hashed = own.hashes.get(target);
    own.files.set(name, { kind: "file", mode, size: hashed?.size ?? 0, blob: hashed?.blob ?? null, linkTarget: `/${target}`, layer: digest });
    return;
  }
  if (header.type !== "file" && header.type !== "contiguous-file") {
    entry.resume();
    return;
  }
  const size = header.size ?? 0;
  if (!state.hashes(relativeTo(name, state.root))) {
    entry.resume();
    own.files.set(name, { kind: "file", mode, size, blob: null, linkTarget: null, layer: digest });
    return;
  }
  const hash = blobHasher(size);
  for await (const chunk of entry) hash.update(chunk as Buffer);
  const blob = hash.digest("hex");
  own.hashes.set(name, { blob, size });
  own.files.set(name, { kind: "file", mode, size, blob, linkTarget: null, layer: digest });
}

/** gzip, zstd (fzstd, pure JavaScript: Node 20's zlib has no zstd) or an uncompressed tar, by media type. */
function decompressor(layer: LayerRef): Transform {
  const type = layer.mediaType;
  if (/\.tar(\+|\.)gzip$/.test(type)) return createGunzip({ chunkSize: GUNZIP_CHUNK });
  if (/\.tar\+zstd$/.test(type)) return new ZstdDecode();
  if (/\.tar$/.test(type)) return new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
  throw new VerifyError("invalid-layer", `layer ${layer.digest} has media type ${type}, not a tar layer (gzip, zstd or uncompressed)`);
}

class ZstdDecode extends Transform {
  private readonly decoder = new Decompress((data) => {
    this.push(data);
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      done();
    } catch (error) {
      done(new Error(`zstd: ${(error as Error).message}`));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (error) {
      done(new Error(`zstd: ${(error as Error).message}`));
    }
  }
}

/** Passes the compressed bytes through, checking their count and sha256 against the descriptor at the end. */
class DigestCheck extends Transform {
  private readonly hash = createHash("sha256");
  private count = 0;

  constructor(private readonly layer: LayerRef) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.byteLength;
    if (this.count > this.layer.size) {
      done(new VerifyError("invalid-layer", `layer ${this.layer.digest} is longer than its descriptor's ${this.layer.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const digest = `sha256:${this.hash.digest("hex")}`;
    if (this.count !== this.layer.size) {
      done(new VerifyError("invalid-layer", `layer ${this.layer.digest}: got ${this.count} bytes, descriptor says ${this.layer.size}`));
    } else if (digest !== this.layer.digest) {
      done(new VerifyError("invalid-layer", `layer ${this.layer.digest}: content hashes to ${digest}`));
    } else {
      done();
    }
  }
}

/** Counts uncompressed bytes against the verification's cap. */
class ByteBudget extends Transform {
  constructor(
    private readonly budget: { left: number; cap: number },
    private readonly digest: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.budget.left -= chunk.byteLength;
    if (this.budget.left < 0) {
      done(new VerifyError("limit", `layer ${this.digest}: the layers decompress to more than ${this.budget.cap} bytes`));
      return;
    }
    done(null, chunk);
  }
}
