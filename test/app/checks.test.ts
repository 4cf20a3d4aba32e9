import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import nock from "nock";
import { parse } from "yaml";
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { Probot } from "probot";
import { createApp } from "../../src/app/app.js";
import { DEFAULT_ANALYSIS_LIMITS, WorkerEngine } from "../../src/app/runtime/worker-engine.js";
import { annotationOf, checkOutput, CheckRun, clipBytes, conclusionOf, MAX_SUMMARY_CHARS, reportTo, type CheckReport } from "../../src/app/review/checks.js";
import type { Finding } from "../../src/report/finding.js";
import { CHECK_URL, checkCalls, inProgress, mockCheckRun } from "./check-mocks.js";
import { api, fixtureRepo, HEAD, type LogLines, mockRepoAt, mockToken, newProbot, pullRequestPayload, recordUnmatched } from "./harness.js";
import { cacheFinding, file, links, sha, text, texts, url } from "./ci-workflow.js";
import { DOCS, ruleDocs } from "../support/docs.js";
import { finding, linesOf, spanOf } from "./spans.js";
import { StubEngine } from "./stub-engine.js";

const docs = ruleDocs;

function report(findings: Finding[], extra: Partial<CheckReport> = {}): CheckReport {
  return { headSha: sha, findings, fileCount: 1, texts, links, docsBase: DOCS, notes: [], configProblems: [], ...extra };
}

describe("conclusionOf", () => {
  it("fails on a definite error only", () => {
    expect(conclusionOf([cacheFinding(), cacheFinding({ severity: "warning" })])).toBe("failure");
  });

  it("is neutral for possible errors, warnings and info", () => {
    expect(conclusionOf([cacheFinding({ confidence: "possible" }), cacheFinding({ severity: "warning" }), cacheFinding({ severity: "info" })])).toBe("neutral");
  });

  it("succeeds without findings", () => {
    expect(conclusionOf([])).toBe("success");
  });
});

describe("annotationOf", () => {
  it("annotates the primary span with columns on one line, related locations in the message and the fix as a diff", () => {
    expect(annotationOf(cacheFinding(), texts)).toEqual({
      path: file,
      start_line: 11,
      end_line: 11,
      start_column: 35,
      end_column: 62,
      annotation_level: "failure",
      title: "cache-overwrites-tag",
      message: `cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image\n\nRelated:\n- ${file}:10: the image tag pushed here`,
      raw_details: [
        "Fix: Export the cache to a dedicated tag",
        "",
        `${file}:11`,
        "-          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
        "+          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
      ].join("\n"),
    });
  });

  it("gives no columns for a span over several lines, and ends on the last line it touches", () => {
    const f = cacheFinding({ primary: linesOf(file, text, 9, 11), related: [], fix: undefined, severity: "warning" });
    expect(annotationOf(f, texts)).toEqual({
      path: file,
      start_line: 9,
      end_line: 11,
      annotation_level: "warning",
      title: "cache-overwrites-tag",
      message: "cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
    });
  });

  it("maps info to notice and names an unsafe fix without a diff when the file text is unknown", () => {
    const f = cacheFinding({ severity: "info", related: [], fix: { ...cacheFinding().fix!, safe: false } });
    expect(annotationOf(f, new Map())).toMatchObject({
      annotation_level: "notice",
      raw_details: "Fix (review before applying): Export the cache to a dedicated tag",
    });
  });

  it("keeps message and raw details within 64 KB", () => {
    const f = cacheFinding({ message: "é".repeat(40_000), related: [], fix: undefined });
    const a = annotationOf(f, texts);
    expect(Buffer.byteLength(a.message, "utf8")).toBeLessThanOrEqual(65_535);
    expect(a.message.endsWith("é…")).toBe(true);
  });
});

describe("clipBytes", () => {
  it("leaves text within the limit alone", () => {
    expect(clipBytes("abc", 3)).toBe("abc");
  });

  it("cuts between code points and marks the cut", () => {
    expect(clipBytes("a😀b", 5)).toBe("a…");
    expect(clipBytes("ab😀", 9)).toBe("ab😀");
    expect(clipBytes("abcdef", 5)).toBe("ab…");
  });
});

describe("checkOutput", () => {
  it("says so when there is nothing to report", () => {
    expect(checkOutput(report([], { fileCount: 2 }))).toEqual({
      title: "No problems found",
      summary: "**tagguard** analysed 2 workflow-related files at `0123456` and found no problems.",
    });
  });

  it("counts the findings by rule with links to the docs, lists them errors first, then the notes", () => {
    const parse = cacheFinding({ ruleId: "parse-error", primary: spanOf(file, text, 9, "push"), fingerprint: "p", related: [], fix: undefined, message: "bad\nyaml" });
    const possible = cacheFinding({ confidence: "possible", fingerprint: "q", message: "maybe" });
    const warning = cacheFinding({ severity: "warning", primary: spanOf(file, text, 10, "tags"), fingerprint: "w", message: "warn" });
    const out = checkOutput(report([warning, possible, parse, cacheFinding()], { notes: ["`big.yml` was skipped."], configProblems: ["`.github/tagguard.yml` is invalid, so tagguard ignores it and uses its defaults.\nrules.x: unknown"] }));
    expect(out).toEqual({
      title: "3 errors (1 possible), 1 warning",
      summary: [
        "**tagguard** analysed 1 workflow-related file at `0123456` and found 4 problems.",
        "",
        "**Configuration**",
        "",
        "- `.github/tagguard.yml` is invalid, so tagguard ignores it and uses its defaults. rules.x: unknown",
        "",
        "**By rule**",
        "",
        `- [\`parse-error\`](${docs("parse-error")}): 1 error`,
        `- [\`cache-overwrites-tag\`](${docs("cache-overwrites-tag")}): 2 errors (1 possible), 1 warning`,
        "",
        "**Findings**",
        "",
        `- **error** \`parse-error\` (definite) at [${file}:9](${url("L9")}): bad yaml`,
        `- **error** \`cache-overwrites-tag\` (possible) at [${file}:11](${url("L11")}): maybe`,
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image`,
        `- **warning** \`cache-overwrites-tag\` (definite) at [${file}:10](${url("L10")}): warn`,
        "",
        "**Notes**",
        "",
        "- `big.yml` was skipped.",
      ].join("\n"),
    });
  });

  it("cuts the findings with an '…and N more' line to stay within the limit", () => {
    const many = Array.from({ length: 5 }, (_, i) => cacheFinding({ fingerprint: `f${i}`, message: `m${i} ${"x".repeat(100)}` }));
    const { summary } = checkOutput(report(many, { notes: ["n1", "n2"] }), 1300);
    expect(summary.length).toBeLessThanOrEqual(1300);
    expect(summary.split("\n").filter((l) => l.startsWith("- **error**"))).toHaveLength(2);
    expect(summary.endsWith("\n\n…and 3 more findings, each annotated at its location.\n\n**Notes**\n\n- n1\n- n2")).toBe(true);
  });

  it("stays within any limit, cutting every list with its '…and N more' line", () => {
    const many = Array.from({ length: 30 }, (_, i) => cacheFinding({ fingerprint: `f${i}`, ruleId: `rule-${i % 7}`, message: "y".repeat((i * 37) % 300) }));
    const notes = Array.from({ length: 30 }, (_, i) => `note ${"z".repeat((i * 53) % 250)}`);
    for (let max = 1000; max < 12_000; max += 97) {
      const { summary } = checkOutput(report(many, { notes }), max);
      expect(summary.length).toBeLessThanOrEqual(max);
    }
  });

  it("never exceeds 65,535 characters, however many findings and notes there are", () => {
    const many = Array.from({ length: 3000 }, (_, i) => cacheFinding({ fingerprint: `f${i}`, ruleId: `rule-${i % 40}`, message: "y".repeat(200) }));
    const notes = Array.from({ length: 1000 }, (_, i) => `note ${i} ${"z".repeat(100)}`);
    const { summary } = checkOutput(report(many, { notes }));
    expect(summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(summary).toContain("\n\n- [`rule-0`]");
    expect(summary.length).toBe(65_252);
    expect(summary.endsWith(`\n\n…and 2836 more findings, each annotated at its location.\n\n**Notes**\n\n- ${notes.slice(0, 3).join("\n- ")}\n\n…and 997 more notes.`)).toBe(true);
  });
});

/** An Octokit stand-in whose check-run calls answer or fail as the test says, recording the updates. */
function fakeOctokit(create: () => Promise<unknown>, update: () => Promise<unknown>, updates: unknown[] = []) {
  return {
    rest: {
      checks: {
        create,
        update: (params: unknown) => {
          updates.push(params);
          return update();
        },
      },
    },
  } as unknown as Parameters<typeof CheckRun.start>[0];
}

function fakeLog(lines: unknown[][]) {
  return { warn: (...args: unknown[]) => lines.push(["warn", ...args]), error: (...args: unknown[]) => lines.push(["error", ...args]) } as unknown as Parameters<
    typeof CheckRun.start
  >[3];
}

describe("CheckRun", () => {
  const created = () => Promise.resolve({ data: { id: 3, html_url: null } });
  const refused = (message: string) => () => Promise.reject(Object.assign(new Error(message), { status: 403 }));

  it("goes without a check run when Checks: write is not granted, and says so in the log", async () => {
    const lines: unknown[][] = [];
    const check = await CheckRun.start(fakeOctokit(refused("Resource not accessible by integration"), created), { owner: "acme", repo: "app" }, sha, fakeLog(lines));
    expect(check).toBeUndefined();
    expect(lines).toEqual([["warn", { status: 403 }, "tagguard: cannot create the check run (is Checks: write granted?), reviewing without it"]]);
  });

  it("throws a rate limit, which is not a missing permission", async () => {
    const octokit = fakeOctokit(refused("You have exceeded a secondary rate limit"), created);
    await expect(CheckRun.start(octokit, { owner: "acme", repo: "app" }, sha, fakeLog([]))).rejects.toThrow("secondary rate limit");
  });

  it("has no link when GitHub gives none", async () => {
    const check = await CheckRun.start(fakeOctokit(created, created), { owner: "acme", repo: "app" }, sha, fakeLog([]));
    expect(check?.htmlUrl).toBeUndefined();
  });

  it("logs, without throwing, when even concluding the failure fails", async () => {
    const lines: unknown[][] = [];
    const updates: unknown[] = [];
    const octokit = fakeOctokit(created, () => Promise.reject(Object.assign(new Error("boom"), { status: 500 })), updates);
    const check = await CheckRun.start(octokit, { owner: "acme", repo: "app" }, sha, fakeLog(lines));
    await expect(reportTo(check, fakeLog(lines), () => Promise.reject(new Error("engine bug")))).rejects.toThrow("engine bug");
    expect(updates).toEqual([
      {
        owner: "acme",
        repo: "app",
        check_run_id: 3,
        status: "completed",
        conclusion: "failure",
        output: { title: "Analysis failed", summary: "**tagguard** could not finish the analysis: an internal error. Re-run the check to try again." },
      },
    ]);
    expect(lines).toMatchObject([["error", { checkRunId: 3, error: { message: "boom", status: 500 } }, "tagguard: could not conclude the failed check run"]]);
  });
});

const repo = fixtureRepo("repo");

function rerunPayload(event: "check_run" | "check_suite", name = "tagguard"): Record<string, unknown> {
  const { repository, installation, sender } = pullRequestPayload();
  const suite = { id: 77, head_sha: HEAD, head_branch: null, pull_requests: [] };
  return {
    action: "rerequested",
    ...(event === "check_run"
      ? { check_run: { id: 555, name, head_sha: HEAD, status: "completed", conclusion: "failure", html_url: CHECK_URL, pull_requests: [], check_suite: suite } }
      : { check_suite: suite }),
    repository,
    installation,
    sender,
  };
}

function deliverEvent(probot: Probot, name: string, id: string, payload: Record<string, unknown>): Promise<void> {
  return probot.receive({ id, name, payload } as unknown as EmitterWebhookEvent);
}

describe("re-runs", () => {
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

  const CI = ".github/workflows/ci.yml";
  const ciFinding = () => finding({ primary: spanOf(CI, repo[CI], 21, "cache-to"), severity: "warning", fingerprint: "fp-ci", message: "m" });

  it.each(["check_run", "check_suite"] as const)("%s.rerequested analyses the head SHA again into a new check run, without a review", async (event) => {
    const engine = new StubEngine(() => ({ findings: [ciFinding(), ciFinding()], notes: [] }));
    const probot = await newProbot(createApp(engine));
    const checks = checkCalls();
    const scope = api();
    mockToken(scope);
    mockCheckRun(scope, checks, 1, 556);
    mockRepoAt(scope, HEAD, repo);

    await deliverEvent(probot, event, "delivery-rerun", rerunPayload(event));
    await deliverEvent(probot, event, "delivery-rerun", rerunPayload(event));

    expect(engine.analyzed).toHaveLength(1);
    expect(checks.created).toEqual([inProgress(HEAD)]);
    expect(checks.updates).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        output: {
          title: "1 warning",
          summary: [
            "**tagguard** analysed 3 workflow-related files at `1111111` and found 1 problem.",
            "",
            "**By rule**",
            "",
            `- [\`cache-overwrites-tag\`](${docs("cache-overwrites-tag")}): 1 warning`,
            "",
            "**Findings**",
            "",
            `- **warning** \`cache-overwrites-tag\` (definite) at [${CI}:21](https://github.com/acme/app/blob/${HEAD}/${CI}#L21): m`,
          ].join("\n"),
          annotations: [
            { path: CI, start_line: 21, end_line: 21, start_column: 11, end_column: 19, annotation_level: "warning", title: "cache-overwrites-tag", message: "m" },
          ],
        },
      },
    ]);
  });

  it("concludes neutral when the analysis passes its time budget, ends the thread, and runs the next job", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tagguard-budget-"));
    // A stand-in for an input the engine never finishes: any analysis with release.yml loops for good.
    const looping = join(dir, "looping-worker.mjs");
    writeFileSync(
      looping,
      [
        'import { parentPort } from "node:worker_threads";',
        "parentPort.on(\"message\", (job) => {",
        '  if (job.kind === "analyze" && job.files.some((f) => f.path.endsWith("release.yml"))) for (;;);',
        '  parentPort.postMessage({ id: job.id, result: job.kind === "references" ? [] : { findings: [], notes: [] } });',
        "});",
      ].join("\n"),
    );
    const engine = new WorkerEngine(1, pathToFileURL(looping), { ...DEFAULT_ANALYSIS_LIMITS, budgetMs: 300 });
    try {
      const logs: LogLines = [];
      const probot = await newProbot(createApp(engine), logs);
      const checks = checkCalls();
      const scope = api();
      mockToken(scope);
      mockCheckRun(scope, checks, 1, 556);
      mockRepoAt(scope, HEAD, repo);
      mockCheckRun(scope, checks, 1, 557);
      mockRepoAt(scope, HEAD, Object.fromEntries(Object.entries(repo).filter(([path]) => !path.endsWith("release.yml"))));

      await deliverEvent(probot, "check_run", "delivery-loop", rerunPayload("check_run"));
      await deliverEvent(probot, "check_run", "delivery-next", rerunPayload("check_run"));

      expect(checks.updates).toEqual([
        {
          status: "completed",
          conclusion: "neutral",
          output: {
            title: "Analysis stopped",
            summary:
              "**tagguard** stopped the analysis of this commit: the analysis took longer than its budget of 0.3 s, so these workflows were not checked. Other repositories are not affected. Re-run the check to try again.",
          },
        },
        expect.objectContaining({ status: "completed", conclusion: "success" }),
      ]);
      expect(logs.filter((l) => l.msg === "tagguard: handling the event failed").map((l) => [l.deliveryId, (l.error as { type?: unknown }).type])).toEqual([
        ["delivery-loop", "AnalysisOverrun"],
      ]);
      expect(engine.health()).toEqual({ budgetMs: 300, threads: [null], stuck: false });
    } finally {
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ignores re-run requests for check runs of other names", async () => {
    const engine = new StubEngine();
    const probot = await newProbot(createApp(engine));

    await deliverEvent(probot, "check_run", "delivery-other", rerunPayload("check_run", "build"));

    expect(engine.analyzed).toEqual([]);
  });
});

describe("app.yml", () => {
  it("subscribes the events of the re-run handler", () => {
    const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as { default_events: string[]; default_permissions: Record<string, string> };
    expect(manifest.default_events).toEqual(expect.arrayContaining(["pull_request", "check_run", "check_suite"]));
    expect(manifest.default_permissions.checks).toBe("write");
  });
});
