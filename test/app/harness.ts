import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import nock from "nock";
import { pino } from "pino";
import { type ApplicationFunction, Probot, ProbotOctokit } from "probot";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { afterEach } from "@jest/globals";
import type { TagguardApp } from "../../src/app/app.js";
import pg from "pg";
import { freshDatabase } from "../support/database.js";
import { answerGraphql, type GraphqlRepo, type GraphqlRequest, type ListedFile, type PostedByApp, type PullState, type RepoFile } from "../support/graphql-repo.js";

export { blobSha } from "../support/graphql-repo.js";

export const OWNER = "acme";
export const REPO = "app";
export const INSTALLATION = 42;
export const NUMBER = 7;
export const HEAD = "1111111111111111111111111111111111111111";
export const BASE = "2222222222222222222222222222222222222222";
export const BOT = "tagguard[bot]";
export const API = "https://api.github.com";
export const REPO_PATH = `/repos/${OWNER}/${REPO}`;

/** A throwaway App key, generated per test run. */
export const privateKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
}).privateKey;

const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

/** Log lines written by the Probot instance, parsed from pino's JSON output. */
export type LogLines = Record<string, unknown>[];

/** The database and App of each Probot made by `newProbot`. */
const databases = new WeakMap<Probot, { url: string; app: TagguardApp }>();

/**
 * Moves the store's clock past every retry the jobs wait for (their `run_at` becomes now), then waits until no job
 * is left to run: what the store's backoff does, without waiting for it.
 */
export async function runWaitingJobs(probot: Probot): Promise<void> {
  const loaded = databases.get(probot);
  if (!loaded) throw new Error("runWaitingJobs needs a Probot made by newProbot with tagguard's App");
  const client = new pg.Client({ connectionString: loaded.url });
  await client.connect();
  try {
    await client.query("update graphile_worker._private_jobs set run_at = now() where locked_at is null and run_at > now()");
    await client.query(`notify "jobs:insert"`);
  } finally {
    await client.end();
  }
  await loaded.app.work.idle();
}

/** Apps loaded by `newProbot` in the running test, stopped after it. */
const loaded: TagguardApp[] = [];

afterEach(async () => {
  await Promise.all(loaded.splice(0).map((app) => app.stop()));
});

/**
 * A Probot instance with `appFn` loaded. The App acknowledges a delivery once its job is stored; when `appFn` is
 * tagguard's (`createApp`), it gets a fresh database on the test PostgreSQL and `receive` resolves once no stored
 * job is left to run, so a test sees the work done, as if GitHub waited for it.
 */
export async function newProbot(appFn: ApplicationFunction | TagguardApp, logs?: LogLines): Promise<Probot> {
  const log = logs
    ? pino(
        { level: "info" },
        new Writable({
          write(chunk: Buffer, _enc, done) {
            for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
            done();
          },
        }),
      )
    : pino({ level: "silent" });
  const probot = new Probot({ appId: 123, privateKey, log, Octokit });
  if (!("work" in appFn)) {
    await probot.load(appFn);
    return probot;
  }
  const previous = process.env.DATABASE_URL;
  const database = await freshDatabase();
  databases.set(probot, { url: database, app: appFn });
  process.env.DATABASE_URL = database;
  loaded.push(appFn);
  try {
    await probot.load(appFn);
  } finally {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
  }
  const receive = probot.receive.bind(probot);
  probot.receive = async (event) => {
    await receive(event);
    await appFn.work.idle();
  };
  return probot;
}

export interface PullRequestOptions {
  action?: string;
  headSha?: string;
  draft?: boolean;
  changedFiles?: number;
  /** The repository the head branch lives in (a fork when it differs from the base repository). */
  headRepo?: { owner: string; name: string } | null;
}

export function pullRequestPayload(o: PullRequestOptions = {}): Record<string, unknown> {
  const repository = {
    id: 1,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { login: OWNER, type: "Organization" },
    html_url: `https://github.com/${OWNER}/${REPO}`,
  };
  const headRepo =
    o.headRepo === null
      ? null
      : o.headRepo
        ? { id: 2, name: o.headRepo.name, full_name: `${o.headRepo.owner}/${o.headRepo.name}`, owner: { login: o.headRepo.owner } }
        : repository;
  return {
    action: o.action ?? "opened",
    number: NUMBER,
    pull_request: {
      number: NUMBER,
      state: "open",
      draft: o.draft ?? false,
      changed_files: o.changedFiles ?? 1,
      head: { sha: o.headSha ?? HEAD, ref: "feature", repo: headRepo },
      base: { sha: BASE, ref: "main", repo: repository },
    },
    repository,
    installation: { id: INSTALLATION },
    sender: { login: "octocat", type: "User" },
  };
}

export function deliver(probot: Probot, id: string, payload: Record<string, unknown>): Promise<void> {
  return probot.receive({ id, name: "pull_request", payload } as unknown as EmitterWebhookEvent);
}

export function api(): nock.Scope {
  return nock(API);
}

export function mockToken(scope: nock.Scope): nock.Scope {
  return scope
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: "ghs_installation_token", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" });
}

export function mockBotLogin(scope: nock.Scope): nock.Scope {
  return scope.get("/app").reply(200, { id: 123, slug: "tagguard", name: "tagguard" });
}

export interface PrFile {
  filename: string;
  status?: string;
  patch?: string;
  previous_filename?: string;
}

export function mockPrFiles(scope: nock.Scope, files: PrFile[]): nock.Scope {
  return scope
    .get(`${REPO_PATH}/pulls/${NUMBER}/files`)
    .query({ per_page: 100 })
    .reply(
      200,
      files.map((f) => ({ status: "modified", additions: 1, deletions: 0, changes: 1, ...f })),
    );
}

/** A file listed at its size whose content is not served (e.g. over the size cap). */
export interface ExtraEntry {
  path: string;
  size: number;
}

/** What one analysis reads through GraphQL: files at a commit, the configuration, the pull request. */
interface Snapshot extends GraphqlRepo {
  pull: PullState;
}

/** Per scope: the configuration for the next `mockRepoAt`, and the snapshot the last one serves. */
const snapshots = new WeakMap<nock.Scope, { nextConfig?: string; current?: Snapshot }>();

function snapshotState(scope: nock.Scope): { nextConfig?: string; current?: Snapshot } {
  let state = snapshots.get(scope);
  if (!state) {
    state = {};
    snapshots.set(scope, state);
  }
  return state;
}

/**
 * Mocks the App's GraphQL reads of the repository at `sha`: `queries` requests (the first one, which lists the
 * workflow directories and reads the changed paths; the one that reads the other files it listed, when there are
 * any; one per level of references it follows), answered from `files` (and `extra`, listed at their size). The
 * configuration set by `mockConfig` before, and the reviews and head set by `mockPosted` and `mockHead` after, go
 * into the same answers.
 */
export function mockRepoAt(scope: nock.Scope, sha: string, files: Record<string, RepoFile>, extra: ExtraEntry[] = [], queries = 2): nock.Scope {
  const state = snapshotState(scope);
  const listed: Record<string, ListedFile> = Object.fromEntries(extra.map((e) => [e.path, { size: e.size }]));
  const snapshot: Snapshot = {
    trees: new Map([[sha, { ...files, ...listed }]]),
    ...(state.nextConfig === undefined ? {} : { config: state.nextConfig }),
    ownerConfig: null,
    pull: { headSha: sha },
  };
  state.nextConfig = undefined;
  state.current = snapshot;
  return scope
    .post("/graphql", (body: GraphqlRequest) => Object.values(body.variables).some((v) => typeof v === "string" && v.startsWith(`${sha}:`)))
    .times(queries)
    .reply(200, (_uri, body) => answerGraphql(snapshot, body as GraphqlRequest));
}

/** `.github/tagguard.yml` on the default branch, for the next `mockRepoAt`. */
export function mockConfig(scope: nock.Scope, text: string): nock.Scope {
  snapshotState(scope).nextConfig = text;
  return scope;
}

/** Base64 split into 60-character lines, the way GitHub returns blob contents. */
export function base64Lines(text: string): string {
  return (Buffer.from(text, "utf8").toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n";
}

export interface Posted {
  /** Someone other than the App (a user), when given. */
  login?: string;
  at?: string;
  body: string;
  /** For a review comment: the file of the thread it starts (thread id `PRRT_<index>`). */
  path?: string;
  resolved?: boolean;
}

function currentSnapshot(scope: nock.Scope): Snapshot {
  const current = snapshotState(scope).current;
  if (!current) throw new Error("mockRepoAt first: the pull request is read with the files");
  return current;
}

/** The App's earlier review comments and reviews, as the last `mockRepoAt`'s query returns them. */
export function mockPosted(scope: nock.Scope, comments: Posted[] = [], reviews: Posted[] = []): nock.Scope {
  const asGraphql = (p: Posted): PostedByApp => ({
    body: p.body,
    ...(p.at ? { at: p.at } : {}),
    ...(p.login ? { login: p.login, type: "User" } : {}),
    ...(p.path === undefined ? {} : { path: p.path, resolved: p.resolved ?? false }),
  });
  const pull = currentSnapshot(scope).pull;
  pull.comments = comments.map(asGraphql);
  pull.reviews = reviews.map(asGraphql);
  return scope;
}

/**
 * Answers the App's `resolveReviewThread` mutation from the last `mockRepoAt`'s pull request (whose threads it
 * resolves), recording each request.
 */
export function mockResolveThreads(scope: nock.Scope, sink: GraphqlRequest[]): nock.Scope {
  const snapshot = currentSnapshot(scope);
  return scope
    .post("/graphql", (body: GraphqlRequest) => /^mutation /.test(body.query) && sink.push(body) > 0)
    .reply(200, (_uri, body) => answerGraphql(snapshot, body as GraphqlRequest));
}

/** The pull request moved on (another head) or is no longer open, as the last `mockRepoAt`'s query returns it. */
export function mockHead(scope: nock.Scope, sha: string, state: PullState["state"] = "OPEN"): nock.Scope {
  const pull = currentSnapshot(scope).pull;
  pull.headSha = sha;
  pull.state = state;
  return scope;
}

/** Captures the body of the review POST. */
export function mockReview(scope: nock.Scope, sink: unknown[], status = 200): nock.Scope {
  return scope.post(`${REPO_PATH}/pulls/${NUMBER}/reviews`, (body: unknown) => {
    sink.push(body);
    return true;
  }).reply(status, status === 200 ? { id: 99 } : { message: "Unprocessable Entity", errors: ["Line could not be resolved"] });
}

const fixtures = fileURLToPath(new URL("../fixtures/app/", import.meta.url));

/** Every file below `test/fixtures/app/<name>`, by repository-relative POSIX path. */
export function fixtureRepo(name: string): Record<string, string> {
  const root = join(fixtures, name);
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full).split(sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

/** A unified-diff patch that adds every line of `text` (as for a new file). */
export function addedPatch(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n");
}

/** A patch whose single hunk shows lines `from..to` of `text` as context, with line `added` added. */
export function hunkPatch(text: string, from: number, to: number, added: number): string {
  const lines = text.split("\n");
  const body = lines.slice(from - 1, to).map((l, i) => (from + i === added ? `+${l}` : ` ${l}`));
  const count = to - from + 1;
  return [`@@ -${from},${count - 1} +${from},${count} @@`, ...body].join("\n");
}

/** Requests nock could not match, recorded so a test can assert that none happened. */
export function recordUnmatched(): { requests: string[]; stop(): void } {
  const requests: string[] = [];
  const listener = (req: { method?: string; path?: string; href?: string }) => {
    requests.push(`${req.method ?? "?"} ${req.href ?? req.path ?? "?"}`);
  };
  nock.emitter.on("no match", listener);
  return { requests, stop: () => nock.emitter.removeListener("no match", listener) };
}
