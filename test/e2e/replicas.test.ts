import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { freshDatabase } from "../support/database.js";
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
async function storeIdle(): Promise<void> {
  const client = new pg.Client({ connectionString: database });
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
