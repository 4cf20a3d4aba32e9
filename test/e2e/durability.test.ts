import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabase } from "../support/database.js";
import { FaultProxy } from "./faults-proxy.js";
import { ProbotProcess } from "./probot-process.js";
import { reviewWorld } from "./review-world.js";

/**
 * The built App as a real `probot run` process, stopped the hard way: SIGKILL in the middle of a job, and SIGTERM
 * with jobs still queued. An acknowledged delivery is never lost: after the restart every one is reviewed, once.
 */

const { fake, reviewsOn, REVIEW, API, payload } = reviewWorld([1, 2, 3, 4]);
let proxy: FaultProxy;

const SECRET = "e2e-durability-secret";
const logged = (msg: string) => (l: Record<string, unknown>) => l.msg === msg;

/** Every server started, stopped after the tests whatever happened to them. */
const started: ProbotProcess[] = [];

async function start(o: { database: string; cwd?: string; env?: Record<string, string>; checked?: boolean }): Promise<ProbotProcess> {
  const server = await ProbotProcess.start({ githubPort: proxy.port, webhookSecret: SECRET, ...o, env: { TAGGUARD_GITHUB_BACKOFF_MS: "10", ...o.env } });
  started.push(server);
  return server;
}

beforeAll(async () => {
  proxy = await FaultProxy.start(`http://127.0.0.1:${await fake.start()}`);
});

afterAll(async () => {
  await Promise.all(started.map((server) => server.kill("SIGTERM")));
  await proxy?.stop();
  await fake.stop();
});

describe("a server that is stopped", () => {
  it("after kill -9 in the middle of a job, runs the job again at the next start (embedded store), and reviews once", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "tagguard-e2e-kill-"));
    try {
      let release = (): void => undefined;
      proxy.inject(`GET ${API}/pulls/1/files`, { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) });
      const first = await start({ database: "embedded", cwd });
      expect((await first.deliver("pull_request", payload(1), { id: "kill-1" })).status).toBe(200);
      await proxy.waitFor((r) => r.path === `${API}/pulls/1/files?per_page=100`);

      expect(await first.kill("SIGKILL")).toBeNull();
      release();

      // The same data directory: the embedded PostgreSQL the killed process left running is stopped and started
      // again, and the killed process's job is released at once (nothing else can use an embedded store).
      const second = await start({ database: "embedded", cwd });
      try {
        expect((await fake.waitFor((r) => r.method === "POST" && r.url === `${API}/pulls/1/reviews`)).body).toEqual(REVIEW);
        await second.waitForLog(logged("tagguard: released the jobs of processes whose lease ran out; they run again"));
        expect((await second.get("/ready")).status).toBe(200);
      } finally {
        expect(await second.kill("SIGTERM")).toBe(0);
      }
      expect(reviewsOn(1)).toEqual([REVIEW]);
      // A clean shutdown logs no error: the store is closed before its embedded server stops.
      expect(second.logLines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it("started as `npm start` does, with nothing to do, stops on SIGTERM with exit 0 and logs no error", async () => {
    const server = await start({ database: "embedded", checked: true });
    expect((await server.get("/ready")).status).toBe(200);
    expect(await server.kill("SIGTERM")).toBe(0);
    expect(server.logLines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(server.output).toContain("tagguard: running jobs finished");
  }, 30_000);

  // Probot's throttling spaces the reviews (3 s apart): three take about 10 s.
  it("on SIGTERM with jobs queued, releases the running one at its shutdown timeout, and loses none: all run after the restart", async () => {
    const database = await freshDatabase();
    let release = (): void => undefined;
    proxy.inject(`GET ${API}/pulls/2/files`, { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) });
    const env = { TAGGUARD_CONCURRENCY: "1", TAGGUARD_SHUTDOWN_TIMEOUT_MS: "500" };
    const first = await start({ database, env });
    // One repository: the jobs run one at a time, pull request 2's first and held.
    for (const n of [2, 3, 4]) expect((await first.deliver("pull_request", payload(n), { id: `term-${n}` })).status).toBe(200);
    await proxy.waitFor((r) => r.path === `${API}/pulls/2/files?per_page=100`);

    expect(await first.kill("SIGTERM")).toBe(1);
    await first.waitForLog(logged("tagguard: shutdown timed out; the running jobs were released and run again on another replica or after the restart"));
    expect([2, 3, 4].map((n) => reviewsOn(n).length)).toEqual([0, 0, 0]);
    release();
    const second = await start({ database });
    try {
      for (const n of [2, 3, 4]) await fake.waitFor((r) => r.method === "POST" && r.url === `${API}/pulls/${n}/reviews`);
    } finally {
      await second.stop();
    }
    expect([2, 3, 4].map((n) => reviewsOn(n))).toEqual([[REVIEW], [REVIEW], [REVIEW]]);
  }, 120_000);
});
