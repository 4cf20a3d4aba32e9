import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { toRedeliver } from "../../src/app/runtime/recovery.js";
import { FakeGitHub } from "./fake-github.js";
import { ProbotProcess } from "./probot-process.js";

/**
 * The delivery-recovery sweep of the built App (`probot run`) against a fake GitHub delivery log: failed deliveries
 * the store has no job for are resent, each once, across sweeps.
 */

const now = new Date().toISOString();
const old = new Date(Date.now() - 4 * 24 * 60 * 60 * 1000).toISOString();
const entry = (id: number, guid: string, status_code: number, delivered_at = now) => ({
  id,
  guid,
  delivered_at,
  redelivery: false,
  duration: 0.1,
  status: status_code === 200 ? "OK" : "failed",
  status_code,
  event: "ping",
  action: null,
  installation_id: 42,
  repository_id: 1,
});

const LOG = [
  entry(11, "refused-in-shutdown", 503),
  entry(12, "stored-already", 502),
  entry(13, "delivered", 200),
  entry(14, "failed-twice", 0),
  entry(15, "failed-twice", 503),
  entry(16, "failed-then-delivered", 500),
  entry(17, "failed-then-delivered", 200),
  entry(18, "too-old", 503, old),
];

/** The log GitHub shows: empty until the test has stored a delivery of its own. */
let shown: typeof LOG = [];
const fake = new FakeGitHub({
  "GET /api/v3/app/hook/deliveries?per_page=100": () => ({ status: 200, body: shown }),
  "POST /api/v3/app/hook/deliveries/11/attempts": { status: 202, body: {} },
  "POST /api/v3/app/hook/deliveries/15/attempts": { status: 202, body: {} },
});
let server: ProbotProcess;
const SECRET = "e2e-recovery-secret";

beforeAll(async () => {
  server = await ProbotProcess.start({ githubPort: await fake.start(), webhookSecret: SECRET, env: { TAGGUARD_RECOVERY_INTERVAL_MS: "200" } });
});

afterAll(async () => {
  await server?.stop();
  await fake.stop();
});

describe("toRedeliver", () => {
  it("picks, per delivery no attempt delivered and the store has no job for, its latest attempt", () => {
    expect(toRedeliver(LOG, new Set(["stored-already"])).map((d) => d.id)).toEqual([11, 15, 18]);
  });
});

describe("the recovery sweep", () => {
  it("asks GitHub to resend the failed deliveries of the last 3 days that have no job, once", async () => {
    // A delivery the store has (an npm package event, skipped by the watcher): the log lists a failed attempt of it.
    const npm = { action: "published", registry_package: { package_type: "npm", name: "lib", owner: { login: "acme" } } };
    expect((await server.deliver("registry_package", JSON.stringify(npm), { id: "stored-already" })).status).toBe(200);
    shown = LOG;
    const lists = () => fake.requests.filter((r) => r.url === "/api/v3/app/hook/deliveries?per_page=100").length;
    const before = lists();
    // Three more sweeps after the delivery was stored.
    while (lists() < before + 3) await new Promise((r) => setTimeout(r, 50));

    const resent = fake.requests.filter((r) => r.method === "POST").map((r) => r.url);
    expect(resent).toEqual(["/api/v3/app/hook/deliveries/11/attempts", "/api/v3/app/hook/deliveries/15/attempts"]);
    expect(server.logLines().filter((l) => l.msg === "tagguard: asked GitHub to resend a failed delivery").map((l) => [l.deliveryId, l.attempt])).toEqual([
      ["refused-in-shutdown", 11],
      ["failed-twice", 15],
    ]);
  });
});
