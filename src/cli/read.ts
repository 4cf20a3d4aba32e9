import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { decodeText, type TextEncoding } from "../workflow/decode.js";

/** A file tagguard meant to read but did not, and why. */
export interface Skip {
  /** Path relative to the reader's root, with forward slashes. */
  path: string;
  reason: string;
  /** False for a directory named like a workflow: there was no file to analyse. */
  analyzable: boolean;
}

/** A file's text as read, with the encoding it had (so `--fix` can write it back the same way). */
export interface ReadText {
  text: string;
  encoding: TextEncoding;
}

export function toPosix(p: string): string {
  return p.split(sep).join("/");
}

/** True when `p` is `root` or below it. */
function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Reads at most `maxBytes` (+1, to tell an oversized file) from a regular file. The file is opened
 * non-blocking and checked again after opening, so a FIFO or device swapped in after `stat` is never read.
 */
export function readCapped(abs: string, maxBytes: number): Buffer | "oversized" | "not-regular" {
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return "not-regular";
    if (st.size > maxBytes) return "oversized";
    // Sized by the file, read to its end: a file that grows while it is read still stops at the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (let size = st.size + 1; total <= maxBytes; size = 64 * 1024) {
      const chunk = Buffer.allocUnsafe(Math.min(size, maxBytes + 1 - total));
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      total += got;
    }
    return total > maxBytes ? "oversized" : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** What a path under the root is, after following a link that stays inside the root. */
type Entry = { kind: "file" | "dir"; abs: string; size: number } | { kind: "skip"; reason: string; analyzable: boolean };

function describe(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Reads a repository from the file system without trusting it: only regular files, links only when
 * their target stays inside the root, never devices or FIFOs, every read capped at `maxBytes`. What it
 * does not read is recorded in `skipped`.
 */
export class RepoReader {
  readonly root: string;
  readonly skipped: Skip[] = [];
  readonly encodings = new Map<string, TextEncoding>();

  constructor(
    root: string,
    readonly maxBytes: number,
  ) {
    this.root = realpathSync(root);
  }

  private skip(path: string, reason: string, analyzable: boolean): undefined {
    if (!this.skipped.some((s) => s.path === path)) this.skipped.push({ path, reason, analyzable });
    return undefined;
  }

  /** Undefined when nothing is there (a missing reference is not an error). */
  private entry(rel: string): Entry | undefined {
    const abs = join(this.root, rel);
    let st: Stats;
    try {
      st = lstatSync(abs);
    } catch {
      return undefined;
    }
    let target = abs;
    if (st.isSymbolicLink()) {
      try {
        target = realpathSync(abs);
      } catch {
        return { kind: "skip", reason: "a broken link", analyzable: true };
      }
      if (!isInside(this.root, target)) return { kind: "skip", reason: "a link to a file outside PATH", analyzable: true };
      try {
        st = statSync(target);
      } catch (err) {
        return { kind: "skip", reason: `cannot read it (${(err as NodeJS.ErrnoException).code})`, analyzable: true };
      }
    } else if (!isInside(this.root, realpathSync(dirname(abs)))) {
      return { kind: "skip", reason: "below a link to a directory outside PATH", analyzable: true };
    }
    if (st.isDirectory()) return { kind: "dir", abs: target, size: 0 };
    if (!st.isFile()) return { kind: "skip", reason: describe(st), analyzable: true };
    return { kind: "file", abs: target, size: st.size };
  }

  /** Whether `rel` is a directory inside the root (following links that stay inside). */
  isDir(rel: string): boolean {
    return this.entry(rel)?.kind === "dir";
  }

  /** The real path of directory `rel`, so a walk can tell a directory it has already read through a link. */
  realDir(rel: string): string {
    return realpathSync(join(this.root, rel));
  }

  /**
   * The text of `rel`, or undefined when it is missing or skipped (then with a note in `skipped`). A
   * directory named like a file is skipped with a note when `expectFile`.
   */
  read(rel: string, expectFile = true): ReadText | undefined {
    const path = toPosix(rel);
    const e = this.entry(rel);
    if (e === undefined) return undefined;
    if (e.kind === "skip") return this.skip(path, e.reason, e.analyzable);
    if (e.kind === "dir") return expectFile ? this.skip(path, "a directory", false) : undefined;
    if (e.size > this.maxBytes) return this.skip(path, `larger than ${this.maxBytes} bytes`, true);
    let bytes: ReturnType<typeof readCapped>;
    try {
      bytes = readCapped(e.abs, this.maxBytes);
    } catch (err) {
      return this.skip(path, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, true);
    }
    if (bytes === "oversized") return this.skip(path, `larger than ${this.maxBytes} bytes`, true);
    if (bytes === "not-regular") return this.skip(path, "not a regular file", true);
    const decoded = decodeText(bytes);
    if (decoded === undefined) return this.skip(path, "not UTF-8 or UTF-16 text", true);
    if (Buffer.byteLength(decoded.text, "utf8") > this.maxBytes) return this.skip(path, `larger than ${this.maxBytes} bytes as UTF-8`, true);
    this.encodings.set(path, decoded.encoding);
    return decoded;
  }

  /**
   * The names in directory `rel`, sorted, split into directories and everything else (files, and what
   * `read` will skip with a note). Links are classified by their target.
   */
  list(rel: string): { dirs: string[]; others: string[] } {
    const dirs: string[] = [];
    const others: string[] = [];
    let names: string[];
    try {
      names = readdirSync(join(this.root, rel)).sort((a, b) => a.localeCompare(b));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") this.skip(toPosix(rel) || ".", `cannot list it (${code})`, true);
      return { dirs, others };
    }
    for (const name of names) (this.entry(join(rel, name))?.kind === "dir" ? dirs : others).push(name);
    return { dirs, others };
  }
}
