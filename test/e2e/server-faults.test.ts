import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { RecordedRequest } from "./fake-github.js";
import { FaultProxy } from "./faults-proxy.js";
import { ProbotProcess } from "./probot-process.js";
import { reviewWorld } from "./review-world.js";

/**
 * The built App as a real `probot run` process, talking to a fake GitHub through a fault-injecting proxy: deliveries
 * are answered before their work runs, a 500 storm fails one run without taking the server down (the next delivery
 * is reviewed, and a redelivery of the failed one completes without a duplicate), and SIGTERM drains the queue.
 */

const { fake, reviewsOn, REVIEW, API, payload } = reviewWorld([7, 8, 9, 10, 11]);

let proxy: FaultProxy;
let server: ProbotProcess;

/** A signed `pull_request` delivery for pull request `number`; resolves with the answer and how long it took. */
async function deliver(id: string, number: number): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  const res = await server.deliver("pull_request", payload(number), { id });
  const text = await res.text();
  return { status: res.status, text, ms: Date.now() - started };
}

const reviewPosted = (n: number) => (r: RecordedRequest) => r.method === "POST" && r.url === `${API}/pulls/${n}/reviews`;
const logged = (msg: string, deliveryId?: string) => (l: Record<string, unknown>) => l.msg === msg && (deliveryId === undefined || l.deliveryId === deliveryId);

beforeAll(async () => {
  proxy = await FaultProxy.start(`http://127.0.0.1:${await fake.start()}`);
  server = await ProbotProcess.start({
    githubPort: proxy.port,
    webhookSecret: "e2e-faults-secret",
    env: { TAGGUARD_CONCURRENCY: "2", TAGGUARD_GITHUB_BACKOFF_MS: "10", TAGGUARD_SHUTDOWN_TIMEOUT_MS: "15000" },
  });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  await fake.stop();
});

describe("probot run ./lib/app/index.js under faults", () => {
  it("answers a delivery at once while GitHub has not answered yet, then reviews", async () => {
    let release = (): void => undefined;
    proxy.inject("POST /api/v3/app/installations/42/access_tokens", { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) });

    const ack = await deliver("ack-1", 7);

    expect([ack.status, ack.text]).toEqual([200, "ok\n"]);
    expect(ack.ms).toBeLessThan(2000);
    // The work's first call, the token exchange, is held by the proxy: GitHub has answered nothing yet.
    await proxy.waitFor((r) => r.fault === "hold");
    expect(fake.calls).toEqual([]);
    release();

    const review = await fake.waitFor(reviewPosted(7));
    expect(review.body).toEqual(REVIEW);
  });

  it("fails a run in a 500 storm, logs its delivery id and reason, reviews the next delivery, and the store runs the failed one again", async () => {
    const serverError = { kind: "reply" as const, status: 500, headers: { "content-type": "application/json" }, body: '{"message":"Server Error"}' };
    proxy.inject(`GET ${API}/pulls/8/files`, ...Array.from({ length: 8 }, () => serverError));

    const storm = await deliver("storm-1", 8);
    expect(storm.status).toBe(200);
    const failure = await server.waitForLog(logged("tagguard: the run failed on a transient fault; the store runs it again after its backoff", "storm-1"));
    expect(failure).toMatchObject({
      event: "pull_request.synchronize",
      attempt: 1,
      error: { type: "HttpError", status: 500, method: "GET", message: "Server Error", url: `http://${proxy.host}${API}/pulls/8/files?per_page=100` },
    });
    // 4 attempts per request, twice: 8 answers of 500, 6 retries and 1 re-run logged.
    expect(proxy.faulted("reply")).toHaveLength(8);
    expect(server.logLines().filter(logged("tagguard: GitHub request failed, retrying", "storm-1"))).toHaveLength(6);
    expect(server.logLines().filter(logged("tagguard: the run hit a transient fault, running it again", "storm-1"))).toHaveLength(1);

    const next = await deliver("next-1", 9);
    expect(next.status).toBe(200);
    expect((await fake.waitFor(reviewPosted(9))).body).toEqual(REVIEW);

    // The store's backoff after a first failed attempt: e¹ ≈ 2.7 s.
    expect((await fake.waitFor(reviewPosted(8))).body).toEqual(REVIEW);

    // A redelivery is recognised by its delivery id and adds nothing.
    expect((await deliver("storm-1", 8)).status).toBe(200);
    await server.waitForLog(logged("tagguard: delivery stored before, nothing added", "storm-1"));
    expect([7, 8, 9].map((n) => reviewsOn(n).length)).toEqual([1, 1, 1]);
    expect(server.output).not.toContain("ghs_e2e_installation_token");
  }, 60_000);

  it("on SIGTERM refuses new deliveries with 503, lets the running job finish, and exits", async () => {
    let release = (): void => undefined;
    proxy.inject(`GET ${API}/pulls/10/files`, { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) });
    const queued = await deliver("drain-1", 10);
    expect(queued.status).toBe(200);
    await proxy.waitFor((r) => r.path === `${API}/pulls/10/files?per_page=100`);

    const stopped = server.stop();
    await server.waitForLog(logged("tagguard: shutting down: refusing new deliveries, taking no new job"));

    const refused = await deliver("late-1", 11);
    expect([refused.status, JSON.parse(refused.text)]).toEqual([503, { error: "DeliveryRefused: tagguard is shutting down; redeliver later" }]);
    expect(await server.waitForLog(logged("tagguard: delivery refused while shutting down; redeliver it later"))).toMatchObject({
      level: 40,
      deliveryId: "late-1",
    });

    release();
    await stopped;
    expect(reviewsOn(10)).toEqual([REVIEW]);
    expect(reviewsOn(11)).toEqual([]);
    await server.waitForLog(logged("tagguard: running jobs finished"));
  });
});
