import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import nock from "nock";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
import { createApp } from "../../src/app/app.js";
import { classifyGitHubFault, DEFAULT_GITHUB_RETRY_POLICY, type GitHubRetryPolicy, retryPause } from "../../src/app/github/octokit.js";
import * as engine from "../../src/engine/index.js";
import { checkCalls, type CheckCalls, inProgress, mockCheckLookup, mockCheckRun } from "./check-mocks.js";
import { CI, ciComment, repoCheck, repoReviewBody } from "./engine-expectations.js";
import {
  api,
  deliver,
  fixtureRepo,
  HEAD,
  hunkPatch,
  type LogLines,
  mockBotLogin,
  mockPosted,
  mockPrFiles,
  mockRepoAt,
  mockReview,
  mockToken,
  newProbot,
  runWaitingJobs,
  NUMBER,
  type Posted,
  pullRequestPayload,
  recordUnmatched,
  REPO_PATH,
} from "./harness.js";

/**
 * GitHub API faults during a pull request review, with the real engine and the retry policy on (pauses recorded
 * instead of waited, jitter fixed at ×1): 5xx storms, secondary rate limits, 404, 422, a hanging request, and the
 * work queue refusing deliveries. Each case checks that nothing is posted twice, nothing is lost (the run completes
 * after a retry or on redelivery), and the logs carry the delivery id and the reason.
 */

const repo = fixtureRepo("repo");
const ciPatch = hunkPatch(repo[CI], 17, 21, 21);
const FILES_URL = `https://api.github.com${REPO_PATH}/pulls/${NUMBER}/files?per_page=100`;
const SECONDARY = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };
const REVIEW = { commit_id: HEAD, event: "COMMENT", body: repoReviewBody(), comments: [{ path: CI, line: 21, side: "RIGHT", body: ciComment() }] };

let unmatched: ReturnType<typeof recordUnmatched>;
let pauses: number[];
let logs: LogLines;

beforeEach(() => {
  nock.cleanAll();
  unmatched = recordUnmatched();
  pauses = [];
  logs = [];
});

afterEach(() => {
  nock.abortPendingRequests();
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
});

function policy(overrides: Partial<GitHubRetryPolicy> = {}): Partial<GitHubRetryPolicy> {
  return {
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
}

function app(overrides: Partial<GitHubRetryPolicy> = {}) {
  return createApp(engine, { github: policy(overrides) });
}

interface Flow {
  checkId?: number;
  /** False when the blobs are cached from an earlier run. */
  blobs?: boolean;
  posted?: { comments: Posted[]; reviews: Posted[] };
}

/** Everything one review run reads before posting, up to and including the posted-state reads. */
function mockReads(scope: nock.Scope, checks: CheckCalls, flow: Flow = {}): void {
  mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
  mockCheckRun(scope, checks, 1, flow.checkId);
  mockRepoAt(scope, HEAD, repo);
  mockPosted(scope, flow.posted?.comments, flow.posted?.reviews);
}

const failures = () => logs.filter((l) => l.msg === "tagguard: handling the event failed");

function retries(): unknown[] {
  return logs
    .filter((l) => l.msg === "tagguard: GitHub request failed, retrying")
    .map((l) => ({ deliveryId: l.deliveryId, attempt: l.attempt, pauseMs: l.pauseMs, fault: l.fault, status: (l.error as { status?: unknown }).status }));
}

function reruns(): unknown[] {
  return logs
    .filter((l) => l.msg === "tagguard: the run hit a transient fault, running it again")
    .map((l) => ({ deliveryId: l.deliveryId, run: l.run, pauseMs: l.pauseMs, status: (l.error as { status?: unknown }).status }));
}

describe("GitHub API faults during a review", () => {
  it("retries a 500 and a 502 on a read with exponential backoff, then posts one review", async () => {
    const probot = await newProbot(app(), logs);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    scope.post("/graphql").reply(500, { message: "Server Error" });
    scope.post("/graphql").reply(502, "<html>Bad Gateway</html>", { "content-type": "text/html" });
    mockReads(scope, checks);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toEqual([REVIEW]);
    expect(pauses).toEqual([1000, 2000]);
    expect(retries()).toEqual([
      { deliveryId: "delivery-1", attempt: 1, pauseMs: 1000, fault: "server", status: 500 },
      { deliveryId: "delivery-1", attempt: 2, pauseMs: 2000, fault: "server", status: 502 },
    ]);
    expect(failures()).toEqual([]);
    expect(checks.updates).toEqual([repoCheck()]);
  });

  it("gives up on a 500 storm after bounded retries in the run, and the store runs the job again after its backoff", async () => {
    const probot = await newProbot(app(), logs);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    scope.get(`${REPO_PATH}/pulls/${NUMBER}/files`).query({ per_page: 100 }).times(8).reply(500, { message: "Server Error" });

    await deliver(probot, "delivery-1", pullRequestPayload());

    // 4 attempts per request, backoff 1 s · 2ⁿ; the run is tried twice.
    expect(pauses).toEqual([1000, 2000, 4000, 1000, 1000, 2000, 4000]);
    expect(reruns()).toEqual([{ deliveryId: "delivery-1", run: 1, pauseMs: 1000, status: 500 }]);
    expect(logs.filter((l) => l.msg === "tagguard: the run failed on a transient fault; the store runs it again after its backoff")).toEqual([
      expect.objectContaining({ deliveryId: "delivery-1", event: "pull_request.opened", attempt: 1, error: expect.objectContaining({ status: 500, url: FILES_URL }) }),
    ]);
    expect(failures()).toEqual([]);
    expect(reviews).toEqual([]);

    mockBotLogin(scope);
    mockCheckLookup(scope, HEAD);
    mockReads(scope, checks);
    mockReview(scope, reviews);
    await runWaitingJobs(probot);

    expect(reviews).toEqual([REVIEW]);
    expect(failures()).toEqual([]);
  });

  it("runs again after a 502 on creating the review, finds the review that was created anyway, and posts no duplicate", async () => {
    const probot = await newProbot(app(), logs);
    const attempts: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockReads(scope, checks);
    mockReview(scope, attempts, 502);
    // GitHub created the review before the gateway gave up: the second run reads it and has nothing new to post. The
    // first run completed its check run: the second keeps it (no second check run, no second set of annotations).
    mockCheckLookup(scope, HEAD, [{ id: 555, status: "completed", conclusion: "failure" }]);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockRepoAt(scope, HEAD, repo);
    mockPosted(scope, [{ body: ciComment() }], [{ body: repoReviewBody() }]);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(attempts).toEqual([REVIEW]);
    expect(pauses).toEqual([1000]);
    expect(retries()).toEqual([]);
    expect(reruns()).toEqual([{ deliveryId: "delivery-1", run: 1, pauseMs: 1000, status: 502 }]);
    expect(failures()).toEqual([]);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([repoCheck()]);
    expect(logs.filter((l) => l.msg === "tagguard: an earlier attempt completed the check run, keeping it")).toEqual([
      expect.objectContaining({ deliveryId: "delivery-1", checkRunId: 555 }),
    ]);
  });

  it.each([403, 429])("waits as long as retry-after says on a %i secondary rate limit, then posts the review once", async (status) => {
    const probot = await newProbot(app(), logs);
    const attempts: unknown[] = [];
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockReads(scope, checks);
    scope
      .post(`${REPO_PATH}/pulls/${NUMBER}/reviews`, (body: unknown) => {
        attempts.push(body);
        return true;
      })
      .reply(status, SECONDARY, { "retry-after": "7" });
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(attempts).toEqual([REVIEW]);
    expect(reviews).toEqual([REVIEW]);
    expect(pauses).toEqual([7000]);
    expect(retries()).toEqual([{ deliveryId: "delivery-1", attempt: 1, pauseMs: 7000, fault: "rate-limited", status }]);
    expect(failures()).toEqual([]);
  });

  it("does not wait in the run for a retry-after beyond one minute: the job is released until then, and runs once", async () => {
    const now = Date.now();
    const probot = await newProbot(app({ now: () => now }), logs);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockReads(scope, checks);
    scope.post(`${REPO_PATH}/pulls/${NUMBER}/reviews`).reply(403, SECONDARY, { "retry-after": "3600" });

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(pauses).toEqual([]);
    expect(failures()).toEqual([]);
    expect(logs.filter((l) => l.msg === "tagguard: GitHub's rate limit holds the run; the job waits until it lifts")).toEqual([
      expect.objectContaining({ deliveryId: "delivery-1", retryAt: new Date(now + 3_600_000).toISOString() }),
    ]);

    mockCheckLookup(scope, HEAD, [{ id: 555, status: "completed" }]);
    mockReads(scope, checks, { checkId: 556, blobs: false });
    mockReview(scope, reviews);
    await runWaitingJobs(probot);

    expect(reviews).toEqual([{ ...REVIEW, body: repoReviewBody(HEAD, "https://github.com/acme/app/runs/556") }]);
    expect(failures()).toEqual([]);
  });

  it("never retries a 404: a head commit that is gone fails the run, and a redelivery runs it again", async () => {
    const probot = await newProbot(app(), logs);
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    for (const checkId of [555, 556]) {
      mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
      mockCheckRun(scope, checks, 1, checkId);
      scope.post("/graphql").reply(200, (_uri, body) => answerGraphql({ trees: new Map() }, body as GraphqlRequest));
    }

    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(pauses).toEqual([]);
    expect(failures().map((l) => [l.deliveryId, (l.error as { status?: unknown }).status])).toEqual([
      ["delivery-1", 404],
      ["delivery-1", 404],
    ]);
    const failed = {
      status: "completed",
      conclusion: "failure",
      output: {
        title: "Analysis failed",
        summary: "**tagguard** could not finish the analysis: a GitHub API request failed with status 404. Re-run the check to try again.",
      },
    };
    expect(checks.updates).toEqual([failed, failed]);
  });

  it("completes the check run a failed attempt left in progress (its creation answered 502), and creates no second one", async () => {
    const probot = await newProbot(app(), logs);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    // GitHub created the check run, then the gateway answered 502: it is left in progress.
    scope
      .post(`${REPO_PATH}/check-runs`, (body: unknown) => {
        checks.created.push(body);
        return true;
      })
      .reply(502, { message: "Bad Gateway" });
    mockCheckLookup(scope, HEAD, [{ id: 555, status: "in_progress" }]);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    scope
      .patch(`${REPO_PATH}/check-runs/555`, (body: unknown) => {
        checks.updates.push(body);
        return true;
      })
      .reply(200, { id: 555 });
    mockRepoAt(scope, HEAD, repo);
    mockPosted(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([repoCheck()]);
    expect(reviews).toEqual([REVIEW]);
    expect(logs.filter((l) => l.msg === "tagguard: completing the check run an earlier attempt left in progress")).toEqual([
      expect.objectContaining({ deliveryId: "delivery-1", checkRunId: 555 }),
    ]);
    expect(failures()).toEqual([]);
  });

  it("never retries a 422 on creating the review: the findings move into the body once", async () => {
    const probot = await newProbot(app(), logs);
    const reviews: { body: string; comments?: unknown }[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockReads(scope, checks);
    mockReview(scope, reviews, 422);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toHaveLength(2);
    expect(reviews[0]).toEqual(REVIEW);
    expect(Object.keys(reviews[1]).sort()).toEqual(["body", "commit_id", "event"]);
    expect(reviews[1].body).toContain("GitHub did not accept inline comments on this diff, so every finding is listed here.");
    expect(reviews[1].body).toContain(ciComment().split("\n").at(-1));
    expect(pauses).toEqual([]);
    expect(failures()).toEqual([]);
  });

  it("times out a request that hangs after the per-request limit and retries it", async () => {
    const probot = await newProbot(app({ timeoutMs: 300 }), logs);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    scope.post("/graphql").delay(60_000).reply(200, {});
    mockReads(scope, checks);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toEqual([REVIEW]);
    expect(pauses).toEqual([1000]);
    expect(retries()).toEqual([{ deliveryId: "delivery-1", attempt: 1, pauseMs: 1000, fault: "server", status: 500 }]);
    expect(logs.find((l) => l.msg === "tagguard: GitHub request failed, retrying")?.error).toMatchObject({
      message: "GitHub did not answer within 300 ms",
      method: "POST",
      url: "https://api.github.com/graphql",
    });
  });
});

describe("durable store", () => {
  const event = (id: string): EmitterWebhookEvent => ({ id, name: "pull_request", payload: pullRequestPayload() }) as unknown as EmitterWebhookEvent;

  it("acknowledges a delivery once its job is stored, and runs it afterwards", async () => {
    const tagguard = createApp(engine, { github: policy() });
    const probot = await newProbot(tagguard, logs);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = (): void => undefined;
    const reached = new Promise<void>((resolve) => (asked = resolve));
    const scope = api();
    mockToken(scope);
    scope
      .get(`${REPO_PATH}/pulls/${NUMBER}/files`)
      .query({ per_page: 100 })
      .reply((_uri, _body, callback) => {
        asked();
        void gate.then(() => callback(null, [200, [{ filename: "README.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }]]));
      });

    // Probot's own `receive` (not the harness's, which waits for the jobs): the webhook answer.
    await probot.webhooks.receive(event("delivery-1"));

    await reached;
    expect(await tagguard.work.pending()).toBe(1);
    release();
    await tagguard.work.idle();
    expect(scope.isDone()).toBe(true);
  });

  it("stores a delivery received twice once, and runs it once", async () => {
    const probot = await newProbot(createApp(engine, { github: policy() }), logs);
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: "README.md", patch: "@@ -1 +1 @@\n-a\n+b" }]);
    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(scope.isDone()).toBe(true);
    expect(failures()).toEqual([]);
  });

  it("refuses deliveries with 503 once shutting down", async () => {
    const tagguard = createApp(engine, { github: policy() });
    const probot = await newProbot(tagguard, logs);
    await tagguard.stop();

    await expect(probot.webhooks.receive(event("delivery-2"))).rejects.toMatchObject({
      errors: [expect.objectContaining({ status: 503, message: "tagguard is shutting down; redeliver later" })],
    });
  });
});

describe("classifyGitHubFault and retryPause", () => {
  const failure = (status: number, headers: Record<string, string> = {}, message = "failed") => ({ status, message, response: { headers } });
  const now = Date.parse("2025-01-01T00:00:00Z");
  const fixed: GitHubRetryPolicy = { ...DEFAULT_GITHUB_RETRY_POLICY, random: () => 0.5 };

  it.each([
    ["a 500", failure(500), { kind: "server" }],
    ["a 504", failure(504), { kind: "server" }],
    ["a 403 with retry-after seconds", failure(403, { "retry-after": "30" }), { kind: "rate-limited", waitMs: 30_000 }],
    ["a 429 with a retry-after date", failure(429, { "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }), { kind: "rate-limited", waitMs: 5000 }],
    ["a secondary limit without retry-after", failure(403, {}, SECONDARY.message), { kind: "rate-limited", waitMs: 60_000 }],
    ["a 429 without retry-after", failure(429), { kind: "rate-limited", waitMs: 60_000 }],
    ["an exhausted primary rate limit", failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1735693200" }, "API rate limit exceeded"), { kind: "exhausted", resetAt: 1_735_693_200_000 }],
    ["an exhausted primary rate limit without its reset", failure(403, { "x-ratelimit-remaining": "0" }, "API rate limit exceeded"), { kind: "final" }],
    ["a 403 for missing permissions", failure(403, {}, "Resource not accessible by integration"), { kind: "final" }],
    ["a 404", failure(404), { kind: "final" }],
    ["a 422", failure(422), { kind: "final" }],
    ["an error that is not a request error", new TypeError("x is undefined"), { kind: "final" }],
  ])("classifies %s", (_name, err, fault) => {
    expect(classifyGitHubFault(err, now)).toEqual(fault);
  });

  it("retries 5xx only where repeating is safe, rate limits for any request within the bound", () => {
    expect([1, 2, 3, 4, 5].map((retry) => retryPause({ kind: "server" }, retry, true, fixed))).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(retryPause({ kind: "server" }, 1, false, fixed)).toBeUndefined();
    expect(retryPause({ kind: "rate-limited", waitMs: 60_000 }, 1, false, fixed)).toBe(60_000);
    expect(retryPause({ kind: "rate-limited", waitMs: 60_001 }, 1, true, fixed)).toBeUndefined();
    expect(retryPause({ kind: "rate-limited", waitMs: 0 }, 2, false, fixed)).toBe(2000);
    expect(retryPause({ kind: "final" }, 1, true, fixed)).toBeUndefined();
  });
});
