// A stateful GitHub API stand-in for the benchmarks: repositories with trees and blobs, pull requests with their
// files, reviews and review comments, check runs, issues and labels, read through REST and through the GraphQL
// fields the App asks for (`src/app/github/repo-files.ts`). It records every request (method, route,
// read/write/auth) and serves either in-process (`fetch`, zero latency) or over HTTP on 127.0.0.1 with a fixed
// latency per response (the request takes effect on arrival, the answer is sent `latencyMs` later). Unknown routes
// answer 404 and are recorded as unrouted.

import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const BOT_LOGIN = "tagguard[bot]";

/** Git's blob id for a text. */
export function blobSha(text) {
  const body = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}

export function commitSha(label) {
  return createHash("sha1").update(`commit ${label}`).digest("hex");
}

/** A patch whose single hunk adds every line of `text` (a new file). */
export function addedPatch(text) {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n");
}

/** A patch adding the last line of `text` after three lines of context. */
export function appendedPatch(text) {
  const lines = text.replace(/\n$/, "").split("\n");
  const from = Math.max(1, lines.length - 3);
  const context = lines.slice(from - 1, lines.length - 1).map((l) => ` ${l}`);
  return [`@@ -${from},${context.length} +${from},${context.length + 1} @@`, ...context, `+${lines.at(-1)}`].join("\n");
}

const json = (status, body, headers = {}) => ({ status, body, headers });
/** `sha:path` of a GraphQL object expression. */
const splitExpression = (expression) => {
  const text = String(expression);
  const colon = text.indexOf(":");
  return [text.slice(0, colon), text.slice(colon + 1)];
};
const notFound = () => json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });

export class FakeGitHub {
  constructor() {
    /** Every request, in arrival order. */
    this.requests = [];
    this.repos = new Map();
    this.blobs = new Map();
    this.trees = new Map();
    this.nextId = 1000;
    this.clock = Date.parse("2024-05-01T10:00:00Z");
    this.servers = [];
    this.fetch = (input, init = {}) => this.fetchImpl(input, init);
  }

  /** Adds a repository; `files` become the tree of `mainSha`, the head of `defaultBranch`. */
  addRepo(owner, repo, { installation = 1, defaultBranch = "main", files = {}, extraPaths = [] } = {}) {
    const mainSha = commitSha(`${owner}/${repo}@main`);
    this.putTree(mainSha, files, extraPaths);
    const state = { owner, repo, installation, defaultBranch, mainSha, pulls: new Map(), checkRuns: new Map(), issues: new Map(), labels: new Set(), comments: new Map() };
    this.repos.set(`${owner}/${repo}`, state);
    return state;
  }

  /** Stores the tree of commit `sha`: every file as a blob, plus paths listed without content (never fetched). */
  putTree(sha, files, extraPaths = []) {
    const entries = [];
    for (const [path, text] of Object.entries(files)) {
      const id = blobSha(text);
      this.blobs.set(id, text);
      entries.push({ path, mode: "100644", type: "blob", sha: id, size: Buffer.byteLength(text) });
    }
    for (const path of extraPaths) entries.push({ path, mode: "100644", type: "blob", sha: blobSha(path), size: 1200 });
    this.trees.set(sha, entries);
  }

  /** Adds or updates a pull request: its head commit and the files GitHub lists for it. */
  putPull(owner, repo, number, { head, files }) {
    const r = this.repos.get(`${owner}/${repo}`);
    const pull = r.pulls.get(number) ?? { number, state: "open", reviews: [], reviewComments: [] };
    Object.assign(pull, { head, files });
    r.pulls.set(number, pull);
    return pull;
  }

  /** Requests matching `predicate`, by route name. */
  count(predicate = () => true) {
    const out = {};
    for (const r of this.requests.filter(predicate)) out[r.route] = (out[r.route] ?? 0) + 1;
    return out;
  }

  /** Starts an HTTP server on 127.0.0.1 answering after `latencyMs`; resolves with its port. */
  listen(latencyMs = 0) {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const origin = `http://${req.headers.host}/api/v3`;
        const reply = this.answer(this.begin(req.method ?? "GET", req.url ?? "/", raw, origin));
        setTimeout(() => {
          res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...reply.headers });
          res.end(reply.status === 204 ? undefined : JSON.stringify(reply.body));
        }, latencyMs);
      });
    });
    server.keepAliveTimeout = 60_000;
    this.servers.push(server);
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
  }

  async stop() {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  async fetchImpl(input, init) {
    const url = new URL(typeof input === "string" ? input : input.url);
    const body = init.body === undefined || init.body === null ? "" : String(init.body);
    const record = this.begin(init.method ?? "GET", `${url.pathname}${url.search}`, body, url.origin);
    const reply = this.answer(record);
    return new Response(reply.status === 204 ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "content-type": "application/json; charset=utf-8", ...reply.headers },
    });
  }

  begin(method, rawUrl, rawBody, origin) {
    const url = new URL(rawUrl, "http://fake");
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, "").replace(/^\/api\/graphql$/, "/graphql");
    let body;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const record = { method, path, query: url.searchParams, body, origin, at: performance.now(), route: "unrouted", kind: "read", status: 0 };
    this.requests.push(record);
    return record;
  }

  answer(record) {
    const reply = this.route(record);
    record.status = reply.status;
    record.done = performance.now();
    return reply;
  }

  now() {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  page(record, items) {
    const perPage = Number(record.query.get("per_page") ?? 30);
    const page = Number(record.query.get("page") ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    if (page * perPage >= items.length) return json(200, slice);
    const next = new URLSearchParams(record.query);
    next.set("page", String(page + 1));
    return json(200, slice, { link: `<${record.origin}${record.path}?${next}>; rel="next"` });
  }

  /** A GraphQL blob for `sha:path`, or null. */
  blobAt(expression) {
    const [sha, path] = splitExpression(expression);
    const entry = this.trees.get(sha)?.find((e) => e.path === path);
    if (!entry) return null;
    const text = this.blobs.get(entry.sha);
    return { oid: entry.sha, byteSize: entry.size, isBinary: false, isTruncated: false, text: text ?? null };
  }

  /** A GraphQL tree for `sha:dir`, `depth` levels deep, or null. */
  treeAt(expression, depth) {
    const [sha, dir] = splitExpression(expression);
    const entries = this.trees.get(sha);
    if (!entries) return null;
    const prefix = `${dir}/`;
    const names = new Map();
    for (const e of entries) {
      if (!e.path.startsWith(prefix)) continue;
      const rest = e.path.slice(prefix.length);
      const slash = rest.indexOf("/");
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
    }
    if (names.size === 0) return null;
    return {
      entries: [...names].sort(([a], [b]) => a.localeCompare(b)).map(([name, isTree]) =>
        isTree
          ? { name, type: "tree", mode: 16384, object: depth > 1 ? this.treeAt(`${sha}:${prefix}${name}`, depth - 1) : {} }
          : { name, type: "blob", mode: 33188, object: this.blobAt(`${sha}:${prefix}${name}`) },
      ),
    };
  }

  /** Answers the App's GraphQL reads: the aliased fields of its queries, from the stored trees and pull requests. */
  graphql(body) {
    const query = String(body?.query ?? "");
    const v = body?.variables ?? {};
    const r = this.repos.get(`${v.owner}/${v.name}`);
    if (!r) return json(200, { data: { repository: null }, errors: [{ type: "NOT_FOUND", path: ["repository"], message: "Could not resolve to a Repository" }] });
    const repository = {};
    if (/\bhead: object\(expression: \$head\)/.test(query)) repository.head = this.trees.has(v.head) ? { oid: v.head } : null;
    if (/\bworkflows: object\(/.test(query)) repository.workflows = this.treeAt(v.workflows, 1);
    if (/\bactions: object\(/.test(query)) repository.actions = this.treeAt(v.actions, 2);
    for (const m of query.matchAll(/\b(f\d+): object\(expression: \$(p\d+)\)/g)) repository[m[1]] = this.blobAt(v[m[2]]);
    if (/\bconfig: object\(expression: "HEAD:/.test(query)) repository.config = null;
    if (/\bpullRequest\(number: \$number\)/.test(query)) {
      const pull = r.pulls.get(Number(v.number));
      const bot = { __typename: "Bot", login: BOT_LOGIN.replace(/\[bot\]$/, "") };
      repository.pullRequest = pull
        ? {
            state: pull.state.toUpperCase(),
            headRefOid: pull.head,
            reviews: {
              pageInfo: { hasPreviousPage: false, startCursor: null },
              nodes: pull.reviews.map((rv, i) => ({
                author: bot,
                body: rv.body,
                submittedAt: rv.submitted_at,
                comments: { nodes: i === 0 ? pull.reviewComments.map((c) => ({ author: bot, body: c.body, createdAt: c.created_at })) : [] },
              })),
            },
            // One unresolved thread per review comment (the App reads them to resolve the ones a push fixed).
            ...(/\breviewThreads\(/.test(query)
              ? { reviewThreads: { nodes: pull.reviewComments.map((c) => ({ id: `PRRT_${c.id}`, isResolved: false, path: c.path, comments: { nodes: [{ author: bot, body: c.body }] } })) } }
              : {}),
          }
        : null;
    }
    const data = { repository };
    if (!/\bownerConfig: repository\(/.test(query)) return json(200, { data });
    return json(200, { data: { ...data, ownerConfig: null }, errors: [{ type: "NOT_FOUND", path: ["ownerConfig"], message: "Could not resolve to a Repository" }] });
  }

  route(record) {
    const { method, path } = record;
    const on = (m, re, name, kind, fn) => {
      if (m !== method) return undefined;
      const match = re.exec(path);
      if (!match) return undefined;
      record.route = name;
      record.kind = kind;
      return fn(match);
    };
    const repoOf = (m) => this.repos.get(`${m[1]}/${m[2]}`);
    const R = "^/repos/([^/]+)/([^/]+)";
    return (
      on("POST", /^\/app\/installations\/(\d+)\/access_tokens$/, "POST installation token", "auth", () =>
        json(201, { token: `ghs_${randomBytes(8).toString("hex")}`, expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" }),
      ) ??
      on("GET", /^\/app$/, "GET /app", "auth", () => json(200, { id: 123, slug: "tagguard", name: "tagguard" })) ??
      // The App's delivery log, read by the recovery sweep: every delivery was answered.
      on("GET", /^\/app\/hook\/deliveries$/, "GET app deliveries", "auth", () => json(200, [])) ??
      on("POST", /^\/graphql$/, "POST graphql", "read", () => this.graphql(record.body)) ??
      on("GET", new RegExp(`${R}/pulls/(\\d+)/files$`), "GET pull files", "read", (m) => {
        const pull = repoOf(m)?.pulls.get(Number(m[3]));
        return pull ? this.page(record, pull.files.map((f) => ({ status: "modified", additions: 1, deletions: 0, changes: 1, ...f }))) : notFound();
      }) ??
      on("GET", new RegExp(`${R}/pulls/(\\d+)/comments$`), "GET review comments", "read", (m) => {
        const pull = repoOf(m)?.pulls.get(Number(m[3]));
        return pull ? this.page(record, pull.reviewComments) : notFound();
      }) ??
      on("GET", new RegExp(`${R}/pulls/(\\d+)/reviews$`), "GET reviews", "read", (m) => {
        const pull = repoOf(m)?.pulls.get(Number(m[3]));
        return pull ? this.page(record, pull.reviews) : notFound();
      }) ??
      on("POST", new RegExp(`${R}/pulls/(\\d+)/reviews$`), "POST review", "write", (m) => {
        const pull = repoOf(m)?.pulls.get(Number(m[3]));
        if (!pull) return notFound();
        const at = this.now();
        const review = { id: this.nextId++, user: { login: BOT_LOGIN }, submitted_at: at, body: record.body?.body ?? "", state: "COMMENTED", commit_id: record.body?.commit_id };
        pull.reviews.push(review);
        for (const c of record.body?.comments ?? []) {
          pull.reviewComments.push({ id: this.nextId++, user: { login: BOT_LOGIN }, created_at: at, body: c.body, path: c.path, line: c.line });
        }
        return json(200, review);
      }) ??
      on("GET", new RegExp(`${R}/pulls/(\\d+)$`), "GET pull", "read", (m) => {
        const pull = repoOf(m)?.pulls.get(Number(m[3]));
        return pull ? json(200, { number: pull.number, state: pull.state, head: { sha: pull.head } }) : notFound();
      }) ??
      on("GET", new RegExp(`${R}/git/trees/([0-9a-f]{40})$`), "GET tree", "read", (m) => {
        const tree = this.trees.get(m[3]);
        return tree ? json(200, { sha: m[3], truncated: false, tree }) : notFound();
      }) ??
      on("GET", new RegExp(`${R}/git/blobs/([0-9a-f]{40})$`), "GET blob", "read", (m) => {
        const text = this.blobs.get(m[3]);
        return text === undefined ? notFound() : json(200, { sha: m[3], size: Buffer.byteLength(text), encoding: "base64", content: Buffer.from(text).toString("base64") });
      }) ??
      on("GET", new RegExp(`${R}/contents/(.+)$`), "GET contents", "read", () => notFound()) ??
      on("POST", new RegExp(`${R}/check-runs$`), "POST check run", "write", (m) => {
        const r = repoOf(m);
        if (!r) return notFound();
        const id = this.nextId++;
        const run = { id, head_sha: record.body?.head_sha, name: record.body?.name, status: record.body?.status, html_url: `https://github.com/${r.owner}/${r.repo}/runs/${id}` };
        r.checkRuns.set(id, run);
        return json(201, run);
      }) ??
      on("PATCH", new RegExp(`${R}/check-runs/(\\d+)$`), "PATCH check run", "write", (m) => {
        const run = repoOf(m)?.checkRuns.get(Number(m[3]));
        if (!run) return notFound();
        Object.assign(run, record.body ?? {});
        return json(200, run);
      }) ??
      on("GET", new RegExp(`${R}/branches/([^/]+)$`), "GET branch", "read", (m) => {
        const r = repoOf(m);
        return r && m[3] === r.defaultBranch ? json(200, { name: m[3], commit: { sha: r.mainSha } }) : notFound();
      }) ??
      on("GET", new RegExp(`${R}/issues$`), "GET issues", "read", (m) => {
        const r = repoOf(m);
        if (!r) return notFound();
        const label = record.query.get("labels");
        const state = record.query.get("state") ?? "open";
        const list = [...r.issues.values()].filter((i) => (state === "all" || i.state === state) && (!label || i.labels.some((l) => l.name === label)));
        return this.page(record, list);
      }) ??
      on("POST", new RegExp(`${R}/issues$`), "POST issue", "write", (m) => {
        const r = repoOf(m);
        if (!r) return notFound();
        const number = this.nextId++;
        const issue = { number, state: "open", title: record.body?.title, body: record.body?.body ?? "", user: { login: BOT_LOGIN }, labels: (record.body?.labels ?? []).map((name) => ({ name })), created_at: this.now() };
        r.issues.set(number, issue);
        return json(201, issue);
      }) ??
      on("GET", new RegExp(`${R}/issues/(\\d+)/comments$`), "GET issue comments", "read", (m) => this.page(record, repoOf(m)?.comments.get(Number(m[3])) ?? [])) ??
      on("POST", new RegExp(`${R}/issues/(\\d+)/comments$`), "POST issue comment", "write", (m) => {
        const r = repoOf(m);
        if (!r?.issues.has(Number(m[3]))) return notFound();
        const comment = { id: this.nextId++, body: record.body?.body ?? "", user: { login: BOT_LOGIN }, created_at: this.now() };
        r.comments.set(Number(m[3]), [...(r.comments.get(Number(m[3])) ?? []), comment]);
        return json(201, comment);
      }) ??
      on("GET", new RegExp(`${R}/issues/(\\d+)$`), "GET issue", "read", (m) => {
        const issue = repoOf(m)?.issues.get(Number(m[3]));
        return issue ? json(200, issue) : notFound();
      }) ??
      on("PATCH", new RegExp(`${R}/issues/(\\d+)$`), "PATCH issue", "write", (m) => {
        const issue = repoOf(m)?.issues.get(Number(m[3]));
        if (!issue) return notFound();
        Object.assign(issue, record.body ?? {});
        return json(200, issue);
      }) ??
      on("GET", new RegExp(`${R}/labels/([^/]+)$`), "GET label", "read", (m) => {
        const name = decodeURIComponent(m[3]);
        return repoOf(m)?.labels.has(name) ? json(200, { name }) : notFound();
      }) ??
      on("POST", new RegExp(`${R}/labels$`), "POST label", "write", (m) => {
        repoOf(m)?.labels.add(record.body?.name);
        return json(201, { name: record.body?.name });
      }) ??
      on("GET", new RegExp(`${R}$`), "GET repository", "read", (m) => {
        const r = repoOf(m);
        return r ? json(200, { name: r.repo, full_name: `${r.owner}/${r.repo}`, default_branch: r.defaultBranch, owner: { login: r.owner } }) : notFound();
      }) ??
      (() => {
        record.kind = method === "GET" ? "read" : "write";
        return notFound();
      })()
    );
  }
}
