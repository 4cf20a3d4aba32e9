/**
 * Reads what one analysis needs from GitHub in as few requests as a bounded read allows.
 *
 * The first GraphQL query lists the workflows (`.github/workflows`) and the local actions under
 * `.github/actions` by name, type, mode and size — no text: GraphQL cannot limit the entries of a tree, so
 * asking their text would ask for every file however many there are. The same query reads the text of the
 * paths given directly, the changed paths (sorted) and then the default bake and Compose files at the root,
 * at most `maxFiles` of them (past that, only their size), and — when asked — the configuration and the pull
 * request's state with the App's earlier reviews and review threads.
 *
 * Then the files to analyse are chosen: the changed paths first, then every other file found, sorted by path,
 * `maxFiles` in all. The chosen files whose text the first query did not return are read in one more query
 * (aliased blob fields, at most `maxFiles`; none when there is nothing more to read, e.g. every workflow
 * changed); a file larger than `maxFileBytes` by its listed size is noted without being read. The files
 * beyond the cap are listed by path in a note (the check run's summary shows it). Further queries follow
 * only what those files reference and was not read yet (local actions elsewhere, reusable workflows, bake
 * files), one query per level, within the same cap.
 *
 * So no query asks for the text of more than `maxFiles` files, and the second reads none larger than
 * `maxFileBytes`; a pull request costs two queries whatever the size of the repository (one when the first read
 * every file it listed). Reading a small repository in one query, as before, would need to know that its trees
 * are small before asking, and nothing tells that without a request: the listing is that request.
 */

import type { ProbotOctokit } from "probot";
import type { PostedItem } from "../review/markers.js";
import type { SourceFile } from "../runtime/engine-port.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Files above this size are skipped with a note. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Upper bound on files read for one analysis (per query, and in all). */
export const MAX_FILES = 300;
/** Paths listed in the note on the files beyond `MAX_FILES`; the rest are counted. */
export const MAX_SKIPPED_LISTED = 20;
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
  /** Files read in all, and blob texts asked for by any one query (default `MAX_FILES`). */
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

/** A tree entry as the first query lists it: a blob's `object` holds only `byteSize`. */
interface TreeEntryNode {
  name: string;
  type: string;
  mode: number;
  object: (Partial<BlobNode> & { entries?: TreeEntryNode[] }) | null;
}

/** What the first query found: every candidate file by path (`text` present only when it was read), in the order files are chosen. */
interface FirstRead {
  /** Changed paths first (sorted), then the other files found, sorted. */
  order: string[];
  nodes: Map<string, Partial<BlobNode>>;
  config?: ConfigFile;
  pull?: PullSnapshot;
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
/** A blob's size without its text (an empty object for a tree, null for nothing at the path). */
const SIZE_ONLY = "... on Blob { byteSize }";
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

/**
 * Aliased `object(expression:)` fields for `paths`, with their variables: `f<i>` (variable `p<i>`) with the
 * blob's text, or `s<i>` (variable `q<i>`) with its size only.
 */
function blobFields(sha: string, paths: readonly string[], sizeOnly = false): { fields: string[]; variables: Record<string, string>; params: string[] } {
  const [alias, variable, selection] = sizeOnly ? ["s", "q", SIZE_ONLY] : ["f", "p", "...blob"];
  const fields: string[] = [];
  const params: string[] = [];
  const variables: Record<string, string> = {};
  paths.forEach((path, i) => {
    fields.push(`${alias}${i}: object(expression: $${variable}${i}) { ${selection} }`);
    params.push(`$${variable}${i}: String!`);
    variables[`${variable}${i}`] = `${sha}:${path}`;
  });
  return { fields, variables, params };
}

/** The query's text with the blob fragment appended when a field uses it (GraphQL rejects an unused fragment). */
function withFragment(text: string): string {
  return text.includes("...blob") ? `${text} ${BLOB_FRAGMENT}` : text;
}

/**
 * The note on the paths beyond the cap, the first `MAX_SKIPPED_LISTED` by path and the rest counted: files the
 * first query found, or paths referenced (local actions, reusable workflows, bake files), which may not exist.
 */
export function skippedNote(maxFiles: number, skipped: readonly string[], referenced = false): string {
  const listed = skipped.slice(0, MAX_SKIPPED_LISTED).map((p) => `\`${p}\``);
  const more = skipped.length - listed.length;
  const which = referenced
    ? skipped.length === 1
      ? "this referenced path was not read"
      : `these ${skipped.length} referenced paths were not read`
    : skipped.length === 1
      ? "this one was skipped"
      : `these ${skipped.length} were skipped`;
  return `At most ${maxFiles} workflow-related files are analysed; ${which}: ${listed.join(", ")}${more > 0 ? ` and ${more} more` : ""}.`;
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

  /**
   * The first query: the directories' entries without text, the text of the changed paths and root bake files
   * (at most `maxFiles`, the rest by size only), and the config and pull request when asked.
   */
  async first(maxFiles: number): Promise<FirstRead> {
    const { sha } = this.rev;
    const analyzable = (p: string) => this.opts.isAnalyzablePath(p);
    const changed = [...new Set(this.opts.changedPaths)].filter(analyzable).sort();
    const direct = [...changed, ...ROOT_BAKE_FILES.filter((p) => analyzable(p) && !this.opts.changedPaths.includes(p)).sort()];
    const texts = blobFields(sha, direct.slice(0, maxFiles));
    const sizes = blobFields(sha, direct.slice(maxFiles), true);
    const variables: Record<string, unknown> = {
      ...this.repoVars,
      ...texts.variables,
      ...sizes.variables,
      head: sha,
      workflows: `${sha}:.github/workflows`,
      actions: `${sha}:.github/actions`,
    };
    const params = ["$owner: String!", "$name: String!", "$head: String!", "$workflows: String!", "$actions: String!", ...texts.params, ...sizes.params];
    const entry = `name type mode object { ${SIZE_ONLY} }`;
    const repoFields = [
      "head: object(expression: $head) { oid }",
      `workflows: object(expression: $workflows) { ... on Tree { entries { ${entry} } } }`,
      `actions: object(expression: $actions) { ... on Tree { entries { name type object { ... on Tree { entries { ${entry} } } } } } }`,
      ...texts.fields,
      ...sizes.fields,
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
    const text = withFragment(`query tagguardSnapshot(${params.join(", ")}) { repository(owner: $owner, name: $name) { ${repoFields.join(" ")} } ${rootFields.join(" ")} }`);
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

    const nodes = new Map<string, Partial<BlobNode>>();
    const addEntries = (dir: string, entries: TreeEntryNode[] | undefined) => {
      for (const e of entries ?? []) {
        const path = `${dir}/${e.name}`;
        if (e.type === "blob" && e.mode !== SYMLINK_MODE && analyzable(path)) nodes.set(path, e.object ?? {});
      }
    };
    addEntries(".github/workflows", repo.workflows?.entries);
    for (const d of repo.actions?.entries ?? []) {
      if (d.type === "tree") addEntries(`.github/actions/${d.name}`, d.object?.entries);
    }
    direct.forEach((path, i) => {
      const node = (i < maxFiles ? repo[`f${i}`] : repo[`s${i - maxFiles}`]) as Partial<BlobNode> | null | undefined;
      // Nothing at the path, or a tree: not a file to read.
      if (typeof node?.byteSize === "number") nodes.set(path, node);
    });
    const found = changed.filter((p) => nodes.has(p));
    const first = new Set(found);
    const others = [...nodes.keys()].filter((p) => !first.has(p)).sort();

    const out: FirstRead = { order: [...found, ...others], nodes };
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

  /** Paths by blob node, with their text: one query with an aliased field per path. */
  async fetch(paths: readonly string[]): Promise<Map<string, Partial<BlobNode> | null>> {
    const blobs = blobFields(this.rev.sha, paths);
    const text = withFragment(`query tagguardFiles(${["$owner: String!", "$name: String!", ...blobs.params].join(", ")}) { repository(owner: $owner, name: $name) { ${blobs.fields.join(" ")} } }`);
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
  const maxBytes = opts.maxFileBytes ?? MAX_FILE_BYTES;
  const reader = new Reader(octokit, rev, opts);
  const first = await reader.first(maxFiles);

  const batch = first.order.slice(0, maxFiles);
  const skipped = first.order.slice(maxFiles);
  // The chosen files the first query listed without their text, but for those too large to read.
  const unread = batch.filter((p) => {
    const node = first.nodes.get(p);
    return node !== undefined && !("text" in node) && !((node.byteSize ?? 0) > maxBytes);
  });
  const nodes = new Map<string, Partial<BlobNode> | null>(first.nodes);
  if (unread.length > 0) for (const [path, node] of await reader.fetch(unread)) nodes.set(path, node);
  await reader.take(batch, nodes);
  const pendingReferences = async () => [...new Set(await opts.referencedPaths(reader.current()))].filter((p) => !reader.wasAttempted(p)).sort();
  if (skipped.length > 0) {
    // Past the cap, what the files read reference is not followed: there is no room for it. The notes say so.
    reader.notes.push(skippedNote(maxFiles, skipped));
    const pending = await pendingReferences();
    if (pending.length > 0) reader.notes.push(skippedNote(maxFiles, pending, true));
  }
  for (let round = 1; skipped.length === 0; round++) {
    const pending = await pendingReferences();
    if (pending.length === 0) break;
    if (round === maxRounds) {
      reader.notes.push(`Stopped following local actions and reusable workflows after ${maxRounds} levels.`);
      break;
    }
    const next = pending.slice(0, Math.max(0, maxFiles - reader.attemptedCount));
    if (next.length > 0) await reader.take(next, await reader.fetch(next));
    if (next.length < pending.length) {
      reader.notes.push(skippedNote(maxFiles, pending.slice(next.length), true));
      break;
    }
  }
  return {
    files: reader.current(),
    notes: reader.notes,
    ...(first.config ? { config: first.config } : {}),
    ...(first.pull ? { pull: first.pull } : {}),
  };
}
