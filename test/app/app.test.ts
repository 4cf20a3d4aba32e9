import { ruleDocs } from "../support/docs.js";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { createApp } from "../../src/app/app.js";
import * as engine from "../../src/engine/index.js";
import { ACTION_FP, CI, CI_FP, ciComment, malformedCheck, PARSE_FP, PARSE_MESSAGE, repoCheck, repoReviewBody } from "./engine-expectations.js";
import {
  addedPatch,
  api,
  deliver,
  fixtureRepo,
  HEAD,
  hunkPatch,
  mockBotLogin,
  mockPosted,
  mockPrFiles,
  mockRepoAt,
  mockReview,
  mockToken,
  newProbot,
  pullRequestPayload,
  recordUnmatched,
} from "./harness.js";
import { CHECK_URL, checkCalls, inProgress, mockCheckRun } from "./check-mocks.js";

/** The App with the analysis engine in process (`src/app/index.ts` runs it in a worker thread; test/e2e runs that). */
const app = createApp(engine);

const repo = fixtureRepo("repo");
const ciPatch = hunkPatch(repo[CI], 17, 21, 21);

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

describe("seed 000 through the App", () => {
  it("fails the check run: the case() branch that exports a registry cache writes it onto every pushed tag", async () => {
    const seed = fixtureRepo("seed-000");
    const path = ".github/workflows/release.yml";
    const probot = await newProbot(app);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: path, patch: addedPatch(seed[path]) }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, seed, [], 1); // the changed file is the only one: read by the first query
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-seed", pullRequestPayload());

    const update = checks.updates[0] as { conclusion: string; output: { title: string; annotations: { path: string; start_line: number; annotation_level: string; title: string }[] } };
    expect(update.conclusion).toBe("failure");
    expect(update.output.title).toBe("1 error");
    expect(update.output.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title])).toEqual([
      [path, 22, "failure", "cache-overwrites-tag"],
    ]);
    expect(reviews).toHaveLength(1);
  });
});

describe("tagguard app with the analysis engine", () => {
  it("posts one review with the inline comment, its suggestion, and the finding outside the diff", async () => {
    const probot = await newProbot(app);
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
        body: repoReviewBody(),
        comments: [{ path: CI, line: 21, side: "RIGHT", body: ciComment() }],
      },
    ]);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([repoCheck()]);
  });

  it("posts nothing new on a redelivery, with the same or another delivery id", async () => {
    const probot = await newProbot(app);
    const reviews: unknown[] = [];
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
    mockRepoAt(scope, HEAD, repo);
    mockPosted(scope, [{ body: ciComment() }], [{ body: repoReviewBody() }]);

    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-1", pullRequestPayload());
    await deliver(probot, "delivery-2", pullRequestPayload());

    expect(reviews).toHaveLength(1);
    expect(JSON.stringify(reviews)).toContain(`fp=${CI_FP} `);
    expect(JSON.stringify(reviews)).toContain(`fp=${ACTION_FP} `);
    expect(checks.created).toEqual([inProgress(HEAD), inProgress(HEAD)]);
    expect(checks.updates).toEqual([repoCheck(), repoCheck()]);
  });

  it("reads a fork pull request from the base repository at the head SHA", async () => {
    const forkHead = "7777777777777777777777777777777777777777";
    const probot = await newProbot(app);
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

    expect(reviews).toEqual([
      {
        commit_id: forkHead,
        event: "COMMENT",
        body: repoReviewBody(forkHead),
        comments: [{ path: CI, line: 21, side: "RIGHT", body: ciComment(forkHead) }],
      },
    ]);
    expect(checks.created).toEqual([inProgress(forkHead)]);
    expect(checks.updates).toEqual([repoCheck(forkHead)]);
  });

  it("makes no call beyond listing the files when no workflow-related file changed", async () => {
    const probot = await newProbot(app);
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [
      { filename: "src/server.ts", patch: "@@ -1 +1 @@\n-a\n+b" },
      { filename: "docs/workflows.md", patch: "@@ -1 +1 @@\n-a\n+b" },
      { filename: ".github/CODEOWNERS", patch: "@@ -1 +1 @@\n-a\n+b" },
    ]);

    await deliver(probot, "delivery-1", pullRequestPayload({ changedFiles: 3 }));
  });

  it("writes only a successful check run for a workflow change without findings", async () => {
    const clean = fixtureRepo("clean");
    const probot = await newProbot(app);
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, status: "added", patch: addedPatch(clean[CI]) }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, clean, [], 1); // the changed file is the only one: read by the first query
    mockBotLogin(scope);

    await deliver(probot, "delivery-1", pullRequestPayload());
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "success",
        output: { title: "No problems found", summary: "**tagguard** analysed 1 workflow-related file at `1111111` and found no problems." },
      },
    ]);
  });

  it("comments on malformed YAML at the error position", async () => {
    const malformed = fixtureRepo("malformed");
    const probot = await newProbot(app);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, status: "added", patch: addedPatch(malformed[CI]) }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, malformed, [], 1); // the changed file is the only one: read by the first query
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
            line: 10,
            side: "RIGHT",
            body: `**error** \`parse-error\`: ${PARSE_MESSAGE}\n\n[\`parse-error\` docs](${ruleDocs("parse-error")})\n\n<!-- tagguard:v1 fp=${PARSE_FP} rule=parse-error -->`,
          },
        ],
      },
    ]);
    expect(checks.updates).toEqual([malformedCheck()]);
  });

  it("lists a YAML error outside the diff in the review body", async () => {
    const malformed = fixtureRepo("malformed");
    const probot = await newProbot(app);
    const reviews: unknown[] = [];
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockPrFiles(scope, [{ filename: CI, patch: hunkPatch(malformed[CI], 1, 3, 2) }]);
    mockCheckRun(scope, checks);
    mockRepoAt(scope, HEAD, malformed, [], 1); // the changed file is the only one: read by the first query
    mockBotLogin(scope);
    mockReview(scope, reviews);

    await deliver(probot, "delivery-1", pullRequestPayload());

    expect(reviews).toEqual([
      {
        commit_id: HEAD,
        event: "COMMENT",
        body: [
          `**tagguard** found 1 new problem in the workflows at \`1111111\`: 1 error. The [tagguard check](${CHECK_URL}) lists every finding.`,
          "",
          "**Outside the diff**",
          "",
          `- **error** \`parse-error\` (definite) at [${CI}:10](https://github.com/acme/app/blob/${HEAD}/${CI}#L10): ${PARSE_MESSAGE} [\`parse-error\` docs](${ruleDocs("parse-error")}) <!-- tagguard:v1 fp=${PARSE_FP} rule=parse-error -->`,
        ].join("\n"),
      },
    ]);
    expect(checks.updates).toEqual([malformedCheck()]);
  });
});
