// (d) Server under load: the built App as a real `probot run ./lib/app/index.js` process, its GitHub API faked on
// 127.0.0.1 with 300 ms latency per response (and a fake registry with 100 ms for the package events). Sends
// correctly signed deliveries, a fixed number in flight at a time, and measures the acknowledgement latency, the time
// until every delivery's work has reached GitHub, whether each delivery was processed exactly once, and the
// server's memory.

import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addedPatch, commitSha, FakeGitHub } from "./fake-github.js";
import { FakeRegistry } from "./fake-registry.js";
import { appPrivateKey, collidingWorkflow, packagePayload, pullRequestPayload, repositoryFiles } from "./app-fixtures.js";
import { prng } from "./corpus.js";
import { percentile, procStats, ROOT, round, sleep, target } from "./support.js";
import { freePort, startEmbeddedPostgres } from "../lib/app/runtime/embedded-postgres.js";

const GITHUB_LATENCY_MS = 300;
const REGISTRY_LATENCY_MS = 100;
const SECRET = "bench-webhook-secret";
const CI = ".github/workflows/ci.yml";
const INSTALLATIONS = 10;
const REPOS_PER_INSTALLATION = 5;
/** Share of each delivery kind in the mix. */
const MIX = [
  ["pr-finding", 0.4],
  ["pr-noop", 0.2],
  ["package-image", 0.3],
  ["package-cache", 0.1],
];

/** The delivery kinds of a run: `count` drawn from MIX, in a seeded order. */
function mix(count, seed) {
  const r = prng(seed);
  const kinds = [];
  for (const [kind, share] of MIX) for (let k = 0; k < Math.round(count * share); k++) kinds.push(kind);
  while (kinds.length < count) kinds.push("pr-finding");
  kinds.length = count;
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  return kinds;
}

/** Builds the repositories, and for each delivery kind a delivery with everything the fakes must serve for it. */
function plan(seed, github, registry) {
  const repos = [];
  for (let i = 0; i < INSTALLATIONS; i++) {
    for (let j = 0; j < REPOS_PER_INSTALLATION; j++) {
      const owner = `org-${i}`;
      const repo = `svc-${j}`;
      const { files, extra } = repositoryFiles(8, seed + i * 31 + j);
      github.addRepo(owner, repo, { installation: 100 + i, files, extraPaths: extra });
      repos.push({ owner, repo, installation: 100 + i, files, extra, nextPull: 1, nextTag: 1 });
    }
  }
  let n = 0;
  return (kind) => {
    const repo = repos[n++ % repos.length];
    const { owner, installation } = repo;
    if (kind.startsWith("pr-")) {
      const number = repo.nextPull++;
      const head = commitSha(`${owner}/${repo.repo}#${number}`);
      if (kind === "pr-finding") {
        const ci = collidingWorkflow(`ghcr.io/${owner}/${repo.repo}-${number}`);
        github.putTree(head, { ...repo.files, [CI]: ci }, repo.extra);
        github.putPull(owner, repo.repo, number, { head, files: [{ filename: CI, status: "added", patch: addedPatch(ci) }] });
      } else {
        github.putTree(head, repo.files, repo.extra);
        github.putPull(owner, repo.repo, number, { head, files: [{ filename: "README.md", status: "modified", patch: "@@ -1,1 +1,2 @@\n # app\n+more" }] });
      }
      return { kind, event: "pull_request", owner, repo: repo.repo, number, payload: pullRequestPayload({ owner, repo: repo.repo, installation, number, head, changedFiles: 1 }) };
    }
    const name = `${owner}/${repo.repo}`;
    const tag = `v1.${repo.nextTag++}.0`;
    const root = kind === "package-image" ? registry.putMultiPlatformImage(name, tag, ["linux/amd64", "linux/arm64"]) : registry.putCacheManifest(name, tag);
    const manifest = { digest: root.digest, media_type: root.mediaType, size: root.size, config: { digest: "", media_type: "", size: 0 }, layers: [] };
    return {
      kind,
      event: "registry_package",
      owner,
      repo: repo.repo,
      name,
      tag,
      digest: root.digest,
      payload: packagePayload({ owner, repo: repo.repo, installation, name: repo.repo, tag, digest: root.digest, manifest }),
    };
  };
}

/** Writes that create something (check runs, reviews, issues) made more than once with the same body. */
function duplicateWrites(requests) {
  const seen = new Map();
  for (const q of requests) {
    if (q.method !== "POST" || !/\/(check-runs|reviews|issues)$/.test(q.path)) continue;
    const key = `${q.path} ${JSON.stringify(q.body)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}

/** Whether the fakes have seen the request that ends each delivery's work (per kind), and how often. */
function outcomes(deliveries, github, registry) {
  const count = (pred) => github.requests.filter(pred).length;
  const manifestFetches = new Map();
  for (const r of registry.requests) {
    const m = /^\/v2\/(.+)\/manifests\/(sha256:[0-9a-f]{64})$/.exec(r.path);
    if (m && r.status === 200) manifestFetches.set(`${m[1]}@${m[2]}`, (manifestFetches.get(`${m[1]}@${m[2]}`) ?? 0) + 1);
  }
  const repoPath = (d) => `/repos/${d.owner}/${d.repo}`;
  return deliveries.map((d) => {
    switch (d.kind) {
      case "pr-finding":
        return count((q) => q.route === "POST review" && q.path === `${repoPath(d)}/pulls/${d.number}/reviews`);
      case "pr-noop":
        return count((q) => q.route === "GET pull files" && q.path === `${repoPath(d)}/pulls/${d.number}/files`);
      case "package-image":
        return manifestFetches.get(`${d.name}@${d.digest}`) ?? 0;
      case "package-cache":
        return count((q) => q.route === "POST issue" && q.path === `${repoPath(d)}/issues` && String(q.body?.title ?? "").includes(d.tag));
      default:
        return 0;
    }
  });
}

async function waitForPing(port, child, output, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`probot exited with ${child.exitCode}:\n${output.join("").slice(-3000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`probot did not answer /ping:\n${output.join("").slice(-3000)}`);
}

/** Starts `probot run lib/app/index.js` on a free port; its output is collected in `output`. */
async function startServer({ githubPort, registry, serverEnv, cwd }) {
  const port = await freePort();
  const output = [];
  const child = spawn(join(ROOT, "node_modules", ".bin", "probot"), ["run", join(ROOT, "lib", "app", "index.js")], {
    cwd,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: "123",
      PRIVATE_KEY: appPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: `127.0.0.1:${githubPort}`,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      TAGGUARD_REGISTRY_URL: `http://${registry.host}`,
      ...serverEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => output.push(d.toString("utf8")));
  child.stderr.on("data", (d) => output.push(d.toString("utf8")));
  return { child, port, output };
}

async function stopServer({ child }) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(30_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

/**
 * `replicas` 1: one server with its embedded store (no `DATABASE_URL`, as `npm start` runs). `replicas` 2: two servers
 * sharing one PostgreSQL (an embedded server the benchmark starts), every delivery sent to both with the same
 * delivery id, as a load balancer retrying on the other instance would.
 */
export async function serverLoad({ quick, seed, serverEnv = {}, deliveries: requested, inFlight: requestedInFlight, replicas = 1 }) {
  const count = requested ?? (quick ? 20 : 500);
  const inFlight = requestedInFlight ?? (quick ? 20 : 50);
  // Probot's throttling sends writes and GraphQL queries one per second per installation in each process: a full
  // run's work took 6 to 9 minutes with one instance (2026-12-07); the wait is sized well beyond that.
  const doneTimeoutMs = quick ? 60_000 : 2_400_000;
  const github = new FakeGitHub();
  const registry = await new FakeRegistry(REGISTRY_LATENCY_MS).start();
  const githubPort = await github.listen(GITHUB_LATENCY_MS);
  const delivery = plan(seed, github, registry);
  const warmUp = MIX.map(([kind]) => delivery(kind));
  const deliveries = mix(count, seed).map(delivery);
  const cwd = mkdtempSync(join(tmpdir(), "tagguard-bench-"));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must reach its data directory.
  chmodSync(cwd, 0o755);
  const shared = replicas > 1 ? await startEmbeddedPostgres({ dataDir: join(cwd, "shared-store") }) : undefined;
  const servers = [];
  const peaks = [];
  let cpuSeconds = 0;
  const poll = setInterval(() => {
    servers.forEach((srv, i) => {
      const s = procStats(srv.child.pid);
      if (s) {
        peaks[i] = Math.max(peaks[i] ?? 0, s.hwmKiB / 1024);
        srv.cpuSeconds = s.cpuSeconds;
      }
    });
  }, 100);
  try {
    for (let i = 0; i < replicas; i++) {
      const env = { ...(shared ? { DATABASE_URL: shared.connectionString } : { TAGGUARD_DATA_DIR: join(cwd, `store-${i}`) }), ...serverEnv };
      servers.push(await startServer({ githubPort, registry, serverEnv: env, cwd }));
    }
    for (const srv of servers) await waitForPing(srv.port, srv.child, srv.output, Date.now() + 20_000);
    // Deliveries go out through node:http with a keep-alive agent per server: `fetch` (undici, web streams) costs the
    // sender several times the CPU per request, and at 50 in flight it kept this process's core busy, so its own queue
    // was most of the measured time.
    const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: inFlight }));
    const post = (port, agent, headers, body) =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/api/github/webhooks", method: "POST", agent, headers }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
      });
    /** Sends `d` to every server (same delivery id); the acknowledgement time is the slowest answer's. */
    const send = async (d) => {
      const body = Buffer.from(JSON.stringify(d.payload));
      const headers = {
        "content-type": "application/json",
        "content-length": body.length,
        "x-github-event": d.event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      };
      const t = performance.now();
      const answers = await Promise.all(servers.map(({ port }, i) => post(port, agents[i], headers, body)));
      d.status = answers.every((st) => st === answers[0]) ? answers[0] : Math.max(...answers);
      return performance.now() - t;
    };

    // Warm-up: one delivery of each kind, one at a time, each finished before the next (start-up costs such as
    // loading modules on first use are paid here, not in the measured burst).
    const coldAcks = [];
    for (const d of warmUp) {
      coldAcks.push(await send(d));
      const until = Date.now() + 30_000;
      while (Date.now() < until && outcomes([d], github, registry)[0] < 1) await sleep(50);
    }
    const idleRss = Math.max(...servers.map((srv) => procStats(srv.child.pid)?.rssKiB ?? 0));
    const warmRequests = { github: github.requests.length, registry: registry.requests.length };

    const acks = [];
    const statuses = {};
    const started = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++];
        acks.push(await send(d));
        statuses[d.status] = (statuses[d.status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, sender));
    const sentMs = performance.now() - started;
    for (const agent of agents) agent.destroy();

    const accepted = deliveries.filter((d) => d.status === 200 || d.status === 202);
    let doneMs;
    const deadline = Date.now() + doneTimeoutMs;
    while (Date.now() < deadline) {
      const seen = outcomes(accepted, github, registry);
      if (seen.every((n) => n >= 1)) {
        doneMs = performance.now() - started;
        break;
      }
      await sleep(100);
    }
    // Quiet period: anything still arriving (duplicates, retries) is counted too.
    let last = github.requests.length + registry.requests.length;
    for (let quiet = 0; quiet < 3 && Date.now() < deadline + 10_000; ) {
      await sleep(1000);
      const now = github.requests.length + registry.requests.length;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
    servers.forEach((srv, i) => {
      const s = procStats(srv.child.pid);
      if (s) peaks[i] = Math.max(peaks[i] ?? 0, s.hwmKiB / 1024);
    });
    const peakRssMiB = Math.max(...peaks.map((p) => p ?? 0));
    cpuSeconds = servers.reduce((n, srv) => n + (srv.cpuSeconds ?? 0), 0);

    const seen = outcomes(deliveries, github, registry);
    const byKind = {};
    deliveries.forEach((d, i) => {
      const k = (byKind[d.kind] ??= { sent: 0, accepted: 0, once: 0, never: 0, more: 0 });
      k.sent += 1;
      if (d.status === 200 || d.status === 202) {
        k.accepted += 1;
        if (seen[i] === 1) k.once += 1;
        else if (seen[i] === 0) k.never += 1;
        else k.more += 1;
      }
    });
    const onceTotal = Object.values(byKind).reduce((n, k) => n + k.once, 0);
    const measured = github.requests.slice(warmRequests.github);
    const writes = measured.filter((q) => q.kind === "write");
    const unrouted = [...new Set(github.requests.filter((q) => q.route === "unrouted").map((q) => `${q.method} ${q.path.replace(/[0-9a-f]{40}/g, "<sha>")}`))];
    const errors = servers
      .flatMap((srv) => srv.output.join("").split("\n"))
      .filter((l) => /"level":(50|60)/.test(l));
    const p50 = percentile(acks, 50);
    const p99 = percentile(acks, 99);
    const rows = Object.entries(byKind).map(([kind, k]) => [kind, k.sent, k.accepted, k.once, k.never, k.more]);
    rows.push(["all", deliveries.length, accepted.length, onceTotal, rows.reduce((n, r) => n + r[4], 0), rows.reduce((n, r) => n + r[5], 0)]);
    const summary = [
      ["ack latency p50 ms", round(p50, 1)],
      ["ack latency p99 ms", round(p99, 1)],
      ["ack latency max ms", round(Math.max(...acks), 1)],
      ["warm-up acks (cold start, one at a time) ms", coldAcks.map((a) => round(a, 0)).join(", ")],
      ["ack statuses", JSON.stringify(statuses)],
      ["all deliveries sent and acked after, s", round(sentMs / 1000, 2)],
      ["all work done after, s", doneMs === undefined ? `not within ${doneTimeoutMs / 1000} s` : round(doneMs / 1000, 2)],
      ["GitHub API requests (writes)", `${measured.length} (${writes.length})`],
      ["registry requests", registry.requests.length - warmRequests.registry],
      [replicas > 1 ? "largest server RSS after warm-up / peak MiB" : "server RSS after warm-up / peak MiB", `${round((idleRss ?? 0) / 1024, 0)} / ${round(peakRssMiB, 0)}`],
      [replicas > 1 ? "servers' CPU s (together)" : "server CPU s", round(cpuSeconds, 1)],
      ["duplicate writes (the same review, check run or issue posted twice)", duplicateWrites(measured)],
      ["error log lines", errors.length],
    ];
    return {
      title: `(d) Server under load — ${replicas > 1 ? `${replicas} replicas of probot run lib/app/index.js on one PostgreSQL, each delivery sent to every replica` : "probot run lib/app/index.js, embedded store"}, ${count} signed deliveries, ${inFlight} in flight, GitHub API +${GITHUB_LATENCY_MS} ms, registry +${REGISTRY_LATENCY_MS} ms`,
      columns: ["delivery kind", "sent", "accepted", "processed once", "not processed", "processed twice+"],
      rows,
      extraTable: { columns: ["measure", "value"], rows: summary },
      notes: [
        "Processed = the request that ends the delivery's work reached the fake: pr-finding → POST review on its pull request; pr-noop → GET files of its pull request; package-image → registry GET of its digest; package-cache → POST issue naming its tag.",
        `Repositories: ${INSTALLATIONS * REPOS_PER_INSTALLATION} (${INSTALLATIONS} installations), 8 workflow-related files each; every delivery has its own pull request or image tag.`,
        `Before the measured burst, ${warmUp.length} warm-up deliveries (one per kind) were sent one at a time and finished; they are not counted above.`,
        ...(unrouted.length ? [`Requests the fake GitHub does not know (answered 404): ${unrouted.join(", ")}`] : []),
        ...(errors.length ? [`First error logged by the server: ${errors[0].slice(0, 400)}`] : []),
        ...(Object.keys(serverEnv).length ? [`Server environment overrides: ${JSON.stringify(serverEnv)}`] : []),
      ],
      targets: [
        target("ack latency p99, ms", round(p99, 1), 200, "<"),
        target("deliveries processed exactly once", onceTotal, deliveries.length, ">=", ` of ${deliveries.length}`),
        target("server peak RSS, MiB", round(peakRssMiB, 0), 250, "<"),
      ],
      data: { replicas, count, inFlight, statuses, acks: { p50, p99, max: Math.max(...acks) }, coldAcks, sentMs, doneMs, byKind, requests: github.count((q) => q.at >= started), registryRequests: registry.requests.length - warmRequests.registry, peakRssMiB, idleRssMiB: (idleRss ?? 0) / 1024, cpuSeconds, unrouted, errorLines: errors.length },
    };
  } finally {
    clearInterval(poll);
    await Promise.all(servers.map(stopServer));
    await shared?.stop();
    await github.stop();
    await registry.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}
