import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { RegistryError, errorMessage } from "./errors.js";
import { OciLayoutSource } from "./oci-layout.js";

/** Default cap on what a layout tarball may unpack to (the verification download budget). */
export const DEFAULT_TARBALL_BYTES = 2 * 1024 ** 3;

export interface TarballOptions {
  /** Total bytes of layout files unpacked; the tarball is refused beyond it. Default 2 GiB. */
  maxBytes?: number;
  /**
   * Blobs larger than this are not unpacked (inspect needs only manifests and configs); reading one then fails
   * with `not-found` naming the skip. Default: no limit.
   */
  skipBlobsLargerThan?: number;
}

/** An OCI layout unpacked from a tarball into a private temporary directory; `dispose` removes it. */
export interface UnpackedLayout {
  source: OciLayoutSource;
  dispose(): Promise<void>;
}

const LAYOUT_ENTRY = /^(?:\.\/)?(oci-layout|index\.json|blobs\/sha256\/[a-f0-9]{64})$/;

/**
 * Unpacks an OCI image layout tarball (`docker buildx build --output type=oci,dest=x.tar`) with `tar-stream`:
 * only `oci-layout`, `index.json` and `blobs/sha256/<hex>` regular files are written, under names built here (never
 * the archive's own paths), streamed and capped. Digests are verified when the blobs are read.
 */
export async function unpackLayoutTarball(file: string, options: TarballOptions = {}): Promise<UnpackedLayout> {
  const maxBytes = options.maxBytes ?? DEFAULT_TARBALL_BYTES;
  const skipAbove = options.skipBlobsLargerThan ?? Number.POSITIVE_INFINITY;
  const dir = await mkdtemp(join(tmpdir(), "tagguard-oci-"));
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
    const skipped = new Set<string>();
    let total = 0;
    const extract = tar.extract();
    const unpack = (async () => {
      for await (const entry of extract) {
        const name = LAYOUT_ENTRY.exec(entry.header.name)?.[1];
        const size = entry.header.size ?? 0;
        if (name === undefined || entry.header.type !== "file") {
          entry.resume();
          continue;
        }
        if (name.startsWith("blobs/") && size > skipAbove) {
          skipped.add(name);
          entry.resume();
          continue;
        }
        total += size;
        if (total > maxBytes) throw new RegistryError("too-large", `${file} unpacks to more than ${maxBytes} bytes of layout files`);
        await pipeline(entry, createWriteStream(join(dir, ...name.split("/"))));
      }
    })();
    const read = pipeline(createReadStream(file), extract);
    await Promise.all([unpack, read]);
    const source = new OciLayoutSource(dir, { label: file, skipped });
    return { source, dispose };
  } catch (error) {
    await dispose();
    if (error instanceof RegistryError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") throw new RegistryError("not-found", `${file} does not exist`);
    throw new RegistryError("invalid", `${file} is not a readable tar archive: ${errorMessage(error)}`);
  }
}
