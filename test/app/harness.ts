import { createHash, generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import nock from "nock";
import { pino } from "pino";
import { type ApplicationFunction, Probot, ProbotOctokit } from "probot";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { WorkQueue } from "../../src/app/queue.js";

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

/**
 * A Probot instance with `appFn` loaded. The App acknowledges a delivery before its work runs (it queues the work);
 * when `appFn` has a work queue (`createApp`), `receive` resolves once that queue is idle, so a test sees the work
 * done, as if GitHub waited for it.
 */
export async function newProbot(appFn: ApplicationFunction & { work?: WorkQueue }, logs?: LogLines): Promise<Probot> {
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
  await probot.load(appFn);
  const { work } = appFn;
  if (work) {
    const receive = probot.receive.bind(probot);
    probot.receive = async (event) => {
      await receive(event);
      await work.idle();
    };
  }
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

/** Git's blob id for a text. */
export function blobSha(text: string): string {
  const body = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}

/** Extra tree entries that are listed without being fetched (e.g. files over the size cap). */
export interface ExtraEntry {
  path: string;
  size: number;
}

/** Mocks the recursive tree at `sha` and one blob request per file in `fetched`. */
export function mockRepoAt(
  scope: nock.Scope,
  sha: string,
  files: Record<string, string>,
  fetched: string[] = Object.keys(files),
  extra: ExtraEntry[] = [],
): nock.Scope {
  const tree = [
    ...Object.entries(files).map(([path, text]) => ({ path, mode: "100644", type: "blob", sha: blobSha(text), size: Buffer.byteLength(text) })),
    ...extra.map((e) => ({ path: e.path, mode: "100644", type: "blob", sha: blobSha(e.path), size: e.size })),
    { path: ".github", mode: "040000", type: "tree", sha: "3333333333333333333333333333333333333333" },
  ];
  scope.get(`${REPO_PATH}/git/trees/${sha}`).query({ recursive: "1" }).reply(200, { sha, truncated: false, tree });
  for (const path of fetched) {
    const text = files[path];
    scope
      .get(`${REPO_PATH}/git/blobs/${blobSha(text)}`)
      .reply(200, { sha: blobSha(text), size: Buffer.byteLength(text), encoding: "base64", content: base64Lines(text) });
  }
  return scope;
}

/** Base64 split into 60-character lines, the way GitHub returns blob contents. */
export function base64Lines(text: string): string {
  return (Buffer.from(text, "utf8").toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n";
}

export interface Posted {
  login?: string;
  at?: string;
  body: string;
}

export function mockPosted(scope: nock.Scope, comments: Posted[] = [], reviews: Posted[] = []): nock.Scope {
  scope
    .get(`${REPO_PATH}/pulls/${NUMBER}/comments`)
    .query({ per_page: 100 })
    .reply(
      200,
      comments.map((c, i) => ({ id: i + 1, user: { login: c.login ?? BOT }, created_at: c.at ?? "2024-05-01T10:00:00Z", body: c.body })),
    );
  return scope
    .get(`${REPO_PATH}/pulls/${NUMBER}/reviews`)
    .query({ per_page: 100 })
    .reply(
      200,
      reviews.map((r, i) => ({ id: i + 1, user: { login: r.login ?? BOT }, submitted_at: r.at ?? "2024-05-01T10:00:00Z", body: r.body, state: "COMMENTED" })),
    );
}

export function mockHead(scope: nock.Scope, sha = HEAD, state = "open"): nock.Scope {
  return scope.get(`${REPO_PATH}/pulls/${NUMBER}`).reply(200, { number: NUMBER, state, head: { sha } });
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
