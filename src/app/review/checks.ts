/**
 * The `tagguard` check run: the complete, machine-readable result for one head commit. Every finding is
 * an annotation, the summary counts them by rule, and the conclusion makes tagguard usable as a
 * required status check. The review stays the conversation (a few inline comments and suggestions);
 * the check run carries everything.
 *
 * Re-runs: `check_run.rerequested` and `check_suite.rerequested` analyse the check's head SHA again and
 * write a new check run (updating the old one would append a second set of annotations to the first).
 * A re-run posts no review: the check's `pull_requests` array is empty for pull requests from forks, a
 * commit can head several pull requests, and the review of that head SHA was already posted by the
 * `pull_request` event. The head SHA is all a re-run needs.
 */
import type { Context, ProbotOctokit } from "probot";
import { type Finding, isBlocking, type Severity } from "../../report/finding.js";
import { docsBaseOf } from "../../report/docs-url.js";
import { docsUrlFor } from "../../rule-kit/rule.js";
import { analyzeRevision } from "./analysis.js";
import type { Engine } from "../runtime/engine-port.js";
import { isNoOp, lastLine, toLineReplacement } from "../../report/line-replacement.js";
import type { PullSnapshot } from "../github/repo-files.js";
import { byImportance, counts, heading, markdownText, Permalinks, plural, uniqueByFingerprint } from "./review.js";
import { describeError } from "../runtime/keyed.js";
import { AnalysisOverrun } from "../runtime/worker-engine.js";
import { isRepeatedRun } from "../runtime/dispatch.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export const CHECK_NAME = "tagguard";
/** GitHub accepts at most 50 annotations per request; annotations of successive updates are appended. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit on `output.summary`, in characters. */
export const MAX_SUMMARY_CHARS = 65_535;
/** GitHub's limit on an annotation's `message` and `raw_details` (64 KB). */
export const MAX_ANNOTATION_BYTES = 65_535;

export type Conclusion = "success" | "neutral" | "failure";

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
  raw_details?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
}

/** What a completed check run reports. */
export interface CheckReport {
  headSha: string;
  findings: readonly Finding[];
  /** How many workflow-related files were analysed. */
  fileCount: number;
  /** File contents at the head commit, by repository path (used to render fixes). */
  texts: ReadonlyMap<string, string>;
  links: Permalinks;
  /** The docs base rule pages are linked under (see report/docs-url.ts). */
  docsBase: string;
  notes: readonly string[];
  /** What is wrong with `.github/tagguard.yml` (see `loadRepoConfig`). */
  configProblems: readonly string[];
}

/**
 * `failure` only for a definite error (one that holds for every evaluation); `neutral` for warnings,
 * info and possible errors, which depend on values tagguard cannot know; `success` when clean.
 */
export function conclusionOf(findings: readonly Finding[]): Conclusion {
  if (findings.some(isBlocking)) return "failure";
  return findings.length > 0 ? "neutral" : "success";
}

const LEVEL: Record<Severity, Annotation["annotation_level"]> = { error: "failure", warning: "warning", info: "notice" };

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, ending with "…" when cut (never inside a code point). */
export function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let bytes = Buffer.byteLength("…", "utf8");
  let out = "";
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, "utf8");
    if (bytes > maxBytes) break;
    out += ch;
  }
  return `${out}…`;
}

function fixDetails(f: Finding, texts: ReadonlyMap<string, string>): string | undefined {
  if (!f.fix) return undefined;
  const lines = [`${f.fix.safe ? "Fix" : "Fix (review before applying)"}: ${f.fix.title}`];
  const text = texts.get(f.fix.edits[0]?.span.file ?? "");
  const r = text === undefined ? undefined : toLineReplacement(f.fix, text);
  if (r && !isNoOp(r)) {
    lines.push("", `${r.path}:${r.startLine === r.endLine ? r.startLine : `${r.startLine}-${r.endLine}`}`);
    lines.push(...r.before.map((l) => `-${l}`), ...r.after.map((l) => `+${l}`));
  }
  return lines.join("\n");
}

/**
 * One annotation per finding, on its primary span. Columns (1-based, UTF-16 code units, end exclusive
 * like the CLI's JSON) are given only for a span on one line, as GitHub requires.
 */
export function annotationOf(f: Finding, texts: ReadonlyMap<string, string>): Annotation {
  const { start, end } = f.primary;
  const related = f.related.map((r) => `- ${r.span.file}:${r.span.start.line}: ${r.message}`);
  const message = related.length > 0 ? `${f.message}\n\nRelated:\n${related.join("\n")}` : f.message;
  const details = fixDetails(f, texts);
  return {
    path: f.primary.file,
    start_line: start.line,
    end_line: lastLine(f.primary),
    ...(end.line === start.line ? { start_column: start.col, end_column: end.col } : {}),
    annotation_level: LEVEL[f.severity],
    title: f.ruleId,
    message: clipBytes(message, MAX_ANNOTATION_BYTES),
    ...(details === undefined ? {} : { raw_details: clipBytes(details, MAX_ANNOTATION_BYTES) }),
  };
}

/** Room kept for each "…and N more" line still to come. */
const MORE_ROOM = 200;

/** Markdown blocks added while they fit under a character limit. */
class Summary {
  private readonly blocks: string[] = [];
  private length = 0;

  constructor(private readonly max: number) {}

  private cost(block: string): number {
    return (this.blocks.length > 0 ? 2 : 0) + block.length;
  }

  add(block: string): void {
    this.length += this.cost(block);
    this.blocks.push(block);
  }

  /**
   * A titled list with as many items as fit, keeping `later` "…and N more" lines' worth of room for
   * the lists that follow, then a line counting the items left out.
   */
  list(title: string, items: readonly string[], more: (n: number) => string, later: number): void {
    let block = title;
    let shown = 0;
    for (const item of items) {
      const next = `${block}${shown === 0 ? "\n\n" : "\n"}${item}`;
      if (this.length + this.cost(next) + (later + 1) * MORE_ROOM > this.max) break;
      block = next;
      shown++;
    }
    if (shown > 0) this.add(block);
    if (shown < items.length) this.add(more(items.length - shown));
  }

  toString(): string {
    return this.blocks.join("\n\n");
  }
}

/**
 * The check run's title and summary: totals, the configuration's problems, the findings by rule with
 * links to the rules' docs, every finding with a permalink, and the notes, each list cut with an
 * "…and N more" line to stay within `maxChars`.
 */
export function checkOutput(report: CheckReport, maxChars = MAX_SUMMARY_CHARS): CheckOutput {
  const findings = [...report.findings].sort(byImportance);
  const files = plural(report.fileCount, "workflow-related file");
  const sha = report.headSha.slice(0, 7);
  const summary = new Summary(maxChars);
  summary.add(
    findings.length === 0
      ? `**tagguard** analysed ${files} at \`${sha}\` and found no problems.`
      : `**tagguard** analysed ${files} at \`${sha}\` and found ${plural(findings.length, "problem")}.`,
  );
  const config = report.configProblems.map((p) => `- ${markdownText(p, true)}`);
  summary.list("**Configuration**", config, (n) => `…and ${plural(n, "more configuration problem")}.`, 3);
  const rules = [...new Set(findings.map((f) => f.ruleId))];
  const byRule = rules.map((id) => `- [\`${id}\`](${docsUrlFor(id, report.docsBase)}): ${counts(findings.filter((f) => f.ruleId === id))}`);
  summary.list("**By rule**", byRule, (n) => `…and ${plural(n, "more rule")}.`, 2);
  const items = findings.map((f) => `- ${heading(f)} at ${report.links.span(f.primary)}: ${markdownText(f.message, true)}`);
  summary.list("**Findings**", items, (n) => `…and ${plural(n, "more finding")}, each annotated at its location.`, 1);
  const notes = report.notes.map((n) => `- ${markdownText(n, true)}`);
  summary.list("**Notes**", notes, (n) => `…and ${plural(n, "more note")}.`, 0);

  return { title: findings.length === 0 ? "No problems found" : counts(findings), summary: summary.toString() };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A 403 that is not a rate limit: the installation lacks the permission. */
function isForbidden(err: unknown): boolean {
  const e = err as { status?: unknown; message?: unknown } | null;
  return e?.status === 403 && !/rate limit/i.test(String(e.message));
}

type Log = Context["log"];

export interface RepoRef {
  owner: string;
  repo: string;
}

/** One `tagguard` check run, created in progress. */
export class CheckRun {
  private constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    readonly id: number,
    /** Where the check run is shown; GitHub may omit it. */
    readonly htmlUrl: string | undefined,
    /**
     * The conclusion an earlier attempt already completed this check run with: the analysis of one head SHA is
     * the same, so the run only finishes what that attempt did not (the review), without a second check run or a
     * second set of annotations.
     */
    private readonly done?: Conclusion,
  ) {}

  /**
   * Creates the check run on `headSha`, in progress, with the head SHA as its `external_id`. A run that is
   * repeated (after a fault, or after its process died) first looks for the check run an earlier attempt made
   * on `headSha`: one left in progress is completed instead of creating a second, one already completed is kept
   * as it is (the attempt died after completing it, before its review). Returns undefined when
   * the installation has not granted Checks: write (403), e.g. an installation that has not yet accepted the
   * permission: the review is then posted without a check run.
   */
  static async start(octokit: Octokit, repo: RepoRef, headSha: string, log: Log, repeated = false): Promise<CheckRun | undefined> {
    try {
      if (repeated) {
        const { data } = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: "latest", per_page: 100 });
        const earlier = data.check_runs.filter((c) => c.external_id === headSha);
        const left = earlier.find((c) => c.status === "in_progress");
        if (left) {
          log.info({ checkRunId: left.id }, "tagguard: completing the check run an earlier attempt left in progress");
          return new CheckRun(octokit, repo, left.id, left.html_url ?? undefined);
        }
        const completed = earlier.find((c) => c.status === "completed" && c.conclusion);
        if (completed) {
          log.info({ checkRunId: completed.id }, "tagguard: an earlier attempt completed the check run, keeping it");
          return new CheckRun(octokit, repo, completed.id, completed.html_url ?? undefined, completed.conclusion as Conclusion);
        }
      }
      const { data } = await octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: headSha, external_id: headSha, status: "in_progress" });
      return new CheckRun(octokit, repo, data.id, data.html_url ?? undefined);
    } catch (err) {
      if (!isForbidden(err)) throw err;
      log.warn({ status: 403 }, "tagguard: cannot create the check run (is Checks: write granted?), reviewing without it");
      return undefined;
    }
  }

  /**
   * Completes the check run with every finding as an annotation, 50 per request: all but the last batch
   * go in updates that keep it in progress, the last one in the update that completes it.
   */
  async complete(report: CheckReport): Promise<Conclusion> {
    if (this.done) return this.done;
    const conclusion = conclusionOf(report.findings);
    const output = checkOutput(report);
    const annotations = [...report.findings].sort(byImportance).map((f) => annotationOf(f, report.texts));
    const batches = chunks(annotations, ANNOTATIONS_PER_REQUEST);
    const last = batches.pop();
    for (const batch of batches) await this.update({ output: { ...output, annotations: batch } });
    await this.update({ status: "completed", conclusion, output: last ? { ...output, annotations: last } : output });
    return conclusion;
  }

  /**
   * Concludes `failure` after the analysis failed, so a required check does not pass unchecked and the
   * Re-run button is offered (`neutral` when it was stopped at its time budget or memory cap). A failure to say so is logged, not thrown: the caller rethrows the cause.
   */
  async abort(cause: unknown, log: Log): Promise<void> {
    if (this.done) return;
    if (cause instanceof AnalysisOverrun) return this.stopped(cause, log);
    const { status, errors } = (cause ?? {}) as { status?: unknown; errors?: { type?: unknown }[] };
    const graphqlType = Array.isArray(errors) && typeof errors[0]?.type === "string" ? errors[0].type : undefined;
    const why =
      typeof status === "number"
        ? `a GitHub API request failed with status ${status}`
        : graphqlType
          ? `a GitHub GraphQL query failed (${graphqlType})`
          : "an internal error";
    try {
      await this.update({
        status: "completed",
        conclusion: "failure",
        output: {
          title: "Analysis failed",
          summary: `**tagguard** could not finish the analysis: ${why}. Re-run the check to try again.`,
        },
      });
    } catch (err) {
      log.error({ error: describeError(err), checkRunId: this.id }, "tagguard: could not conclude the failed check run");
    }
  }

  /** Concludes `neutral` after the analysis was stopped at its limits: nothing was found, nothing was checked either. */
  private async stopped(cause: AnalysisOverrun, log: Log): Promise<void> {
    try {
      await this.update({
        status: "completed",
        conclusion: "neutral",
        output: {
          title: "Analysis stopped",
          summary: `**tagguard** stopped the analysis of this commit: ${cause.message}, so these workflows were not checked. Other repositories are not affected. Re-run the check to try again.`,
        },
      });
    } catch (err) {
      log.error({ error: describeError(err), checkRunId: this.id }, "tagguard: could not conclude the stopped check run");
    }
  }

  private async update(body: {
    status?: "completed";
    conclusion?: Conclusion;
    output: CheckOutput & { annotations?: Annotation[] };
  }): Promise<void> {
    await this.octokit.rest.checks.update({ ...this.repo, check_run_id: this.id, ...body });
  }
}

/** Where a head commit is analysed: the repository, its web address and the event's context. */
export interface AnalysisSource {
  octokit: Octokit;
  config: Context["config"];
  repo: RepoRef;
  repoHtmlUrl: string;
  headSha: string;
  /** The docs base rule pages are linked under. */
  docsBase: string;
}

/** A check report with the pull request as read with the files, when there is one. */
export type HeadAnalysis = CheckReport & { pull?: PullSnapshot };

/**
 * Reads the configuration and every workflow-related file at the head commit and analyses them.
 * `changed.paths` (read wherever they are), `changed.notes` and `changed.pull` (read with the files)
 * come from the pull request, when there is one.
 */
export async function analyzeHead(
  source: AnalysisSource,
  deps: { engine: Engine },
  changed: { paths: readonly string[]; notes: readonly string[]; pull?: number },
): Promise<HeadAnalysis> {
  const rev = { ...source.repo, sha: source.headSha };
  const analysis = await analyzeRevision(source.octokit, rev, deps.engine, {
    config: { config: source.config },
    changedPaths: changed.paths,
    ...(changed.pull === undefined ? {} : { pull: changed.pull }),
  });
  return {
    headSha: source.headSha,
    findings: uniqueByFingerprint(analysis.result.findings),
    fileCount: analysis.files.length,
    texts: new Map(analysis.files.map((f) => [f.path, f.text])),
    links: new Permalinks(source.repoHtmlUrl, source.headSha),
    docsBase: source.docsBase,
    notes: [...changed.notes, ...analysis.notes],
    configProblems: analysis.configProblems,
    ...(analysis.pull ? { pull: analysis.pull } : {}),
  };
}

/**
 * Runs `analyse` for a check run: completes the check run with the report, or concludes failure and
 * rethrows when the analysis or the completion fails. Without a check run, only analyses.
 */
export async function reportTo<R extends CheckReport>(check: CheckRun | undefined, log: Log, analyse: () => Promise<R>): Promise<R> {
  try {
    const report = await analyse();
    await check?.complete(report);
    return report;
  } catch (err) {
    await check?.abort(err, log);
    throw err;
  }
}

export const CHECK_RERUN_EVENTS = ["check_run.rerequested", "check_suite.rerequested"] as const;

type CheckRerunContext = Context<(typeof CHECK_RERUN_EVENTS)[number]>;

export interface CheckRerunDeps {
  engine: Engine;
}

/** Re-runs the analysis of a head SHA when someone asks GitHub to re-run the tagguard check (or its suite). */
export function checkRerunHandler(deps: CheckRerunDeps): (context: CheckRerunContext) => Promise<void> {
  return async (context) => {
    const payload = context.payload;
    if ("check_run" in payload && payload.check_run.name !== CHECK_NAME) return;
    const headSha = "check_run" in payload ? payload.check_run.head_sha : payload.check_suite.head_sha;
    const { owner, repo } = context.repo();
    await rerun(context, { owner, repo }, headSha, deps);
  };
}

async function rerun(context: CheckRerunContext, repo: RepoRef, headSha: string, deps: CheckRerunDeps): Promise<void> {
  const log = context.log.child({ deliveryId: context.id, repo: `${repo.owner}/${repo.repo}`, headSha });
  const check = await CheckRun.start(context.octokit, repo, headSha, log, isRepeatedRun(context));
  if (!check) return;
  const source: AnalysisSource = {
    octokit: context.octokit,
    config: context.config.bind(context),
    repo,
    repoHtmlUrl: context.payload.repository.html_url,
    headSha,
    docsBase: docsBaseOf(process.env),
  };
  const report = await reportTo(check, log, () => analyzeHead(source, deps, { paths: [], notes: [] }));
  log.info({ findings: report.findings.length, conclusion: conclusionOf(report.findings) }, "tagguard: check re-run");
}
