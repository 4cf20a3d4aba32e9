// (b) PR handler API budget: the real App (`createApp` with the real engine) driven through `Probot.receive`, its
// GitHub API served in-process by the fake at zero latency. Counts reads, writes and auth calls per scenario and the
// handler time from delivery to the App's work queue being idle.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { addedPatch, appendedPatch, commitSha, FakeGitHub } from "./fake-github.js";
import { appPrivateKey, collidingWorkflow, pullRequestPayload, repositoryFiles } from "./app-fixtures.js";
import { round, target, withTimeout } from "./support.js";

const OWNER = "acme";
const REPO = "app";
const INSTALLATION = 42;
const CI = ".github/workflows/ci.yml";

/**
 * Apps started by the scenarios, on one store of this run: an embedded PostgreSQL in a new temporary directory, so
 * the delivery ids of an earlier run (kept in `./.tagguard`) are not taken for redeliveries and skipped. The previous
 * scenario's app is stopped before the next starts, the last one and the store at the end, so the process exits.
 */
const started = [];
let store;

async function stopApps() {
  for (const app of started.splice(0)) await app.stop();
}

async function startApp(fake, privateKey) {
  await stopApps();
  const { createApp } = await import("../lib/app/app.js");
  const engine = await import("../lib/engine/index.js");
  const Octokit = ProbotOctokit.defaults((o) => ({ ...o, request: { ...o.request, fetch: fake.fetch }, retry: { enabled: false }, throttle: { enabled: false } }));
  const probot = new Probot({ appId: 123, privateKey, log: pino({ level: "silent" }), Octokit });
  const app = createApp(engine, { store });
  await probot.load(app);
  started.push(app);
  return { probot, app };
}

/** Delivers one pull_request event and waits until the App has finished the work it queued. */
async function deliver(env, id, payload) {
  const before = env.fake.requests.length;
  const started = performance.now();
  await withTimeout(
    (async () => {
      await env.probot.receive({ id, name: "pull_request", payload });
      await env.app.work?.idle();
    })(),
    60_000,
    `delivery ${id}`,
  );
  const handlerMs = performance.now() - started;
  const calls = env.fake.requests.slice(before);
  const by = (kind) => calls.filter((c) => c.kind === kind).length;
  const sequence = [];
  for (const c of calls) {
    const last = sequence.at(-1);
    if (last && last.route === c.route) last.n += 1;
    else sequence.push({ route: c.route, n: 1, status: c.status });
  }
  return {
    reads: by("read"),
    writes: by("write"),
    auth: by("auth"),
    unrouted: calls.filter((c) => c.route === "unrouted").map((c) => `${c.method} ${c.path}`),
    handlerMs,
    calls: sequence.map((s) => `${s.route}${s.n > 1 ? ` ×${s.n}` : ""}`),
  };
}

/** A repository with `size` workflow-related files at main; returns the fake and the base files. */
function repository(size, seed) {
  const fake = new FakeGitHub();
  const { files, extra } = repositoryFiles(size, seed);
  fake.addRepo(OWNER, REPO, { installation: INSTALLATION, files, extraPaths: extra });
  return { fake, files, extra };
}

const payload = (number, head, changedFiles, action = "opened") =>
  pullRequestPayload({ owner: OWNER, repo: REPO, installation: INSTALLATION, number, head, action, changedFiles });

export async function prBudget(options) {
  const { Store } = await import("../lib/app/runtime/store.js");
  const dataDir = mkdtempSync(join(tmpdir(), "tagguard-pr-budget-"));
  try {
    store = await Store.open({ TAGGUARD_DATA_DIR: dataDir });
    return await scenarios(options);
  } finally {
    await stopApps();
    await store?.close();
    store = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function scenarios({ seed }) {
  const privateKey = appPrivateKey();
  const rows = [];
  const results = {};
  const record = (name, r) => {
    results[name] = r;
    rows.push([name, r.reads, r.writes, r.auth, r.reads + r.writes, round(r.handlerMs, 1)]);
  };

  // 1. A pull request that touches no workflow-related file.
  {
    const { fake, files, extra } = repository(10, seed);
    const head = commitSha("noop");
    fake.putTree(head, files, extra);
    fake.putPull(OWNER, REPO, 1, { head, files: [{ filename: "README.md", status: "modified", patch: "@@ -1,1 +1,2 @@\n # app\n+more" }] });
    const env = { fake, ...(await startApp(fake, privateKey)) };
    record("no-op PR (README only), repo with 10 workflow files", await deliver(env, "noop-1", payload(1, head, 1)));
  }

  // 2 and 3. First push adding one workflow with a finding, then a re-push with the same findings.
  {
    const { fake, files, extra } = repository(10, seed);
    const ci = collidingWorkflow(`ghcr.io/${OWNER}/${REPO}`);
    const head1 = commitSha("first");
    fake.putTree(head1, { ...files, [CI]: ci }, extra);
    fake.putPull(OWNER, REPO, 2, { head: head1, files: [{ filename: CI, status: "added", patch: addedPatch(ci) }] });
    const env = { fake, ...(await startApp(fake, privateKey)) };
    record("first push: 1 workflow added, repo with 10 workflow files", await deliver(env, "first-1", payload(2, head1, 1)));

    const ci2 = `${ci}# rebuilt\n`;
    const head2 = commitSha("second");
    fake.putTree(head2, { ...files, [CI]: ci2 }, extra);
    fake.putPull(OWNER, REPO, 2, { head: head2, files: [{ filename: CI, status: "added", patch: addedPatch(ci2) }] });
    record("re-push (synchronize), same findings", await deliver(env, "first-2", payload(2, head2, 1, "synchronize")));
  }

  // 4. The same first push in a repository ten times larger: reads should not grow with the repository.
  {
    const { fake, files, extra } = repository(100, seed);
    const ci = collidingWorkflow(`ghcr.io/${OWNER}/${REPO}`);
    const head = commitSha("large");
    fake.putTree(head, { ...files, [CI]: ci }, extra);
    fake.putPull(OWNER, REPO, 3, { head, files: [{ filename: CI, status: "added", patch: addedPatch(ci) }] });
    const env = { fake, ...(await startApp(fake, privateKey)) };
    record("first push: 1 workflow added, repo with 100 workflow files", await deliver(env, "large-1", payload(3, head, 1)));
  }

  // 5. A pull request touching 50 workflows.
  {
    const { fake, files, extra } = repository(60, seed);
    const touched = Object.keys(files).filter((p) => p.startsWith(".github/workflows/")).slice(0, 50);
    const changed = { ...files };
    for (const p of touched) changed[p] = `${files[p]}# touched\n`;
    const head = commitSha("fifty");
    fake.putTree(head, changed, extra);
    fake.putPull(OWNER, REPO, 4, { head, files: touched.map((p) => ({ filename: p, status: "modified", patch: appendedPatch(changed[p]) })) });
    const env = { fake, ...(await startApp(fake, privateKey)) };
    record(`PR touching ${touched.length} workflows, repo with 60 workflow files`, await deliver(env, "fifty-1", payload(4, head, touched.length)));
  }

  const [noop, first, repush, large] = Object.values(results);
  const unrouted = Object.values(results).flatMap((r) => r.unrouted);
  return {
    title: "(b) PR handler API budget — real App + engine via Probot.receive, GitHub API faked in-process (0 ms latency)",
    columns: ["scenario", "reads", "writes", "auth", "reads+writes", "handler ms"],
    rows,
    notes: [
      "auth = installation token + GET /app (bot login); both are cached per process, so they appear on the first delivery only.",
      "Calls in order:",
      ...Object.entries(results).map(([name, r]) => `- ${name}: ${r.calls.join(", ")}`),
      ...(unrouted.length ? [`Requests the fake does not know (answered 404): ${[...new Set(unrouted)].join(", ")}`] : []),
    ],
    targets: [
      target("no-op PR: writes", noop.writes, 0, "<="),
      target("first push touching one workflow: API calls (reads+writes)", first.reads + first.writes, 5, "<="),
      target("re-push with the same findings: writes", repush.writes, 0, "<="),
      target("reads in a 100-file repo minus reads in a 10-file repo (same change)", large.reads - first.reads, 0, "<="),
    ],
    data: results,
  };
}
