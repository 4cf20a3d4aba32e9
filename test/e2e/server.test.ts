import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { freePort } from "../../src/app/runtime/embedded-postgres.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ciComment, repoCheck, repoReviewBody } from "../app/engine-expectations.js";
import { fixtureRepo, hunkPatch, privateKey } from "../app/harness.js";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
import { APP_ROUTES, FakeGitHub, type RecordedRequest } from "./fake-github.js";

/**
 * Runs the built App (`lib/`, produced by `npm test` / `npm run build`) as a real `probot run`
 * process against a fake GitHub API, and talks to it over HTTP like GitHub does.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP = join(ROOT, "lib", "app", "index.js");
const SECRET = "e2e-webhook-secret";
const HEAD = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
const CI = ".github/workflows/ci.yml";
const repo = fixtureRepo("repo");
const API = "/api/v3/repos/acme/app";

const fake = new FakeGitHub({
  ...APP_ROUTES,
  [`GET ${API}/pulls/7/files?per_page=100`]: {
    status: 200,
    body: [{ filename: CI, status: "modified", additions: 1, deletions: 0, changes: 1, patch: hunkPatch(repo[CI], 17, 21, 21) }],
  },
  "POST /api/graphql": (req) => ({
    status: 200,
    body: answerGraphql({ trees: new Map([[HEAD, repo]]), ownerConfig: null, pull: { headSha: HEAD } }, req.body as GraphqlRequest),
  }),
  [`POST ${API}/pulls/7/reviews`]: { status: 200, body: { id: 1 } },
  [`POST ${API}/check-runs`]: { status: 201, body: { id: 9, html_url: "https://github.com/acme/app/runs/9" } },
  [`PATCH ${API}/check-runs/9`]: { status: 200, body: { id: 9 } },
});

const payload = JSON.stringify({
  action: "opened",
  number: 7,
  pull_request: {
    number: 7,
    state: "open",
    draft: false,
    changed_files: 1,
    head: { sha: HEAD, ref: "feature", repo: { name: "app-fork", full_name: "contributor/app-fork", owner: { login: "contributor" } } },
    base: { sha: "0000000000000000000000000000000000000000", ref: "main", repo: { name: "app", full_name: "acme/app", owner: { login: "acme" } } },
  },
  repository: { id: 1, name: "app", full_name: "acme/app", owner: { login: "acme" }, html_url: "https://github.com/acme/app" },
  installation: { id: 42 },
  sender: { login: "contributor", type: "User" },
});

let child: ChildProcess;
let port: number;
let cwd: string;
let output = "";

async function waitForPing(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`probot exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ping`);
      if (res.ok && (await res.text()) === "PONG") return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`probot did not answer /ping:\n${output}`);
}

function deliver(body: string, signature: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });
}

const sign = (body: string, secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

beforeAll(async () => {
  if (!existsSync(APP)) throw new Error(`${APP} is missing: build first (npm test runs \`tsc -p tsconfig.build.json\`)`);
  const fakePort = await fake.start();
  port = await freePort();
  cwd = mkdtempSync(join(tmpdir(), "tagguard-e2e-"));
  // No DATABASE_URL: the embedded PostgreSQL under cwd/.tagguard, as `npm start` runs on a fresh machine. As root it
  // runs as the `postgres` user, which must reach the data directory.
  chmodSync(cwd, 0o755);
  child = spawn(join(ROOT, "node_modules", ".bin", "probot"), ["run", APP], {
    cwd,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: "123",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: `127.0.0.1:${fakePort}`,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  await waitForPing(Date.now() + 15_000);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await fake.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("probot run ./lib/app/index.js", () => {
  it("refuses a wrongly signed delivery and calls no API", async () => {
    const res = await deliver(payload, sign(payload, "not-the-secret"));

    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls).toEqual([]);
  });

  it("reviews a correctly signed pull_request delivery through the GitHub API", async () => {
    const res = await deliver(payload, sign(payload, SECRET));
    expect(res.status).toBe(200);

    const review: RecordedRequest = await fake.waitFor((r) => r.method === "POST" && r.url === `${API}/pulls/7/reviews`);
    expect(review.authorization).toBe("token ghs_e2e_installation_token");
    expect(review.body).toEqual({
      commit_id: HEAD,
      event: "COMMENT",
      body: repoReviewBody(HEAD, "https://github.com/acme/app/runs/9"),
      comments: [{ path: CI, line: 21, side: "RIGHT", body: ciComment(HEAD) }],
    });
    expect(fake.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /api/v3/app/installations/42/access_tokens",
      `GET ${API}/pulls/7/files?per_page=100`,
      `POST ${API}/check-runs`,
      // The files listed and the changed one read, then the other listed files read.
      "POST /api/graphql",
      "POST /api/graphql",
      `PATCH ${API}/check-runs/9`,
      "GET /api/v3/app",
      `POST ${API}/pulls/7/reviews`,
    ]);
    expect(fake.requests.filter((r) => r.url.startsWith(`${API}/check-runs`)).map((r) => r.body)).toEqual([
      { name: "tagguard", head_sha: HEAD, external_id: HEAD, status: "in_progress" },
      repoCheck(HEAD),
    ]);
    expect(output).not.toContain("ghs_e2e_installation_token");
  });
});
