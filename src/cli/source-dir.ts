import { createReadStream } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { VerifyError, blobHasher, contextFilter, gitBlobSha1, type ContextFile } from "../verify/index.js";

/** Files a build context directory may hold before verify gives up. */
export const MAX_CONTEXT_FILES = 200_000;
/** Dockerfile and .dockerignore are read whole, up to this size. */
export const MAX_TEXT_BYTES = 1024 * 1024;

/**
 * A build context directory as Docker sends it: every file and symlink, minus what `.dockerignore` excludes
 * (directories are pruned whole unless a `!` exception could bring something back), hashed as git blobs (streamed).
 */
export async function readContextDir(dir: string, dockerignore: string | undefined, maxFiles = MAX_CONTEXT_FILES): Promise<ContextFile[]> {
  const inContext = contextFilter(dockerignore);
  const prunable = !(dockerignore ?? "").split(/\r?\n/).some((l) => l.trim().startsWith("!"));
  const out: ContextFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const full = join(dir, path);
      if (entry.isDirectory()) {
        if (!prunable || inContext(path)) await walk(path);
        continue;
      }
      if (!inContext(path)) continue;
      if (out.length >= maxFiles) throw new VerifyError("limit", `${dir} holds more than ${maxFiles} files in the build context`);
      if (entry.isSymbolicLink()) {
        out.push({ path, kind: "symlink", executable: false, blob: gitBlobSha1(await readlink(full)) });
      } else if (entry.isFile()) {
        const info = await lstat(full);
        out.push({ path, kind: "file", executable: (info.mode & 0o100) !== 0, blob: await hashFile(full, info.size) });
      }
    }
  };
  await walk("");
  return out;
}

async function hashFile(path: string, size: number): Promise<string> {
  const hash = blobHasher(size);
  let read = 0;
  for await (const chunk of createReadStream(path)) {
    read += (chunk as Buffer).byteLength;
    hash.update(chunk as Buffer);
  }
  if (read !== size) throw new VerifyError("mapping", `${path} changed while it was read`);
  return hash.digest("hex");
}

/** A small text file (Dockerfile, .dockerignore); undefined when absent; VerifyError beyond `MAX_TEXT_BYTES`. */
export async function readSmallText(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw new VerifyError("mapping", `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (info.size > MAX_TEXT_BYTES) throw new VerifyError("mapping", `${path} is larger than ${MAX_TEXT_BYTES} bytes`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
