import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { CACHE, ciCause, fromRegistry, incidentBody, incidentCalls } from "../app/package-expectations.js";
import { fixtureRepo } from "../app/harness.js";
import { manifestSummary, pointTag, publishPayload, startRegistry } from "../app/package-harness.js";
import type { FakeRegistry } from "../registry/fake-registry.js";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
import { freshDatabase } from "../support/database.js";
import { APP_ROUTES, FakeGitHub, type Reply } from "./fake-github.js";
import { FaultProxy } from "./faults-proxy.js";
import { ProbotProcess } from "./probot-process.js";
import { reviewWorld } from "./review-world.js";

/**
 * Two replicas of the built App (`probot run`) on one PostgreSQL: a delivery sent to both is worked on once, and
 * deliveries for one repository run one at a time, in order, whichever replica takes them.
 */

const { fake, reviewsOn, REVIEW, API, payload } = reviewWorld([1, 2, 3]);
const SECRET = "e2e-replicas-secret";
let proxy: FaultProxy;
let database: string;
let replicas: ProbotProcess[];

/** Resolves once no job of the shared store is running or due (checked every 50 ms). */
async function storeIdle(connectionString = database): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ n: string }>("select count(*) as n from graphile_worker.jobs where locked_at is not null or run_at <= now()");
      if (rows[0]?.n === "0") return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await client.end();
  }
}

const posts = (path: string) => fake.requests.filter((r) => r.method === "POST" && r.url === path);

beforeAll(async () => {
  proxy = await FaultProxy.start(`http://127.0.0.1:${await fake.start()}`);
  database = await freshDatabase();
  replicas = await Promise.all([1, 2].map(() => ProbotProcess.start({ githubPort: proxy.port, webhookSecret: SECRET, database })));
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  await proxy?.stop();
  await fake.stop();
});

describe("two replicas on one database", () => {
  it("work a delivery sent to both once: one check run, one review", async () => {
    const answers = await Promise.all(replicas.map((r) => r.deliver("pull_request", payload(1), { id: "both-1" })));

    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await fake.waitFor((r) => r.method === "POST" && r.url === `${API}/pulls/1/reviews`);
    await storeIdle();
    expect(reviewsOn(1)).toEqual([REVIEW]);
    expect(posts(`${API}/check-runs`).filter((r) => (r.body as { head_sha?: unknown }).head_sha !== undefined)).toHaveLength(1);
  });

  it("run two deliveries for one repository in order, one at a time, though each went to another replica", async () => {
    let release = (): void => undefined;
    proxy.inject(`GET ${API}/pulls/2/files`, { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) });
    const [a, b] = replicas as [ProbotProcess, ProbotProcess];

    expect((await a.deliver("pull_request", payload(2), { id: "order-2" })).status).toBe(200);
    await proxy.waitFor((r) => r.path === `${API}/pulls/2/files?per_page=100`);
    expect((await b.deliver("pull_request", payload(3), { id: "order-3" })).status).toBe(200);
    release();
    await fake.waitFor((r) => r.method === "POST" && r.url === `${API}/pulls/3/reviews`);
    await storeIdle();

    const order = fake.requests.map((r) => r.url);
    // Everything of pull request 2's run, its review last, comes before pull request 3's first read.
    expect(order.indexOf(`${API}/pulls/2/reviews`)).toBeLessThan(order.indexOf(`${API}/pulls/3/files?per_page=100`));
    expect([reviewsOn(2), reviewsOn(3)]).toEqual([[REVIEW], [REVIEW]]);
  }, 40_000);
});

/**
 * The publish watcher on two replicas: a `registry_package` delivery of a BuildKit cache published onto
 * ghcr.io/acme/app:latest, sent to both, opens one incident issue. GitHub's open-issue list lags behind the issue just
 * created (it always answers empty here), so what a second run finds is the incident's number in the store
 * (`tagguard.memory`), read back with `GET issues/1`.
 */
describe("two replicas on one database: a BuildKit cache published onto a tag", () => {
  const MAIN = "cafebabecafebabecafebabecafebabecafebabe";
  const LIST = `GET ${API}/issues?state=open&labels=tagguard-incident&per_page=100`;
  /** What the first run reads and writes, in order (the App's own GET /app and installation tokens aside). */
  const OPENING = incidentCalls(API, MAIN);
  const AUTH = new Set(["GET /api/v3/app", "POST /api/v3/app/installations/42/access_tokens"]);
  let registry: FakeRegistry;

  /** A fake GitHub for acme/app whose issues are the ones it accepted (numbered from 1), but never listed. */
  function incidentGitHub(): FakeGitHub {
    const created: Record<string, unknown>[] = [];
    const github = new FakeGitHub({
      ...APP_ROUTES,
      "GET /api/v3/app/hook/deliveries?per_page=100": { status: 200, body: [] },
      [LIST]: { status: 200, body: [] },
      [`GET ${API}/branches/main`]: { status: 200, body: { name: "main", commit: { sha: MAIN } } },
      "POST /api/graphql": (req) => ({ status: 200, body: answerGraphql({ trees: new Map([[MAIN, fixtureRepo("repo")]]) }, req.body as GraphqlRequest) }),
      [`POST ${API}/labels`]: { status: 201, body: { name: "tagguard-incident" } },
      [`POST ${API}/issues`]: (req) => {
        const { title, body, labels } = req.body as { title: string; body: string; labels: string[] };
        const issue = { number: created.length + 1, state: "open", title, body, labels: labels.map((name) => ({ name })), user: { login: "tagguard[bot]", type: "Bot" } };
        created.push(issue);
        return { status: 201, body: issue };
      },
      [`GET ${API}/issues/1`]: (): Reply | undefined => (created[0] ? { status: 200, body: created[0] } : undefined),
    });
    return github;
  }

  /** Two replicas on a fresh database of their own, with a fake GitHub of their own; stopped after `test`. */
  async function withReplicas(test: (github: FakeGitHub, pair: [ProbotProcess, ProbotProcess], store: string) => Promise<void>): Promise<void> {
    const github = incidentGitHub();
    const githubPort = await github.start();
    const store = await freshDatabase();
    const pair = await Promise.all(
      [1, 2].map(() => ProbotProcess.start({ githubPort, webhookSecret: SECRET, database: store, env: { TAGGUARD_REGISTRY_URL: registry.url } })),
    );
    try {
      await test(github, pair as [ProbotProcess, ProbotProcess], store);
    } finally {
      await Promise.all(pair.map((r) => r.stop()));
      await github.stop();
    }
  }

  const delivery = JSON.stringify(publishPayload({ tag: "latest", digest: CACHE, manifest: manifestSummary("cache-manifest") }));
  const expectedIssue = () => ({
    title: "ghcr.io/acme/app:latest holds a BuildKit cache, not a runnable image",
    labels: ["tagguard-incident"],
    body: incidentBody({ decidedBy: fromRegistry(registry.host), cause: ciCause(MAIN) }),
  });
  const linesOf = (pair: ProbotProcess[], msg: string) => pair.flatMap((r) => r.logLines().filter((l) => l.msg === msg));
  /** The log lines `msg` of both replicas, once there is one (a process's output reaches the test after its writes). */
  async function loggedOnce(pair: ProbotProcess[], msg: string): Promise<Record<string, unknown>[]> {
    await Promise.any(pair.map((r) => r.waitForLog((l) => l.msg === msg)));
    return linesOf(pair, msg);
  }

  async function deliveryStates(store: string): Promise<{ id: string; state: string }[]> {
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    try {
      return (await client.query<{ id: string; state: string }>("select id, state from tagguard.deliveries order by id")).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    registry = await startRegistry();
    pointTag(registry, "latest", "cache-manifest");
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("open one incident for a delivery sent to both with the same delivery id", async () => {
    await withReplicas(async (github, pair, store) => {
      const answers = await Promise.all(pair.map((r) => r.deliver("registry_package", delivery, { id: "publish-both" })));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      await storeIdle(store);

      const calls = github.calls.map((r) => `${r.method} ${r.url}`);
      expect(calls.filter((c) => !AUTH.has(c))).toEqual(OPENING);
      expect(github.calls.filter((r) => r.method === "POST" && r.url === `${API}/issues`).map((r) => r.body)).toEqual([expectedIssue()]);
      expect(await deliveryStates(store)).toEqual([{ id: "publish-both", state: "done" }]);
      expect(await loggedOnce(pair, "tagguard: opened an incident")).toEqual([expect.objectContaining({ deliveryId: "publish-both", issue: 1, causes: 1, source: "registry" })]);
      expect(await loggedOnce(pair, "tagguard: delivery stored before, nothing added")).toEqual([expect.objectContaining({ deliveryId: "publish-both", event: "registry_package.published" })]);
    });
  }, 40_000);

  it("open one incident for two deliveries of the same tag sent at once, one to each replica", async () => {
    await withReplicas(async (github, [a, b], store) => {
      const answers = await Promise.all([a.deliver("registry_package", delivery, { id: "publish-a" }), b.deliver("registry_package", delivery, { id: "publish-b" })]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      await storeIdle(store);

      // The image tag's queue runs one job at a time: the second run finds the incident through the store's row
      // (the issue list is empty) and sees that it reports this digest already.
      const calls = github.calls.map((r) => `${r.method} ${r.url}`);
      expect(calls.filter((c) => !AUTH.has(c))).toEqual([...OPENING, LIST, `GET ${API}/issues/1`]);
      expect(github.calls.filter((r) => r.method === "POST" && r.url === `${API}/issues`).map((r) => r.body)).toEqual([expectedIssue()]);
      expect(await deliveryStates(store)).toEqual([
        { id: "publish-a", state: "done" },
        { id: "publish-b", state: "done" },
      ]);
      const opened = await loggedOnce([a, b], "tagguard: opened an incident");
      const reported = await loggedOnce([a, b], "tagguard: this cache is already reported in the open incident");
      expect(opened).toEqual([expect.objectContaining({ issue: 1, causes: 1, source: "registry" })]);
      expect(reported).toEqual([expect.objectContaining({ issue: 1 })]);
      expect([opened[0]?.deliveryId, reported[0]?.deliveryId].sort()).toEqual(["publish-a", "publish-b"]);
    });
  }, 40_000);
});
