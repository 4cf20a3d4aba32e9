import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { createApp } from "../../src/app/app.js";
import { allClearMarker, findingMarker } from "../../src/app/review/markers.js";
import { DEFAULT_CACHE_TAGS, defaultConfig } from "../../src/config/index.js";
import type { Finding } from "../../src/report/finding.js";
import {
  addedPatch,
  api,
  base64Lines,
  blobSha,
  deliver,
  fixtureRepo,
  HEAD,
  hunkPatch,
  type LogLines,
  mockBotLogin,
  mockConfig,
  mockHead,
  mockPosted,
  mockPrFiles,
  mockRepoAt,
  mockResolveThreads,
  mockReview,
  mockToken,
  newProbot,
  runWaitingJobs,
  NUMBER,
  pullRequestPayload,
  recordUnmatched,
  REPO_PATH,
} from "./harness.js";
import { CHECK_URL, checkCalls, inProgress, mockCheckRun } from "./check-mocks.js";
import { finding, spanOf } from "./spans.js";
import { StubEngine } from "./stub-engine.js";
import type { GraphqlRequest } from "../support/graphql-repo.js";
import { ruleDocs } from "../support/docs.js";

const CI = ".github/workflows/ci.yml";
const RELEASE = ".github/workflows/release.yml";
const ACTION = ".github/actions/publish/action.yml";
const repo = fixtureRepo("repo");
const ciPatch = hunkPatch(repo[CI], 17, 21, 21);
const blob = (path: string, line: string) => `https://github.com/acme/app/blob/${HEAD}/${path}#${line}`;

function ciFinding(): Finding {
  return finding({
    primary: spanOf(CI, repo[CI], 21, "ref=ghcr.io/acme/app:latest"),
    related: [{ span: spanOf(CI, repo[CI], 19, "ghcr.io/acme/app:latest"), message: "pushed as an image here" }],
    fix: {
      title: "Export the cache to a dedicated tag",
      safe: true,
      edits: [{ span: spanOf(CI, repo[CI], 21, "ghcr.io/acme/app:latest"), text: "ghcr.io/acme/app:buildcache" }],
    },
    fingerprint: "fp-ci",
  });
}

function publishFinding(): Finding {
  return finding({
    severity: "warning",
    confidence: "possible",
    message: "cache-to writes the image reference given as input `image`",
    primary: spanOf(ACTION, repo[ACTION], 15, "ref=${{ inputs.image }}"),
    related: [{ span: spanOf(RELEASE, repo[RELEASE], 15, "ghcr.io/acme/app:stable"), message: "the input's value" }],
    fingerprint: "fp-publish",
  });
}

const CI_COMMENT = [
  "**error** `cache-overwrites-tag`: cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
  "",
  "Related:",
  `- [${CI}:19](${blob(CI, "L19")}): pushed as an image here`,
  "",
  "**Fix:** Export the cache to a dedicated tag",
  "",
  "```suggestion",
  "          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
  "```",
  "",
  `[\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")})`,
  "",
  "<!-- tagguard:v1 fp=fp-ci rule=cache-overwrites-tag -->",
].join("\n");

const PUBLISH_ITEM = [
  `- **warning** \`cache-overwrites-tag\` (possible) at [${ACTION}:15](${blob(ACTION, "L15")}): cache-to writes the image reference given as input \`image\` [\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")}) <!-- tagguard:v1 fp=fp-publish rule=cache-overwrites-tag -->`,
  `  - related: [${RELEASE}:15](${blob(RELEASE, "L15")}): the input's value`,
].join("\n");

const DOCS = ruleDocs("cache-overwrites-tag");

const CI_ANNOTATION = {
  path: CI,
  start_line: 21,
  end_line: 21,
  start_column: 35,
  end_column: 62,
  annotation_level: "failure",
  title: "cache-overwrites-tag",
  message: `cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image\n\nRelated:\n- ${CI}:19: pushed as an image here`,
  raw_details: [
    "Fix: Export the cache to a dedicated tag",
    "",
    `${CI}:21`,
    "-          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
    "+          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
  ].join("\n"),
};

const PUBLISH_ANNOTATION = {
  path: ACTION,
  start_line: 15,
  end_line: 15,
  start_column: 33,
  end_column: 56,
  annotation_level: "warning",
  title: "cache-overwrites-tag",
  message: `cache-to writes the image reference given as input \`image\`\n\nRelated:\n- ${RELEASE}:15: the input's value`,
};

const CI_SUMMARY_ITEM = `- **error** \`cache-overwrites-tag\` (definite) at [${CI}:21](${blob(CI, "L21")}): cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image`;

/** The check run completed with both findings of the fixture repository. */
function bothFindingsCheck(sha = HEAD): unknown {
  const link = (path: string, line: string) => blob(path, line).replaceAll(HEAD, sha);
  return {
    status: "completed",
    conclusion: "failure",
    output: {
      title: "1 error, 1 warning (1 possible)",
      summary: [
        `**tagguard** analysed 3 workflow-related files at \`${sha.slice(0, 7)}\` and found 2 problems.`,
        "",
        "**By rule**",
        "",
        `- [\`cache-overwrites-tag\`](${DOCS}): 1 error, 1 warning (1 possible)`,
        "",
        "**Findings**",
        "",
        CI_SUMMARY_ITEM.replaceAll(HEAD, sha),
        `- **warning** \`cache-overwrites-tag\` (possible) at [${ACTION}:15](${link(ACTION, "L15")}): cache-to writes the image reference given as input \`image\``,
      ].join("\n"),
      annotations: [CI_ANNOTATION, PUBLISH_ANNOTATION],
    },
  };
}

function notesSection(notes: string[]): string[] {
  return notes.length > 0 ? ["", "**Notes**", "", ...notes.map((n) => `- ${n}`)] : [];
}

/** The check run completed with the ci.yml finding only, and the given notes. */
function ciCheck(notes: string[] = [], sha = HEAD): unknown {
  return {
    status: "completed",
    conclusion: "failure",
    output: {
      title: "1 error",
      summary: [
        `**tagguard** analysed 3 workflow-related files at \`${sha.slice(0, 7)}\` and found 1 problem.`,
        "",
        "**By rule**",
        "",
        `- [\`cache-overwrites-tag\`](${DOCS}): 1 error`,
        "",
        "**Findings**",
        "",
        CI_SUMMARY_ITEM.replaceAll(HEAD, sha),
        ...notesSection(notes),
      ].join("\n"),
      annotations: [CI_ANNOTATION],
    },
  };
}

function cleanCheck(notes: string[] = [], sha = HEAD, files = 3): unknown {
  return {
    status: "completed",
    conclusion: "success",
    output: {
      title: "No problems found",
      summary: [`**tagguard** analysed ${files} workflow-related files at \`${sha.slice(0, 7)}\` and found no problems.`, ...notesSection(notes)].join("\n"),
    },
  };
}

/** `n` findings on the `cache-to` key of ci.yml line 21 (inside the diff), with fingerprints fp0, fp1, … */
function onLine21(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => finding({ primary: spanOf(CI, repo[CI], 21, "cache-to"), message: `m${i}`, fingerprint: `fp${i}` }));
}

function lineAnnotation(f: Finding): unknown {
  return {
    path: CI,
    start_line: 21,
    end_line: 21,
    start_column: 11,
    end_column: 19,
    annotation_level: "failure",
    title: "cache-overwrites-tag",
    message: f.message,
  };
}

/** The summary of a check run with the findings of `onLine21(n)`. */
function lineSummary(findings: Finding[]): string {
  return [
    `**tagguard** analysed 3 workflow-related files at \`1111111\` and found ${findings.length} problems.`,
    "",
    "**By rule**",
    "",
    `- [\`cache-overwrites-tag\`](${DOCS}): ${findings.length} errors`,
    "",
    "**Findings**",
    "",
    ...findings.map((f) => `- **error** \`cache-overwrites-tag\` (definite) at [${CI}:21](${blob(CI, "L21")}): ${f.message}`),
  ].join("\n");
}

function markers(findings: Finding[]): string {
  return findings.map((f) => findingMarker(f.fingerprint, f.ruleId)).join(" ");
}

let unmatched: ReturnType<typeof recordUnmatched>;

beforeEach(() => {
  nock.cleanAll();
  unmatched = recordUnmatched();
});

afterEach(() => {
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
});

describe("pull_request handler", () => {
  it("posts one review: inline comment with line, side and suggestion; other findings in the body", async () => {
    const engine = new StubEngine(() => ({ findings: [publishFinding(), ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toEqual([
      {
        commit_id: HEAD,
        event: "COMMENT",
        body: [
          `**tagguard** found 2 new problems in the workflows at \`1111111\`: 1 error, 1 warning (1 possible). The [tagguard check](${CHECK_URL}) lists every finding.`,
          "",
          "**Outside the diff**",
          "",
          PUBLISH_ITEM,
        ].join("\n"),
        comments: [{ path: CI, line: 21, side: "RIGHT", body: CI_COMMENT }],
      },
    ]);
    expect(engine.analyzed).toHaveLength(1);
    expect(engine.analyzed[0]).toEqual([ACTION, CI, RELEASE].map((path) => ({ path, text: repo[path] })));
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([bothFindingsCheck()]);
  });

  it("reads the tree at the head SHA, follows local action references until closure and skips files over 1 MiB", async () => {
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: ["engine note"] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, { ...repo, "README.md": "# app\n" }, [{ path: ".github/workflows/huge.yml", size: 2_000_000 }]);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed[0].map((f) => f.path)).toEqual([ACTION, CI, RELEASE]);
    expect((reviews[0] as { body: string }).body).toBe(
      [
        `**tagguard** found 1 new problem in the workflows at \`1111111\`: 1 error. The [tagguard check](${CHECK_URL}) lists every finding.`,
        "",
        "**Notes**",
        "",
        "- `.github/workflows/huge.yml` is larger than 1048576 bytes (2000000 bytes) and was not analysed.",
        "- engine note",
      ].join("\n"),
    );
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([ciCheck(["`.github/workflows/huge.yml` is larger than 1048576 bytes (2000000 bytes) and was not analysed.", "engine note"])]);
  });

  it("does nothing beyond listing files when no workflow-related file changed", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [
      { filename: "src/index.ts", patch: "@@ -1 +1 @@\n-a\n+b" },
      { filename: "Dockerfile", patch: "@@ -1 +1 @@\n-a\n+b" },
    ]);

    await deliver(probot, "delivery-1", pullRequestPayload({ changedFiles: 2 }));

    expect(engine.analyzed).toEqual([]);
  });

  it("paginates the changed files with per_page=100", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockCheckRun(scope, checks);
    const page1 = Array.from({ length: 100 }, (_, i) => ({ filename: `src/f${i}.ts`, status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }));
    scope
      .get(`${REPO_PATH}/pulls/${NUMBER}/files`)
      .query({ per_page: 100 })
      .reply(200, page1, { link: `<https://api.github.com/repositories/1/pulls/${NUMBER}/files?per_page=100&page=2>; rel="next"` });
    scope
      .get(`/repositories/1/pulls/${NUMBER}/files`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [{ filename: CI, status: "modified", patch: ciPatch }]);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload({ changedFiles: 101 }));

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("analyses when GitHub's file list is truncated, and says so in the review", async () => {
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: "src/a.ts", patch: "@@ -1 +1 @@\n-a\n+b" }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload({ changedFiles: 3500 }));

    expect(reviews).toHaveLength(1);
    const review = reviews[0] as { body: string; comments?: unknown };
    expect(review.comments).toBeUndefined();
    expect(review.body).toContain("\n\n**Notes**\n\n- GitHub lists only 1 of the 3500 changed files; findings in the others are listed here.");
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([ciCheck(["GitHub lists only 1 of the 3500 changed files; findings in the others are listed here."])]);
  });

  it("analyses the changed workflow and the first others by path up to 300 files, and lists the files it skipped in the check run", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    const names = Array.from({ length: 302 }, (_, i) => `.github/workflows/w${String(i).padStart(3, "0")}.yml`);
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, { [CI]: repo[CI], ...Object.fromEntries(names.map((n) => [n, "on: push\n"])) });
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed.map((files) => files.map((f) => f.path))).toEqual([[CI, ...names.slice(0, 299)]]);
    expect(checks.updates).toEqual([
      cleanCheck(
        [
          "At most 300 workflow-related files are analysed; these 3 were skipped: `.github/workflows/w299.yml`, `.github/workflows/w300.yml`, `.github/workflows/w301.yml`.",
        ],
        HEAD,
        300,
      ),
    ]);
  });

  it("skips draft pull requests without any API call", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));

    await deliver(probot, "delivery-1", pullRequestPayload({ draft: true }));

    expect(engine.analyzed).toEqual([]);
  });

  it.each(["opened", "synchronize", "reopened", "ready_for_review"])("handles pull_request.%s", async (action) => {
    const probot = await newProbot(createApp(new StubEngine()));
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: "README.md", patch: "@@ -1 +1 @@\n-a\n+b" }]);

    await deliver(probot, `delivery-${action}`, pullRequestPayload({ action }));
  });

  it("ignores pull_request actions it does not subscribe to", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));

    await deliver(probot, "delivery-1", pullRequestPayload({ action: "closed" }));

    expect(engine.analyzed).toEqual([]);
  });

  it("reads a fork pull request from the base repository at the head SHA", async () => {
    const forkHead = "4444444444444444444444444444444444444444";
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, forkHead, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload({ headSha: forkHead, headRepo: { owner: "contributor", name: "app-fork" } }));

    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ commit_id: forkHead, comments: [{ path: CI, line: 21, side: "RIGHT" }] });
    expect(checks.created).toEqual([inProgress(forkHead)]);
    expect(checks.updates).toEqual([ciCheck([], forkHead)]);
  });

  it("reads a pull request whose fork was deleted", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload({ headRepo: null }));

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("completes a successful check run and posts no review when there are no findings now or before", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockPosted(scope, [{ login: "octocat", body: `copied ${findingMarker("fp-old", "cache-overwrites-tag")}` }]);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("ignores a redelivery with the same delivery id", async () => {
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toHaveLength(1);
    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([ciCheck()]);
  });

  it("posts nothing new for another delivery of an already reviewed head SHA", async () => {
    const engine = new StubEngine(() => ({ findings: [publishFinding(), ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockPosted(scope, [{ body: CI_COMMENT }], [{ body: `**tagguard** found 2 new problems\n\n${PUBLISH_ITEM}` }]);

    await deliver(probot, "delivery-2", pullRequestPayload({ action: "synchronize" }));

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([bothFindingsCheck()]);
  });

  it("posts only the new finding on a later push", async () => {
    const engine: StubEngine = new StubEngine(() => ({ findings: [ciFinding(), ...(engine.analyzed.length > 1 ? [publishFinding()] : [])], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const second = "5555555555555555555555555555555555555555";
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks, 1, 556);
    mockRepoAt(scope, second, repo);
    mockPosted(scope, [{ body: CI_COMMENT }]);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-2", pullRequestPayload({ action: "synchronize", headSha: second }));

    expect(reviews).toHaveLength(2);
    expect(reviews[1]).toEqual({
      commit_id: second,
      event: "COMMENT",
      body: [
        `**tagguard** found 1 new problem in the workflows at \`5555555\`: 1 warning (1 possible). The [tagguard check](https://github.com/acme/app/runs/556) lists every finding.`,
        "",
        "**Outside the diff**",
        "",
        PUBLISH_ITEM.replaceAll(HEAD, second),
      ].join("\n"),
    });
    expect(checks.created).toEqual([inProgress(HEAD), inProgress(second)]);
    expect(checks.updates).toEqual([ciCheck(), bothFindingsCheck(second)]);
  });

  it("says once that every earlier finding is fixed", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockPosted(scope, [{ body: CI_COMMENT, at: "2024-05-01T10:00:00Z" }]);
    mockReview(scope, reviews);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks, 1, 556);
    mockRepoAt(scope, HEAD, repo);
    mockPosted(scope, [{ body: CI_COMMENT, at: "2024-05-01T10:00:00Z" }], [{ body: allClearMarker(), at: "2024-05-01T11:00:00Z" }]);

    await deliver(probot, "delivery-1", pullRequestPayload({ action: "synchronize" }));
    await deliver(probot, "delivery-2", pullRequestPayload({ action: "synchronize" }));

    expect(reviews).toEqual([
      {
        commit_id: HEAD,
        event: "COMMENT",
        body: "**tagguard**: every problem reported earlier on this pull request is fixed at `1111111`.\n\n<!-- tagguard:v1 all-clear -->",
      },
    ]);
    expect(checks.created).toEqual([inProgress(HEAD), inProgress(HEAD)]);
    expect(checks.updates).toEqual([cleanCheck(), cleanCheck()]);
  });

  describe("thread resolution", () => {
    const RESOLVE = "mutation tagguardResolveThreads($t0: ID!) { r0: resolveReviewThread(input: { threadId: $t0 }) { thread { id isResolved } } }";
    const publishComment = `cache-to writes the image reference given as input \`image\` ${findingMarker("fp-publish", "cache-overwrites-tag")}`;

    it("resolves the thread of a finding the push fixed, in one mutation, once, and leaves the others alone", async () => {
      const probot = await newProbot(createApp(new StubEngine(() => ({ findings: [publishFinding()], notes: [] }))));
      const mutations: GraphqlRequest[] = [];
      const checks = checkCalls();
      const scope = api();
      mockToken(scope);
      mockBotLogin(scope);
      mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
      mockCheckRun(scope, checks);
      mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
      mockCheckRun(scope, checks, 1, 556);
      // One repository state answers both pushes' reads (two queries each), so the second sees what the mutation resolved.
      mockRepoAt(scope, HEAD, repo, [], 4);
      mockPosted(scope, [
        { body: CI_COMMENT, path: CI },
        { body: publishComment, path: ACTION },
        { body: `older ${findingMarker("fp-gone", "cache-overwrites-tag")}`, path: CI, resolved: true },
        { login: "octocat", body: `quoted ${findingMarker("fp-ci", "cache-overwrites-tag")}`, path: CI },
        { body: `not analysed ${findingMarker("fp-elsewhere", "cache-overwrites-tag")}`, path: ".github/workflows/huge.yml" },
        { body: "a reply without a marker", path: CI },
      ]);
      mockResolveThreads(scope, mutations);

      await deliver(probot, "delivery-1", pullRequestPayload({ action: "synchronize" }));
      await deliver(probot, "delivery-2", pullRequestPayload({ action: "synchronize" }));

      expect(mutations).toEqual([{ query: RESOLVE, variables: { t0: "PRRT_0" } }]);
      expect(checks.created).toEqual([inProgress(HEAD), inProgress(HEAD)]);
    });

    it("posts the all-clear review, which stays, then resolves the fixed threads", async () => {
      const probot = await newProbot(createApp(new StubEngine()));
      const order: string[] = [];
      const mutations: GraphqlRequest[] = [];
      const checks = checkCalls();
      const scope = api();
      mockToken(scope);
      mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
      mockCheckRun(scope, checks);
      mockRepoAt(scope, HEAD, repo);
      mockBotLogin(scope);
      mockPosted(scope, [
        { body: CI_COMMENT, path: CI },
        { body: publishComment, path: ACTION },
      ]);
      scope
        .post("/graphql", (body: GraphqlRequest) => /^mutation /.test(body.query) && order.push("resolve") > 0 && mutations.push(body) > 0)
        .reply(200, { data: { r0: { thread: { id: "PRRT_0", isResolved: true } }, r1: { thread: { id: "PRRT_1", isResolved: true } } } });
      scope.post(`${REPO_PATH}/pulls/${NUMBER}/reviews`, (body: { body: string }) => order.push(`review: ${body.body}`) > 0).reply(200, { id: 99 });

      await deliver(probot, "delivery-1", pullRequestPayload({ action: "synchronize" }));

      expect(order).toEqual([
        "review: **tagguard**: every problem reported earlier on this pull request is fixed at `1111111`.\n\n<!-- tagguard:v1 all-clear -->",
        "resolve",
      ]);
      expect(mutations).toEqual([
        {
          query:
            "mutation tagguardResolveThreads($t0: ID!, $t1: ID!) { r0: resolveReviewThread(input: { threadId: $t0 }) { thread { id isResolved } } " +
            "r1: resolveReviewThread(input: { threadId: $t1 }) { thread { id isResolved } } }",
          variables: { t0: "PRRT_0", t1: "PRRT_1" },
        },
      ]);
      expect(checks.updates).toEqual([cleanCheck()]);
    });

  });

  it("does not post when the head moved during the analysis", async () => {
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockHead(scope, "6666666666666666666666666666666666666666");

    await deliver(probot, "delivery-1", pullRequestPayload());
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([ciCheck()]);
  });

  it("posts a parse-error finding as a comment at its position", async () => {
    const parse = finding({
      ruleId: "parse-error",
      message: "Flow sequence in block collection must be sufficiently indented and end with a ]",
      primary: spanOf(CI, repo[CI], 21, "cache-to"),
      fingerprint: "fp-parse",
    });
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: [parse], notes: [] }))));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toEqual([
      {
        commit_id: HEAD,
        event: "COMMENT",
        body: `**tagguard** found 1 new problem in the workflows at \`1111111\`: 1 error. The [tagguard check](${CHECK_URL}) lists every finding.`,
        comments: [
          {
            path: CI,
            line: 21,
            side: "RIGHT",
            body: [
              "**error** `parse-error`: Flow sequence in block collection must be sufficiently indented and end with a ]",
              "",
              `[\`parse-error\` docs](${ruleDocs("parse-error")})`,
              "",
              "<!-- tagguard:v1 fp=fp-parse rule=parse-error -->",
            ].join("\n"),
          },
        ],
      },
    ]);
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "failure",
        output: {
          title: "1 error",
          summary: [
            "**tagguard** analysed 3 workflow-related files at `1111111` and found 1 problem.",
            "",
            "**By rule**",
            "",
            `- [\`parse-error\`](${ruleDocs("parse-error")}): 1 error`,
            "",
            "**Findings**",
            "",
            `- **error** \`parse-error\` (definite) at [${CI}:21](${blob(CI, "L21")}): Flow sequence in block collection must be sufficiently indented and end with a ]`,
          ].join("\n"),
          annotations: [
            {
              path: CI,
              start_line: 21,
              end_line: 21,
              start_column: 11,
              end_column: 19,
              annotation_level: "failure",
              title: "parse-error",
              message: "Flow sequence in block collection must be sufficiently indented and end with a ]",
            },
          ],
        },
      },
    ]);
  });

  it("moves the inline comments into the body when GitHub refuses them", async () => {
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: [ciFinding()], notes: [] }))));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews, 422);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toHaveLength(2);
    expect(reviews[1]).toEqual({
      commit_id: HEAD,
      event: "COMMENT",
      body: [
        `**tagguard** found 1 new problem in the workflows at \`1111111\`: 1 error. The [tagguard check](${CHECK_URL}) lists every finding.`,
        "",
        "**Outside the diff**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at [${CI}:21](${blob(CI, "L21")}): cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image [\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")}) <!-- tagguard:v1 fp=fp-ci rule=cache-overwrites-tag -->`,
        `  - related: [${CI}:19](${blob(CI, "L19")}): pushed as an image here`,
        "  - **Fix:** Export the cache to a dedicated tag",
        "",
        "**Notes**",
        "",
        "- GitHub did not accept inline comments on this diff, so every finding is listed here.",
      ].join("\n"),
    });
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([ciCheck()]);
  });

  it("follows a local action outside .github/actions with one more query, and reads a truncated text as a blob", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    const ci = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./ci/build\n";
    const action = "name: build\nruns:\n  using: composite\n  steps: []\n";
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: addedPatch(ci) }]);
    mockCheckRun(scope, checks);
    // The first query, the one reading release.yml, and the one following ./ci/build.
    mockRepoAt(scope, HEAD, { [CI]: ci, [RELEASE]: { truncated: repo[RELEASE] }, "ci/build/action.yml": action }, [], 3);
    scope
      .get(`${REPO_PATH}/git/blobs/${blobSha(repo[RELEASE])}`)
      .reply(200, { sha: blobSha(repo[RELEASE]), size: Buffer.byteLength(repo[RELEASE]), encoding: "base64", content: base64Lines(repo[RELEASE]) });
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed).toEqual([
      [
        { path: CI, text: ci },
        { path: RELEASE, text: repo[RELEASE] },
        { path: "ci/build/action.yml", text: action },
      ],
    ]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("logs API errors with the delivery id and event name, without tokens, and the store runs the job again", async () => {
    const logs: LogLines = [];
    const engine = new StubEngine();
    // Retries in the run off: the first 500 fails the attempt (test/app/faults.test.ts covers the retries).
    const probot = await newProbot(createApp(engine, { github: { attempts: 1, runAttempts: 1 } }), logs);
    const scope = api();
    mockToken(scope);
    scope.get(`${REPO_PATH}/pulls/${NUMBER}/files`).query({ per_page: 100 }).reply(500, { message: "Server Error" });

    await expect(deliver(probot, "delivery-err", pullRequestPayload({ action: "synchronize" }))).resolves.toBeUndefined();
    await expect(deliver(probot, "delivery-err", pullRequestPayload({ action: "synchronize" }))).resolves.toBeUndefined();

    const failures = logs.filter((l) => l.msg === "tagguard: the run failed on a transient fault; the store runs it again after its backoff");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      deliveryId: "delivery-err",
      event: "pull_request.synchronize",
      attempt: 1,
      error: { type: "HttpError", status: 500, method: "GET", url: `https://api.github.com${REPO_PATH}/pulls/${NUMBER}/files?per_page=100` },
    });

    mockPrFiles(scope, [{ filename: "README.md", patch: "@@ -1 +1 @@\n-a\n+b" }]);
    await runWaitingJobs(probot);
    expect(logs.filter((l) => l.level !== undefined && (l.level as number) >= 40)).toEqual([failures[0]]);
    expect(JSON.stringify(logs)).not.toContain("ghs_installation_token");
  });

  it("analyses when a workflow file is removed, since callers of it may break", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: ".github/workflows/old.yml", status: "removed", patch: "@@ -1,1 +0,0 @@\n-a" }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("points the findings over the limit of 20 inline comments to the check run, marked as posted", async () => {
    const many = onLine21(25);
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: many, notes: [] }))));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    const review = reviews[0] as { body: string; comments: { body: string }[] };
    expect(review.comments.map((c) => c.body.split("\n\n").at(-1))).toEqual(many.slice(0, 20).map((f) => findingMarker(f.fingerprint, f.ruleId)));
    expect(review.body).toBe(
      [
        `**tagguard** found 25 new problems in the workflows at \`1111111\`: 25 errors. The [tagguard check](${CHECK_URL}) lists every finding.`,
        "",
        `5 more findings in the diff are over the limit of 20 inline comments: the [tagguard check](${CHECK_URL}) annotates every finding. ${markers(many.slice(20))}`,
      ].join("\n"),
    );
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "failure",
        output: { title: "25 errors", summary: lineSummary(many), annotations: many.map(lineAnnotation) },
      },
    ]);
  });

  it("annotates 120 findings in batches of 50, 50 and 20, completing the check run with the last one", async () => {
    const many = onLine21(120);
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: many, notes: [] }))));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks, 3);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    const summary = lineSummary(many);
    const annotations = many.map(lineAnnotation);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([
      { output: { title: "120 errors", summary, annotations: annotations.slice(0, 50) } },
      { output: { title: "120 errors", summary, annotations: annotations.slice(50, 100) } },
      { status: "completed", conclusion: "failure", output: { title: "120 errors", summary, annotations: annotations.slice(100) } },
    ]);
    expect((reviews[0] as { body: string }).body).toBe(
      [
        `**tagguard** found 120 new problems in the workflows at \`1111111\`: 120 errors. The [tagguard check](${CHECK_URL}) lists every finding.`,
        "",
        `100 more findings in the diff are over the limit of 20 inline comments: the [tagguard check](${CHECK_URL}) annotates every finding. ${markers(many.slice(20))}`,
      ].join("\n"),
    );
  });

  it("reviews without a check run when the installation has not granted Checks: write", async () => {
    const logs: LogLines = [];
    const many = onLine21(21);
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: many, notes: [] }))), logs);
    const reviews: unknown[] = [];
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    scope.post(`${REPO_PATH}/check-runs`).reply(403, { message: "Resource not accessible by integration" });
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    const review = reviews[0] as { body: string; comments: unknown[] };
    expect(review.comments).toHaveLength(20);
    expect(review.body).toBe(
      [
        `**tagguard** found 21 new problems in the workflows at \`1111111\`: 21 errors.`,
        "",
        "**Over the limit of 20 inline comments**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at [${CI}:21](${blob(CI, "L21")}): m20 [\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")}) <!-- tagguard:v1 fp=fp20 rule=cache-overwrites-tag -->`,
      ].join("\n"),
    );
    expect(logs.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "tagguard: cannot create the check run (is Checks: write granted?), reviewing without it",
    ]);
  });

  it("concludes the check run as failed when the analysis fails, and logs the error", async () => {
    const logs: LogLines = [];
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine), logs);
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    scope.post("/graphql").reply(200, {
      data: { repository: null },
      errors: [{ type: "NOT_FOUND", path: ["repository"], message: "Could not resolve to a Repository with the name 'acme/app'." }],
    });

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.analyzed).toEqual([]);
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "failure",
        output: {
          title: "Analysis failed",
          summary: "**tagguard** could not finish the analysis: a GitHub GraphQL query failed (NOT_FOUND). Re-run the check to try again.",
        },
      },
    ]);
    expect(logs.filter((l) => l.msg === "tagguard: handling the event failed")).toMatchObject([
      { deliveryId: "delivery-1", error: { type: "GraphqlResponseError", message: expect.stringContaining("Could not resolve to a Repository") } },
    ]);
  });

  it("concludes neutral when the only finding is a possible warning", async () => {
    const probot = await newProbot(createApp(new StubEngine(() => ({ findings: [publishFinding()], notes: [] }))));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toHaveLength(1);
    expect(checks.updates).toMatchObject([{ status: "completed", conclusion: "neutral", output: { title: "1 warning (1 possible)", annotations: [PUBLISH_ANNOTATION] } }]);
  });

  it("analyses with .github/tagguard.yml from the default branch, following _extends", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    const extending = "_extends: shared\nrules:\n  cache-overwrites-tag:\n    severity: warning\n";
    const raw = { "content-type": "application/vnd.github.raw; charset=utf-8" };
    mockConfig(scope, extending);
    // Probot's context.config reads the file again and follows _extends.
    scope.get(`${REPO_PATH}/contents/.github%2Ftagguard.yml`).reply(200, extending, raw);
    scope
      .get("/repos/acme/shared/contents/.github%2Ftagguard.yml")
      .reply(200, "ignore:\n  - legacy/**\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.options).toEqual([
      {
        config: {
          rules: { "cache-overwrites-tag": { enabled: true, ignore: [], severity: "warning" } },
          ignore: ["legacy/**"],
          cacheTags: [...DEFAULT_CACHE_TAGS],
          deployTargets: [],
          limits: {},
          incidents: true,
          verify: [],
          diagnostics: [],
        },
        repository: "acme/app",
      },
    ]);
    expect(checks.updates).toEqual([cleanCheck()]);
  });

  it("reports an invalid .github/tagguard.yml once, in the check run and the review, and analyses with the defaults", async () => {
    const engine = new StubEngine(() => ({ findings: [ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockConfig(scope, "rules:\n  cache-overwrites-tag:\n    severity: fatal\n");
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    const problem = '.github/tagguard.yml is invalid, so tagguard ignores it and uses its defaults. rules.cache-overwrites-tag.severity: must be one of "error", "warning", "info", not "fatal"';
    expect(engine.options).toEqual([{ config: defaultConfig(), repository: "acme/app" }]);
    expect((reviews[0] as { body: string }).body).toBe(
      [`**tagguard** found 1 new problem in the workflows at \`1111111\`: 1 error. The [tagguard check](${CHECK_URL}) lists every finding.`, "", "**Notes**", "", `- ${problem}`].join("\n"),
    );
    const summary = (checks.updates[0] as { output: { summary: string } }).output.summary;
    expect(summary.split("\n\n").slice(0, 3)).toEqual([
      "**tagguard** analysed 3 workflow-related files at `1111111` and found 1 problem.",
      "**Configuration**",
      `- ${problem}`,
    ]);
    expect(checks.updates).toMatchObject([{ status: "completed", conclusion: "failure", output: { title: "1 error", annotations: [CI_ANNOTATION] } }]);
  });

  it("reports a .github/tagguard.yml that is not YAML, without failing the check run", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: ciPatch }]);
    mockCheckRun(scope, checks);
    mockConfig(scope, "rules: [cache-overwrites-tag\n");
    mockRepoAt(scope, HEAD, repo);
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(engine.options).toEqual([{ config: defaultConfig(), repository: "acme/app" }]);
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "success",
        output: {
          title: "No problems found",
          summary: [
            "**tagguard** analysed 3 workflow-related files at `1111111` and found no problems.",
            "",
            "**Configuration**",
            "",
            "- .github/tagguard.yml is not valid YAML, so tagguard ignores it and uses its defaults: Flow sequence in block collection must be sufficiently indented and end with a ]",
          ].join("\n"),
        },
      },
    ]);
  });
});
