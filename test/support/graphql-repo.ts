/**
 * Answers the App's GraphQL requests (`src/app/github/repo-files.ts`, `src/app/review/threads.ts`) from an
 * in-memory repository, the way GitHub would: trees at commits, `.github/tagguard.yml` on the default
 * branch of the repository and of the owner's `.github` repository, the pull request's state, reviews
 * and review threads, and `resolveReviewThread`. Used by the nock harness and the end-to-end fake GitHub.
 */

import { createHash } from "node:crypto";

/** Git's blob id for a text. */
export function blobSha(text: string): string {
  const body = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}

/** A file listed at its size without its content being servable (e.g. over the size cap, or binary). */
export interface ListedFile {
  size: number;
  binary?: boolean;
}

/** A file whose text GraphQL returns cut short (`isTruncated`), so it must be read through the REST blob API. */
export interface TruncatedFile {
  truncated: string;
}

export type RepoFile = string | ListedFile | TruncatedFile;

export interface PostedByApp {
  /** GraphQL's actor login: the App's slug without `[bot]` for a Bot. */
  login?: string;
  type?: "Bot" | "User";
  at?: string;
  body: string;
  /** For a review comment: the file of the review thread it starts (thread id `PRRT_<index in comments>`); none: no thread. */
  path?: string;
  /** The thread is resolved (`resolveReviewThread` sets it). */
  resolved?: boolean;
}

export interface PullState {
  state?: "OPEN" | "CLOSED" | "MERGED";
  headSha: string;
  /** Reviews with their inline comments (comments are listed under the first review). */
  reviews?: PostedByApp[];
  comments?: PostedByApp[];
}

export interface GraphqlRepo {
  /** Files by path at each commit. */
  trees: Map<string, Record<string, RepoFile>>;
  /** `.github/tagguard.yml` on the default branch; undefined: none. */
  config?: string;
  /** `.github/tagguard.yml` in the owner's `.github` repository; null: that repository does not exist. */
  ownerConfig?: string | null;
  pull?: PullState;
}

export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
}

export const APP_SLUG = "tagguard";

function blobNode(file: RepoFile | undefined): unknown {
  if (file === undefined) return null;
  if (typeof file === "string") {
    return { oid: blobSha(file), byteSize: Buffer.byteLength(file), isBinary: false, isTruncated: false, text: file };
  }
  if ("truncated" in file) {
    const text = file.truncated;
    return { oid: blobSha(text), byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: true, text: text.slice(0, Math.floor(text.length / 2)) };
  }
  return { oid: blobSha(`listed:${file.size}`), byteSize: file.size, isBinary: file.binary ?? false, isTruncated: false, text: file.binary ? null : "" };
}

/** `... on Blob { byteSize }`: the size GitHub lists without the text (null when nothing is at the path). */
function sizeNode(file: RepoFile | undefined): unknown {
  if (file === undefined) return null;
  if (typeof file === "string") return { byteSize: Buffer.byteLength(file) };
  if ("truncated" in file) return { byteSize: Buffer.byteLength(file.truncated) };
  return { byteSize: file.size };
}

/**
 * The tree at `dir`, `depth` levels deep: each blob entry's `object` with its text when the query asks for the
 * `blob` fragment there, else with its size only (`... on Blob { byteSize }`).
 */
function treeAt(files: Record<string, RepoFile>, dir: string, depth: number, withText: boolean): unknown {
  const prefix = `${dir}/`;
  const names = new Map<string, boolean>();
  for (const path of Object.keys(files)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf("/");
    names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
  }
  if (names.size === 0) return null;
  return {
    entries: [...names]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, isTree]) =>
        isTree
          ? { name, type: "tree", mode: 16384, object: depth > 1 ? treeAt(files, `${prefix}${name}`, depth - 1, withText) : {} }
          : { name, type: "blob", mode: 33188, object: (withText ? blobNode : sizeNode)(files[`${prefix}${name}`]) },
      ),
  };
}

function author(p: PostedByApp): unknown {
  return { __typename: p.type ?? "Bot", login: p.login ?? APP_SLUG };
}

function reviewsOf(pull: PullState): unknown {
  const reviews = pull.reviews ?? [];
  const comments = (pull.comments ?? []).map((c) => ({ author: author(c), body: c.body, createdAt: c.at ?? "2024-05-01T10:00:00Z" }));
  const nodes = reviews.map((r, i) => ({
    author: author(r),
    body: r.body,
    submittedAt: r.at ?? "2024-05-01T10:00:00Z",
    comments: { nodes: i === 0 ? comments : [] },
  }));
  if (nodes.length === 0 && comments.length > 0) {
    nodes.push({ author: { __typename: "Bot", login: APP_SLUG }, body: "", submittedAt: "2024-05-01T10:00:00Z", comments: { nodes: comments } });
  }
  return { pageInfo: { hasPreviousPage: false, startCursor: null }, nodes };
}

/** The review threads the comments with a `path` start. */
function threadsOf(pull: PullState): unknown {
  const nodes = (pull.comments ?? []).flatMap((c, i) =>
    c.path === undefined ? [] : [{ id: `PRRT_${i}`, isResolved: c.resolved ?? false, path: c.path, comments: { nodes: [{ author: author(c), body: c.body }] } }],
  );
  return { nodes };
}

/** Answers `resolveReviewThread` mutations (aliased, one per thread), resolving the threads in `repo`. */
function resolveThreads(repo: GraphqlRepo, req: GraphqlRequest): { data: Record<string, unknown>; errors?: unknown[] } {
  const data: Record<string, unknown> = {};
  const errors: unknown[] = [];
  for (const m of req.query.matchAll(/\b(\w+): resolveReviewThread\(input: \{ threadId: \$(\w+) \}\)/g)) {
    const id = String(req.variables[m[2]]);
    const comment = /^PRRT_(\d+)$/.test(id) ? repo.pull?.comments?.[Number(id.slice(5))] : undefined;
    if (comment?.path === undefined) {
      data[m[1]] = null;
      errors.push({ type: "NOT_FOUND", path: [m[1]], message: `Could not resolve to a node with the global id of '${id}'` });
      continue;
    }
    comment.resolved = true;
    data[m[1]] = { thread: { id, isResolved: true } };
  }
  return errors.length > 0 ? { data, errors } : { data };
}

/** `sha:path` of an expression variable. */
function split(expression: unknown): [string, string] {
  const text = String(expression);
  const colon = text.indexOf(":");
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/**
 * The `data` (and `errors`) GitHub would answer. Only the fields the App asks for are resolved; the
 * query's aliases (`f0` with the text, `s0` with the size only, `workflows`, …) and selections say which.
 */
export function answerGraphql(repo: GraphqlRepo, req: GraphqlRequest): { data: Record<string, unknown>; errors?: unknown[] } {
  if (/^\s*mutation\b/.test(req.query)) return resolveThreads(repo, req);
  const v = req.variables;
  const repository: Record<string, unknown> = {};
  const filesAt = (expression: unknown) => {
    const [sha, path] = split(expression);
    return { files: repo.trees.get(sha) ?? {}, path };
  };
  if (/\bhead: object\(expression: \$head\)/.test(req.query)) {
    repository.head = repo.trees.has(String(v.head)) ? { oid: v.head } : null;
  }
  const treeText = /\bentries \{ name type mode object \{ \.\.\.blob \} \}/.test(req.query);
  if (/\bworkflows: object\(expression: \$workflows\)/.test(req.query)) {
    const { files, path } = filesAt(v.workflows);
    repository.workflows = treeAt(files, path, 1, treeText);
  }
  if (/\bactions: object\(expression: \$actions\)/.test(req.query)) {
    const { files, path } = filesAt(v.actions);
    repository.actions = treeAt(files, path, 2, treeText);
  }
  for (const m of req.query.matchAll(/\b(f\d+): object\(expression: \$(p\d+)\) \{ \.\.\.blob \}/g)) {
    const { files, path } = filesAt(v[m[2]]);
    repository[m[1]] = blobNode(files[path]);
  }
  for (const m of req.query.matchAll(/\b(s\d+): object\(expression: \$(q\d+)\) \{ \.\.\. on Blob \{ byteSize \} \}/g)) {
    const { files, path } = filesAt(v[m[2]]);
    repository[m[1]] = sizeNode(files[path]);
  }
  if (/\bconfig: object\(expression: "HEAD:\.github\/tagguard\.yml"\)/.test(req.query)) {
    repository.config = blobNode(repo.config);
  }
  if (/\bpullRequest\(number: \$number\)/.test(req.query)) {
    const pull = repo.pull;
    repository.pullRequest = pull
      ? { state: pull.state ?? "OPEN", headRefOid: pull.headSha, reviews: reviewsOf(pull), ...(/\breviewThreads\(/.test(req.query) ? { reviewThreads: threadsOf(pull) } : {}) }
      : null;
  }
  const data: Record<string, unknown> = { repository };
  if (/\bownerConfig: repository\(/.test(req.query)) {
    if (repo.ownerConfig === null) {
      data.ownerConfig = null;
      return {
        data,
        errors: [{ type: "NOT_FOUND", path: ["ownerConfig"], message: `Could not resolve to a Repository with the name '${String(v.owner)}/.github'.` }],
      };
    }
    data.ownerConfig = { config: blobNode(repo.ownerConfig) };
  }
  return { data };
}
