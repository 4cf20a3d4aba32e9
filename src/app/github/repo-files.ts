/**
 * Reads what one analysis needs from GitHub in as few requests as GitHub allows: one GraphQL query
 * returns the workflows (`.github/workflows`), the local actions under `.github/actions`, the default
 * bake and Compose files at the root, the changed paths, and — when asked — the configuration and the
 * pull request's state with the App's earlier reviews. Further queries follow only what those files
 * reference and was not read yet (local actions elsewhere, reusable workflows, bake files), one query
 * per level. The number of requests therefore does not grow with the repository; the GraphQL point
 * cost and the response size do, bounded by `maxFiles` and `maxFileBytes`.
 */

import type { ProbotOctokit } from "probot";
import type { PostedItem } from "../review/markers.js";
import type { SourceFile } from "../runtime/engine-port.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Files above this size are skipped with a note. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Upper bound on files read for one analysis. */
export const MAX_FILES = 300;
/** Upper bound on rounds of following local actions and reusable workflows. */
export const MAX_REFERENCE_ROUNDS = 10;
/** Reviews read per request when looking for the App's earlier findings. */
export const REVIEWS_PER_PAGE = 100;
/** Review threads read (the most recent): older ones are not resolved when their finding is fixed. */
export const THREADS_PER_PAGE = 100;

const CONFIG_FILE = ".github/tagguard.yml";
/** The files `docker buildx bake` reads by default from the repository root. */
const ROOT_BAKE_FILES = [
  "docker-bake.hcl",
  "docker-bake.json",
  "docker-bake.override.hcl",
  "docker-bake.override.json",
  "compose.yaml",
  "compose.yml",
  "docker-compose.yml",
  "docker-compose.yaml",
];
const SYMLINK_MODE = 40960;

export interface RepoRevision {
  owner: string;
  repo: string;
  /** The commit to read; the head SHA of the pull request, which exists in the base repo even for forks. */
  sha: string;
}

export interface ReadOptions {
  isAnalyzablePath(path: string): boolean;
  referencedPaths(files: SourceFile[]): string[] | Promise<string[]>;
  /** Analyzable paths the pull request adds or modifies: read wherever they are. */
  changedPaths: readonly string[];
  /** Also read `.github/tagguard.yml` from the default branch, and from the owner's `.github` repository. */
  config?: boolean;
  /** Also read this pull request's state, head and the reviews on it. */
  pull?: number;
  maxFileBytes?: number;
  maxFiles?: number;
  maxRounds?: number;
}

/** `.github/tagguard.yml` as found on the default branch: in the repository itself or in the owner's `.github` repository. */
export type ConfigFile = { repository: string; text: string } | { repository: string; problem: string };

export interface PullSnapshot {
  /** `OPEN`, `CLOSED` or `MERGED`. */
  state: string;
  headSha: string;
  /** Review bodies and review comments written by GitHub Apps (`author` is the App's slug, without `[bot]`). */
  posted: (PostedItem & { author: string })[];
  /** The last `THREADS_PER_PAGE` review threads a GitHub App started, with their first comment. */
  threads: ReviewThread[];
}

export interface ReviewThread {
  /** GraphQL node id, for `resolveReviewThread`. */
  id: string;
  resolved: boolean;
  /** The file the thread is on. */
  path: string;
  /** The App's slug, without `[bot]`. */
  author: string;
  body: string;
}

export interface RepoFiles {
  files: SourceFile[];
  notes: string[];
  /** Present when `config` was asked for and a file exists. */
  config?: ConfigFile;
  /** Present when `pull` was asked for. */
  pull?: PullSnapshot;
}

interface BlobNode {
  oid: string;
  byteSize: number;
  isBinary: boolean | null;
  isTruncated: boolean;
  text: string | null;
}

interface TreeEntryNode {
  name: string;
  type: string;
  mode: number;
  object: (Partial<BlobNode> & { entries?: TreeEntryNode[] }) | null;
}

interface AuthorNode {
  __typename: string;
  login: string;
}

interface ReviewNode {
  author: AuthorNode | null;
  body: string | null;
  submittedAt: string | null;
  comments: { nodes: { author: AuthorNode | null; body: string | null; createdAt: string }[] };
}

interface ThreadNode {
  id: string;
  isResolved: boolean;
  path: string;
  comments: { nodes: { author: AuthorNode | null; body: string | null }[] };
}

interface ReviewPage {
  pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
  nodes: ReviewNode[];
}

/** The commit to read does not exist (any more): like GitHub's 404 for it, the run is not retried. */
export class CommitNotFound extends Error {
  override readonly name = "CommitNotFound";
  readonly status = 404;
}

type Loaded = { kind: "missing" } | { kind: "too-large"; size: number } | { kind: "not-text" } | { kind: "text"; text: string };

const BLOB_FRAGMENT = "fragment blob on Blob { oid byteSize isBinary isTruncated text }";
const REVIEW_FIELDS =
  "pageInfo { hasPreviousPage startCursor } nodes { author { __typename login } body submittedAt " +
  "comments(first: 100) { nodes { author { __typename login } body createdAt } } }";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes GitHub's base64 (with embedded newlines) as UTF-8; undefined when it is not UTF-8. */
export function decodeBase64Text(content: string): string | undefined {
  try {
    return utf8.decode(Buffer.from(content, "base64"));
  } catch {
    return undefined;
  }
}

/** Aliased `object(expression:)` fields for `paths`, with their variables. */
function blobFields(sha: string, paths: readonly string[], offset = 0): { fields: string[]; variables: Record<string, string>; params: string[] } {
  const fields: string[] = [];
  const params: string[] = [];
  const variables: Record<string, string> = {};
  paths.forEach((path, i) => {
    const n = i + offset;
    fields.push(`f${n}: object(expression: $p${n}) { ...blob }`);
    params.push(`$p${n}: String!`);
    variables[`p${n}`] = `${sha}:${path}`;
  });
  return { fields, variables, params };
}

/** The errors GitHub returns next to partial data: only a missing owner `.github` repository is expected. */
interface GraphqlFailure {
  errors?: { type?: string; path?: (string | number)[] }[];
  data?: Record<string, unknown>;
}

async function query<T>(octokit: Octokit, text: string, variables: Record<string, unknown>): Promise<T> {
  try {
    return await octokit.graphql<T>(text, variables);
  } catch (err) {
    const failure = err as GraphqlFailure;
    const onlyOwnerRepoMissing =
      Array.isArray(failure.errors) &&
      failure.errors.length > 0 &&
      failure.errors.every((e) => e.type === "NOT_FOUND" && e.path?.[0] === "ownerConfig") &&
      failure.data !== undefined;
    if (onlyOwnerRepoMissing) return failure.data as T;
    throw err;
  }
}

function loaded(node: Partial<BlobNode> | null | undefined, maxBytes: number): Loaded | { kind: "truncated"; oid: string } {
  if (!node || typeof node.byteSize !== "number") return { kind: "missing" };
  if (node.byteSize > maxBytes) return { kind: "too-large", size: node.byteSize };
  if (node.isBinary || node.text === null || node.text === undefined) return { kind: "not-text" };
  if (node.isTruncated) return { kind: "truncated", oid: node.oid ?? "" };
  return { kind: "text", text: node.text };
}

function botItems(page: ReviewPage | undefined): PullSnapshot["posted"] {
  const out: PullSnapshot["posted"] = [];
  for (const r of page?.nodes ?? []) {
    if (r.author?.__typename === "Bot") out.push({ author: r.author.login, at: r.submittedAt ?? new Date(0).toISOString(), body: r.body });
    for (const c of r.comments.nodes) {
      if (c.author?.__typename === "Bot") out.push({ author: c.author.login, at: c.createdAt, body: c.body });
    }
  }
  return out;
}

/** The threads whose first comment a GitHub App wrote. */
function botThreads(nodes: readonly ThreadNode[]): ReviewThread[] {
  const out: ReviewThread[] = [];
  for (const t of nodes) {
    const first = t.comments.nodes[0];
    if (first?.author?.__typename === "Bot") out.push({ id: t.id, resolved: t.isResolved, path: t.path, author: first.author.login, body: first.body ?? "" });
  }
  return out;
}

class Reader {
  private readonly maxBytes: number;
  readonly texts = new Map<string, string>();
  readonly notes: string[] = [];
  private readonly attempted = new Set<string>();

  constructor(
    private readonly octokit: Octokit,
    private readonly rev: RepoRevision,
    private readonly opts: ReadOptions,
  ) {
    this.maxBytes = opts.maxFileBytes ?? MAX_FILE_BYTES;
  }

  private get repoVars() {
    return { owner: this.rev.owner, name: this.rev.repo };
  }

  /** The first query: directories, root bake files, changed paths, and the config and pull request when asked. */
  async first(): Promise<{ candidates: Map<string, Partial<BlobNode> | null>; config?: ConfigFile; pull?: PullSnapshot }> {
    const { sha } = this.rev;
    const direct = [...new Set([...ROOT_BAKE_FILES, ...this.opts.changedPaths])].filter((p) => this.opts.isAnalyzablePath(p)).sort();
    const blobs = blobFields(sha, direct);
    const variables: Record<string, unknown> = {
      ...this.repoVars,
      ...blobs.variables,
      head: sha,
      workflows: `${sha}:.github/workflows`,
      actions: `${sha}:.github/actions`,
    };
    const params = ["$owner: String!", "$name: String!", "$head: String!", "$workflows: String!", "$actions: String!", ...blobs.params];
    const entry = "name type mode object { ...blob }";
    const repoFields = [
      "head: object(expression: $head) { oid }",
      `workflows: object(expression: $workflows) { ... on Tree { entries { ${entry} } } }`,
      `actions: object(expression: $actions) { ... on Tree { entries { name type object { ... on Tree { entries { ${entry} } } } } } }`,
      ...blobs.fields,
    ];
    const rootFields: string[] = [];
    if (this.opts.config) {
      repoFields.push(`config: object(expression: "HEAD:${CONFIG_FILE}") { ...blob }`);
      rootFields.push(`ownerConfig: repository(owner: $owner, name: ".github") { config: object(expression: "HEAD:${CONFIG_FILE}") { ...blob } }`);
    }
    if (this.opts.pull !== undefined) {
      params.push("$number: Int!");
      variables.number = this.opts.pull;
      repoFields.push(
        `pullRequest(number: $number) { state headRefOid reviews(last: ${REVIEWS_PER_PAGE}) { ${REVIEW_FIELDS} } ` +
          `reviewThreads(last: ${THREADS_PER_PAGE}) { nodes { id isResolved path comments(first: 1) { nodes { author { __typename login } body } } } } }`,
      );
    }
    const text = `query tagguardSnapshot(${params.join(", ")}) { repository(owner: $owner, name: $name) { ${repoFields.join(" ")} } ${rootFields.join(" ")} } ${BLOB_FRAGMENT}`;
    type Data = {
      repository: Record<string, unknown> & {
        head: { oid: string } | null;
        workflows: { entries?: TreeEntryNode[] } | null;
        actions: { entries?: TreeEntryNode[] } | null;
        config?: Partial<BlobNode> | null;
        pullRequest?: { state: string; headRefOid: string; reviews: ReviewPage; reviewThreads: { nodes: ThreadNode[] } } | null;
      };
      ownerConfig?: { config: Partial<BlobNode> | null } | null;
    };
    const data = await query<Data>(this.octokit, text, variables);
    const repo = data.repository;
    if (!repo.head) throw new CommitNotFound(`${this.rev.owner}/${this.rev.repo} has no commit ${sha}`);

    const candidates = new Map<string, Partial<BlobNode> | null>();
    const addEntries = (dir: string, entries: TreeEntryNode[] | undefined) => {
      for (const e of entries ?? []) {
        const path = `${dir}/${e.name}`;
        if (e.type === "blob" && e.mode !== SYMLINK_MODE && this.opts.isAnalyzablePath(path)) candidates.set(path, e.object);
      }
    };
    addEntries(".github/workflows", repo.workflows?.entries);
    for (const d of repo.actions?.entries ?? []) {
      if (d.type === "tree") addEntries(`.github/actions/${d.name}`, d.object?.entries);
    }
    direct.forEach((path, i) => {
      const node = repo[`f${i}`] as Partial<BlobNode> | null | undefined;
      if (node) candidates.set(path, node);
    });

    const out: { candidates: typeof candidates; config?: ConfigFile; pull?: PullSnapshot } = { candidates };
    if (this.opts.config) out.config = await this.configFrom(repo.config, data.ownerConfig?.config);
    const pr = repo.pullRequest;
    if (this.opts.pull !== undefined && pr) {
      out.pull = {
        state: pr.state,
        headSha: pr.headRefOid,
        posted: [...botItems(pr.reviews), ...(await this.olderReviews(pr.reviews))],
        threads: botThreads(pr.reviewThreads.nodes),
      };
    } else if (this.opts.pull !== undefined) {
      out.pull = { state: "MISSING", headSha: "", posted: [], threads: [] };
    }
    return out;
  }

  private async configFrom(own: Partial<BlobNode> | null | undefined, owners: Partial<BlobNode> | null | undefined): Promise<ConfigFile | undefined> {
    for (const [repository, node] of [
      [`${this.rev.owner}/${this.rev.repo}`, own],
      [`${this.rev.owner}/.github`, owners],
    ] as const) {
      const l = loaded(node, this.maxBytes);
      if (l.kind === "missing") continue;
      if (l.kind === "too-large") return { repository, problem: `it is larger than ${this.maxBytes} bytes` };
      const text = l.kind === "text" ? l.text : l.kind === "truncated" ? await this.blobText(l.oid, repository) : undefined;
      return text === undefined ? { repository, problem: "it is not UTF-8 text" } : { repository, text };
    }
    return undefined;
  }

  /** Reviews before the last page, page by page (only pull requests with more than 100 reviews need it). */
  private async olderReviews(page: ReviewPage): Promise<PullSnapshot["posted"]> {
    const out: PullSnapshot["posted"] = [];
    let info = page.pageInfo;
    while (info.hasPreviousPage && info.startCursor) {
      const text =
        "query tagguardReviews($owner: String!, $name: String!, $number: Int!, $before: String!) { repository(owner: $owner, name: $name) { " +
        `pullRequest(number: $number) { reviews(last: ${REVIEWS_PER_PAGE}, before: $before) { ${REVIEW_FIELDS} } } } }`;
      const data = await query<{ repository: { pullRequest: { reviews: ReviewPage } | null } }>(this.octokit, text, {
        ...this.repoVars,
        number: this.opts.pull,
        before: info.startCursor,
      });
      const reviews = data.repository.pullRequest?.reviews;
      if (!reviews) break;
      out.push(...botItems(reviews));
      info = reviews.pageInfo;
    }
    return out;
  }

  /** Paths by blob node, for a later level: one query with an aliased field per path. */
  async fetch(paths: readonly string[]): Promise<Map<string, Partial<BlobNode> | null>> {
    const blobs = blobFields(this.rev.sha, paths);
    const text = `query tagguardFiles(${["$owner: String!", "$name: String!", ...blobs.params].join(", ")}) { repository(owner: $owner, name: $name) { ${blobs.fields.join(" ")} } } ${BLOB_FRAGMENT}`;
    const data = await query<{ repository: Record<string, Partial<BlobNode> | null> }>(this.octokit, text, { ...this.repoVars, ...blobs.variables });
    return new Map(paths.map((p, i) => [p, data.repository[`f${i}`] ?? null]));
  }

  /** A blob GraphQL returned truncated, read whole through the REST API. */
  private async blobText(oid: string, repository = `${this.rev.owner}/${this.rev.repo}`): Promise<string | undefined> {
    const [owner, repo] = repository.split("/");
    const { data } = await this.octokit.rest.git.getBlob({ owner, repo, file_sha: oid });
    return data.encoding === "base64" ? decodeBase64Text(data.content) : undefined;
  }

  /** Keeps what `nodes` hold for `batch`, with a note for each file that cannot be analysed. */
  async take(batch: readonly string[], nodes: Map<string, Partial<BlobNode> | null>): Promise<void> {
    for (const path of batch) {
      this.attempted.add(path);
      let l = loaded(nodes.get(path), this.maxBytes);
      if (l.kind === "truncated") {
        const text = await this.blobText(l.oid);
        l = text === undefined ? { kind: "not-text" } : { kind: "text", text };
      }
      if (l.kind === "text") this.texts.set(path, l.text);
      else if (l.kind === "too-large") this.notes.push(`\`${path}\` is larger than ${this.maxBytes} bytes (${l.size} bytes) and was not analysed.`);
      else if (l.kind === "not-text") this.notes.push(`\`${path}\` is not UTF-8 text and was not analysed.`);
    }
  }

  wasAttempted(path: string): boolean {
    return this.attempted.has(path);
  }

  get attemptedCount(): number {
    return this.attempted.size;
  }

  current(): SourceFile[] {
    return [...this.texts.keys()].sort().map((path) => ({ path, text: this.texts.get(path) ?? "" }));
  }
}

/**
 * Reads every workflow-related file of the repository at one commit (see the module comment), then the
 * local actions, reusable workflows and bake files they reference, until nothing new is referenced
 * (bounded by `maxRounds` and `maxFiles`).
 */
export async function readRepositoryFiles(octokit: Octokit, rev: RepoRevision, opts: ReadOptions): Promise<RepoFiles> {
  const maxFiles = opts.maxFiles ?? MAX_FILES;
  const maxRounds = opts.maxRounds ?? MAX_REFERENCE_ROUNDS;
  const reader = new Reader(octokit, rev, opts);
  const first = await reader.first();

  const limit = (pending: string[]): string[] => {
    const batch = pending.slice(0, Math.max(0, maxFiles - reader.attemptedCount));
    if (batch.length < pending.length) reader.notes.push(`Only ${maxFiles} workflow-related files were analysed.`);
    return batch;
  };
  const initial = [...first.candidates.keys()].sort();
  const batch = limit(initial);
  await reader.take(batch, first.candidates);
  let complete = batch.length === initial.length;
  for (let round = 1; complete; round++) {
    const pending = [...new Set(await opts.referencedPaths(reader.current()))].filter((p) => !reader.wasAttempted(p)).sort();
    if (pending.length === 0) break;
    if (round === maxRounds) {
      reader.notes.push(`Stopped following local actions and reusable workflows after ${maxRounds} levels.`);
      break;
    }
    const next = limit(pending);
    await reader.take(next, await reader.fetch(next));
    complete = next.length === pending.length;
  }
  return {
    files: reader.current(),
    notes: reader.notes,
    ...(first.config ? { config: first.config } : {}),
    ...(first.pull ? { pull: first.pull } : {}),
  };
}
