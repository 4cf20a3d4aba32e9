import type { ProbotOctokit } from "probot";
import type { SourceFile } from "./engine-port.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Files above this size are skipped with a note. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Upper bound on files read for one analysis. */
export const MAX_FILES = 300;
/** Upper bound on rounds of following local actions and reusable workflows. */
export const MAX_REFERENCE_ROUNDS = 10;
const CONCURRENCY = 4;

export interface RepoRevision {
  owner: string;
  repo: string;
  /** The commit to read; the head SHA of the pull request, which exists in the base repo even for forks. */
  sha: string;
}

export interface ReadOptions {
  isAnalyzablePath(path: string): boolean;
  referencedPaths(files: SourceFile[]): string[];
  /** Analyzable paths the pull request adds or modifies (read directly when the tree listing is truncated). */
  changedPaths: readonly string[];
  cache: BlobCache;
  maxFileBytes?: number;
  maxFiles?: number;
  maxRounds?: number;
}

export interface RepoFiles {
  files: SourceFile[];
  notes: string[];
}

/** Decoded file texts by blob SHA, bounded by total size (least recently used entries go first). */
export class BlobCache {
  private readonly entries = new Map<string, string>();
  private size = 0;

  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  get(key: string): string | undefined {
    const text = this.entries.get(key);
    if (text !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, text);
    }
    return text;
  }

  set(key: string, text: string): void {
    if (text.length > this.maxChars || this.entries.has(key)) return;
    this.entries.set(key, text);
    this.size += text.length;
    for (const [k, v] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(k);
      this.size -= v.length;
    }
  }
}

type Loaded = { kind: "missing" } | { kind: "too-large"; size: number } | { kind: "not-text" } | { kind: "text"; text: string };

interface Source {
  initialPaths(): Promise<string[]>;
  load(path: string): Promise<Loaded>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes GitHub's base64 (with embedded newlines) as UTF-8; a leading BOM is dropped. */
export function decodeBase64Text(content: string): string | undefined {
  try {
    return utf8.decode(Buffer.from(content, "base64"));
  } catch {
    return undefined;
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: unknown }).status === 404;
}

/** Reads through one recursive tree listing and blobs by SHA. */
class TreeSource implements Source {
  constructor(
    private readonly octokit: Octokit,
    private readonly rev: RepoRevision,
    private readonly blobs: Map<string, { sha: string; size: number }>,
    private readonly opts: ReadOptions,
  ) {}

  async initialPaths(): Promise<string[]> {
    return [...this.blobs.keys()].filter((p) => this.opts.isAnalyzablePath(p));
  }

  async load(path: string): Promise<Loaded> {
    const entry = this.blobs.get(path);
    if (!entry) return { kind: "missing" };
    if (entry.size > (this.opts.maxFileBytes ?? MAX_FILE_BYTES)) return { kind: "too-large", size: entry.size };
    const key = `${this.rev.owner}/${this.rev.repo}:${entry.sha}`;
    const cached = this.opts.cache.get(key);
    if (cached !== undefined) return { kind: "text", text: cached };
    const { data } = await this.octokit.rest.git.getBlob({ owner: this.rev.owner, repo: this.rev.repo, file_sha: entry.sha });
    const text = data.encoding === "base64" ? decodeBase64Text(data.content) : undefined;
    if (text === undefined) return { kind: "not-text" };
    this.opts.cache.set(key, text);
    return { kind: "text", text };
  }
}

/** Reads path by path through the contents API; used when the tree listing is truncated. */
class ContentsSource implements Source {
  constructor(
    private readonly octokit: Octokit,
    private readonly rev: RepoRevision,
    private readonly opts: ReadOptions,
  ) {}

  async initialPaths(): Promise<string[]> {
    const paths = new Set(this.opts.changedPaths);
    try {
      const { data } = await this.octokit.rest.repos.getContent({ ...this.repo(), path: ".github/workflows" });
      if (Array.isArray(data)) {
        for (const item of data) if (item.type === "file" && this.opts.isAnalyzablePath(item.path)) paths.add(item.path);
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return [...paths];
  }

  async load(path: string): Promise<Loaded> {
    let data;
    try {
      ({ data } = await this.octokit.rest.repos.getContent({ ...this.repo(), path }));
    } catch (err) {
      if (isNotFound(err)) return { kind: "missing" };
      throw err;
    }
    if (Array.isArray(data) || data.type !== "file") return { kind: "missing" };
    if (data.size > (this.opts.maxFileBytes ?? MAX_FILE_BYTES)) return { kind: "too-large", size: data.size };
    const text = data.encoding === "base64" ? decodeBase64Text(data.content) : undefined;
    return text === undefined ? { kind: "not-text" } : { kind: "text", text };
  }

  private repo() {
    return { owner: this.rev.owner, repo: this.rev.repo, ref: this.rev.sha };
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Reads every workflow-related file of the repository at one commit: all analyzable paths of the
 * recursive tree, then the local actions and reusable workflows they reference, until nothing new is
 * referenced (bounded by `maxRounds` and `maxFiles`).
 */
export async function readRepositoryFiles(octokit: Octokit, rev: RepoRevision, opts: ReadOptions): Promise<RepoFiles> {
  const notes: string[] = [];
  const maxFiles = opts.maxFiles ?? MAX_FILES;
  const maxRounds = opts.maxRounds ?? MAX_REFERENCE_ROUNDS;
  const maxBytes = opts.maxFileBytes ?? MAX_FILE_BYTES;

  const { data: tree } = await octokit.rest.git.getTree({ owner: rev.owner, repo: rev.repo, tree_sha: rev.sha, recursive: "1" });
  let source: Source;
  if (tree.truncated) {
    notes.push(
      "The repository tree is too large to list in one request; only `.github/workflows`, the changed files and what they reference were analysed.",
    );
    source = new ContentsSource(octokit, rev, opts);
  } else {
    const blobs = new Map<string, { sha: string; size: number }>();
    for (const e of tree.tree) {
      if (e.type === "blob" && e.mode !== "120000" && e.path && e.sha) blobs.set(e.path, { sha: e.sha, size: e.size ?? 0 });
    }
    source = new TreeSource(octokit, rev, blobs, opts);
  }

  const texts = new Map<string, string>();
  const attempted = new Set<string>();
  const current = (): SourceFile[] => [...texts.keys()].sort().map((path) => ({ path, text: texts.get(path) ?? "" }));
  let pending = [...new Set(await source.initialPaths())].sort();
  let rounds = 0;
  while (pending.length > 0) {
    if (rounds === maxRounds) {
      notes.push(`Stopped following local actions and reusable workflows after ${maxRounds} levels.`);
      break;
    }
    rounds++;
    const batch = pending.filter((p) => !attempted.has(p)).slice(0, Math.max(0, maxFiles - attempted.size));
    if (batch.length < pending.length) notes.push(`Only ${maxFiles} workflow-related files were analysed.`);
    for (const p of batch) attempted.add(p);
    const loaded = await mapLimit(batch, CONCURRENCY, (p) => source.load(p));
    batch.forEach((path, i) => {
      const l = loaded[i];
      if (l.kind === "text") texts.set(path, l.text);
      else if (l.kind === "too-large") notes.push(`\`${path}\` is larger than ${maxBytes} bytes (${l.size} bytes) and was not analysed.`);
      else if (l.kind === "not-text") notes.push(`\`${path}\` is not UTF-8 text and was not analysed.`);
    });
    if (batch.length < pending.length) break;
    pending = [...new Set(opts.referencedPaths(current()))].filter((p) => !attempted.has(p)).sort();
  }
  return { files: current(), notes };
}
