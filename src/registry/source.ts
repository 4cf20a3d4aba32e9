import type { Readable } from "node:stream";
/** A manifest or index as fetched: raw bytes, their sha256, and the media type the source announced. */
export interface FetchedManifest {
  /** sha256 of `bytes` (verified against the requested digest when fetched by digest). */
  digest: string;
  /**
   * `Content-Type` without parameters, lowercased (registry), or the `index.json` descriptor's media type (OCI
   * layout); undefined when the source announced none.
   */
  contentType: string | undefined;
  bytes: Uint8Array;
}

export interface BlobDescriptor {
  digest: string;
  size: number;
}

export interface FetchOptions {
  /** Aborts the call (e.g. the per-inspection budget). */
  signal?: AbortSignal;
  /** Deadline in ms since the epoch; retry waits that would end after it are not taken. */
  deadline?: number;
  /** The descriptor's size: the content must be exactly this long. */
  expectedSize?: number;
}

/** Where `inspect` reads content from: a registry (`RegistryClient`) or an OCI image layout (`OciLayoutSource`). */
export interface ManifestSource {
  /** Manifest or index by tag or digest; verified (digest, `Docker-Content-Digest`, size) before it is returned. */
  getManifest(name: string, reference: string, options?: FetchOptions): Promise<FetchedManifest>;
  /** Blob (≤ 4 MiB) by descriptor; size and sha256 verified. */
  getBlob(name: string, descriptor: BlobDescriptor, options?: FetchOptions): Promise<Uint8Array>;
}

/**
 * Where layers are streamed from (registry or OCI layout). The stream is not verified here: the reader checks its
 * length and sha256 against the descriptor as it consumes it (the layer is never buffered whole).
 */
export interface BlobStreamSource {
  openBlob(name: string, descriptor: BlobDescriptor, options?: FetchOptions): Promise<Readable>;
}
