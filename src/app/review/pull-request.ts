import type { Context } from "probot";
import { docsBaseOf } from "../../report/docs-url.js";
import { changedAnalyzablePaths, listChangedFiles, type PullRef } from "./analysis.js";
import { type AnalysisSource, analyzeHead, CheckRun, reportTo } from "./checks.js";
import { DiffMap } from "./diff.js";
import { isRepeatedRun } from "../runtime/dispatch.js";
import type { Engine } from "../runtime/engine-port.js";
import { openFingerprints } from "./markers.js";
import { allClearReview, buildReview, type ReviewDraft, type ReviewInput, withoutInlineComments } from "./review.js";
import { fixedThreads, resolveThreads } from "./threads.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.synchronize",
  "pull_request.reopened",
  "pull_request.ready_for_review",
] as const;

export type PullRequestEvent = (typeof PULL_REQUEST_EVENTS)[number];
type PullRequestContext = Context<PullRequestEvent>;

export interface PullRequestDeps {
  engine: Engine;
  botLogin(): Promise<string>;
}

function isUnprocessable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: unknown }).status === 422;
}

/**
 * Reviews the workflow changes of a pull request: analyses every workflow-related file at the head
 * commit inside the `tagguard` check run (which annotates every finding and concludes, also when there
 * is none), then posts one review with the findings not posted before (or, once, an all-clear), and
 * resolves the threads of findings the push fixed. A pull request that changes no workflow-related file
 * gets neither: no write call at all.
 */
export function pullRequestHandler(deps: PullRequestDeps): (context: PullRequestContext) => Promise<void> {
  return async (context) => {
    const { owner, repo } = context.repo();
    await reviewPullRequest(context, { owner, repo, pull_number: context.payload.pull_request.number }, deps);
  };
}

async function reviewPullRequest(context: PullRequestContext, pull: PullRef, deps: PullRequestDeps): Promise<void> {
  const pr = context.payload.pull_request;
  const headSha = pr.head.sha;
  const log = context.log.child({ deliveryId: context.id, pull: `${pull.owner}/${pull.repo}#${pull.pull_number}`, headSha });
  if (pr.draft) {
    log.debug("tagguard: draft pull request, waiting for ready_for_review");
    return;
  }
  const { octokit } = context;
  const repo = { owner: pull.owner, repo: pull.repo };
  const changes = await listChangedFiles(octokit, pull, pr.changed_files, deps.engine);
  if (!changes.relevant) {
    log.debug("tagguard: no workflow-related file changed");
    return;
  }

  const check = await CheckRun.start(octokit, repo, headSha, log, isRepeatedRun(context));
  const source: AnalysisSource = {
    octokit,
    config: context.config.bind(context),
    repo,
    repoHtmlUrl: context.payload.repository.html_url,
    headSha,
    docsBase: docsBaseOf(process.env),
  };
  const paths = changedAnalyzablePaths(changes.prFiles, deps.engine);
  const report = await reportTo(check, log, () => analyzeHead(source, deps, { paths, notes: changes.notes, pull: pull.pull_number }));
  const { findings } = report;

  const slug = (await deps.botLogin()).replace(/\[bot\]$/, "");
  const open = openFingerprints((report.pull?.posted ?? []).filter((p) => p.author === slug));
  const fresh = findings.filter((f) => !open.has(f.fingerprint));
  log.info({ files: report.fileCount, findings: findings.length, new: fresh.length }, "tagguard: analysed");

  const input: ReviewInput = {
    findings: fresh,
    ...(check?.htmlUrl === undefined ? {} : { checkUrl: check.htmlUrl }),
    diff: new DiffMap(changes.prFiles),
    texts: report.texts,
    links: report.links,
    docsBase: report.docsBase,
    headSha,
    notes: [...report.configProblems, ...report.notes],
  };
  let draft: ReviewDraft | undefined;
  if (fresh.length > 0) draft = buildReview(input);
  else if (findings.length === 0 && open.size > 0) draft = allClearReview(headSha);
  const fixed = fixedThreads(report.pull?.threads ?? [], slug, findings, report.texts);
  if (!draft && fixed.length === 0) return;

  const current = report.pull;
  if (current?.headSha !== headSha || current.state !== "OPEN") {
    log.info({ currentHead: current?.headSha, state: current?.state }, "tagguard: pull request moved on, not posting");
    return;
  }
  const post = (d: ReviewDraft) =>
    octokit.rest.pulls.createReview({
      ...pull,
      commit_id: headSha,
      event: "COMMENT",
      body: d.body,
      ...(d.comments.length > 0 ? { comments: d.comments } : {}),
    });
  if (draft) await postReview(draft, post, input, log);
  if (fixed.length > 0) {
    await resolveThreads(octokit, fixed);
    log.info({ threads: fixed.length }, "tagguard: resolved the threads of fixed findings");
  }
}

async function postReview(draft: ReviewDraft, post: (d: ReviewDraft) => Promise<unknown>, input: ReviewInput, log: PullRequestContext["log"]): Promise<void> {
  try {
    await post(draft);
  } catch (err) {
    if (!isUnprocessable(err) || draft.comments.length === 0) throw err;
    log.warn({ status: 422 }, "tagguard: GitHub refused the inline comments, posting the findings in the review body");
    await post(withoutInlineComments(input, "GitHub did not accept inline comments on this diff, so every finding is listed here."));
  }
}
