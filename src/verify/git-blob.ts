import { createHash, type Hash } from "node:crypto";

/** Git's object header for a blob of `size` bytes: the blob SHA-1 is sha1(`blob <size>\0<content>`). */
export function blobHasher(size: number): Hash {
  return createHash("sha1").update(`blob ${size}\0`);
}

/** Git blob SHA-1 (hex) of in-memory content, e.g. a symlink's target. */
export function gitBlobSha1(content: Uint8Array | string): string {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return blobHasher(bytes.byteLength).update(bytes).digest("hex");
}
