import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { compress as zstdCompress, init as zstdInit } from "@bokuweb/zstd-wasm";
import tar from "tar-stream";

/** One tar entry of a test layer. */
export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
  mode?: number;
}

export type Compression = "gzip" | "zstd" | "none";

export interface BuiltBlob {
  bytes: Buffer;
  digest: string;
  size: number;
  mediaType: string;
}

export interface BuiltImage {
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltBlob[];
}

const MEDIA: Record<Compression, string> = {
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  none: "application/vnd.oci.image.layer.v1.tar",
};

export function blob(bytes: Buffer, mediaType: string): BuiltBlob {
  return { bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, size: bytes.byteLength, mediaType };
}

/** A real tar archive (tar-stream's writer) of the entries, in order. */
export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
      mtime: new Date(0),
      ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
    };
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if (type === "file") pack.entry(header, e.content ?? "", callback);
      else pack.entry(header, callback).end(undefined);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The zstd writer's WebAssembly module; initialising it a second time breaks its output. */
let zstdReady: Promise<void> | undefined;

export async function layerOf(entries: readonly TarEntry[], compression: Compression = "gzip"): Promise<BuiltBlob> {
  const raw = await tarOf(entries);
  if (compression === "gzip") return blob(gzipSync(raw), MEDIA.gzip);
  if (compression === "zstd") {
    zstdReady ??= zstdInit();
    await zstdReady;
    return blob(Buffer.from(zstdCompress(raw, 3)), MEDIA.zstd);
  }
  return blob(raw, MEDIA.none);
}

/** An OCI image manifest and config over the layers; `labels` go into the config (e.g. the revision). */
export function imageOf(
  layers: BuiltBlob[],
  options: { labels?: Record<string, string>; workingDir?: string; architecture?: string; createdBy?: string[] } = {},
): BuiltImage {
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: options.architecture ?? "amd64",
        os: "linux",
        config: { Labels: options.labels ?? {}, ...(options.workingDir === undefined ? {} : { WorkingDir: options.workingDir }) },
        rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
        ...(options.createdBy === undefined ? {} : { history: options.createdBy.map((c) => ({ created_by: c })) }),
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, config, layers };
}

/** Writes `image` as an OCI image layout in `dir`, tagged `tag`. */
export function writeLayout(dir: string, image: BuiltImage, tag: string): void {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  for (const b of [image.manifest, image.config, ...image.layers]) {
    writeFileSync(join(dir, "blobs", "sha256", b.digest.slice("sha256:".length)), b.bytes);
  }
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: image.manifest.mediaType,
          digest: image.manifest.digest,
          size: image.manifest.size,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
}

/** Pushes `image` (blobs and manifest) into the fake registry as `name:tag`. */
export function pushImage(registry: { putBlob(bytes: Uint8Array): string; putManifest(name: string, bytes: Uint8Array, mediaType: string, tags: string[]): string }, name: string, image: BuiltImage, tag: string): void {
  for (const b of [image.config, ...image.layers]) registry.putBlob(b.bytes);
  registry.putManifest(name, image.manifest.bytes, image.manifest.mediaType, [tag]);
}
