import { BakeFiles } from "../builds/bake.js";
import { extractBuild, type MetadataResults } from "../builds/extract.js";
import { type BuildInvocation, compactBuild } from "../builds/invocation.js";
import { applyConfig } from "../config/apply.js";
import { ANALYSIS_LIMIT, PARSE_ERROR } from "../config/diagnostics.js";
import { scanIgnoreDirectives } from "../config/ignores.js";
import { defaultConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import type { Finding } from "../report/finding.js";
import { fingerprint } from "../report/fingerprint.js";
import { rules } from "../rules/index.js";
import { runRule } from "../rule-kit/rule.js";
import type { Workflow } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import { Budget, type LimitHit, limitsFor } from "./budget.js";
import { Project, type SourceFile } from "./project.js";
import { type StepVisit, Walker } from "./walk.js";

export { isAnalyzablePath, Project, referencedPaths, type SourceFile } from "./project.js";

export interface AnalysisResult {
  findings: Finding[];
  /** Files that were skipped or references that could not be resolved. */
  notes: string[];
}

export { PARSE_ERROR };

export interface AnalyzeOptions {
  /** The repository configuration (`parseConfig`, `configFromValue`); the defaults when absent. */
  config?: Config;
  /**
   * The repository's `owner/name` as GitHub spells it (from the App's payload, the CLI's `--repository` or git
   * remote), so `github.repository` and `github.repository_owner` are known; unknown values when absent.
   */
  repository?: string;
}

function diagnostic(ruleId: string, message: string, span: Span): Finding {
  return {
    ruleId,
    severity: "error",
    confidence: "definite",
    message,
    primary: span,
    related: [],
    hidden: [],
    fingerprint: fingerprint(ruleId, span.file, message),
  };
}

function parseError(message: string, span: Span): Finding {
  return diagnostic(PARSE_ERROR, message, span);
}

function analysisLimit(hit: LimitHit): Finding {
  return diagnostic(ANALYSIS_LIMIT, `Analysis stopped early: ${hit.message}. Findings in what was not evaluated may be missing.`, hit.span);
}

function byPosition(a: Finding, b: Finding): number {
  return (
    a.primary.file.localeCompare(b.primary.file) ||
    a.primary.start.offset - b.primary.start.offset ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/** What one walk of a project finds. */
export interface Collected {
  builds: BuildInvocation[];
  walker: Walker;
  /**
   * Every reachable step of the workflows (not of the local actions no workflow calls), per workflow ×
   * event × matrix leg, with local composite actions and reusable workflows expanded, in walk order.
   */
  visits: StepVisit[];
}

/**
 * Walks every workflow, then the reusable workflows and local actions no workflow calls, and collects
 * the builds they declare, plus those of the bake files no step builds, and the workflows' step visits.
 */
export function collectBuilds(project: Project, repository?: string, budget = new Budget(limitsFor(project))): Collected {
  const builds: BuildInvocation[] = [];
  const visits: StepVisit[] = [];
  let record = true;
  const bakeFiles = new BakeFiles(project, budget);
  const metadata: MetadataResults = new Map();
  const walker = new Walker(
    project,
    (visit) => {
      if (record) visits.push(visit);
      const before = builds.length;
      const result = extractBuild(visit, builds, bakeFiles, metadata);
      for (let i = before; i < builds.length; i++) {
        // Past the build budget the walk ends: the builds this step found beyond it are not kept.
        if (!budget.build(visit.step.span)) {
          builds.length = i;
          break;
        }
        compactBuild(builds[i]);
      }
      return result;
    },
    budget,
    repository,
  );
  const reusableOnly = (w: Workflow) => w.triggers.length > 0 && w.triggers.every((t) => t.event === "workflow_call");
  const workflows = [...project.workflows.values()];
  for (const workflow of workflows.filter((w) => !reusableOnly(w))) walker.walkWorkflow(workflow);
  for (const workflow of workflows.filter(reusableOnly)) {
    if (!walker.calledWorkflows.has(workflow.file)) walker.walkWorkflow(workflow);
  }
  record = false;
  for (const action of project.actions.values()) {
    if (!walker.calledActions.has(action.file)) walker.walkAction(action);
  }
  builds.push(...bakeFiles.standalone());
  return { builds, walker, visits };
}

/**
 * Analyses a set of repository files, or a project already built from them. Pure: no I/O, deterministic
 * output order. The configuration's rule settings, path ignores and the inline `# tagguard: ignore[...]`
 * comments are applied here, so the CLI and the App report the same findings.
 */
export function analyze(input: SourceFile[] | Project, options: AnalyzeOptions = {}): AnalysisResult {
  const config = options.config ?? defaultConfig();
  const project = input instanceof Project ? input : new Project(input);
  const budget = new Budget(limitsFor(project, config.limits));
  const { builds, walker, visits } = collectBuilds(project, options.repository, budget);

  const findings: Finding[] = [];
  for (const y of project.yamlFiles) {
    const [first, ...rest] = [...y.problems].sort((a, b) => a.span.start.offset - b.span.start.offset);
    if (!first) continue;
    const more = rest.length ? ` (${rest.length === 1 ? "1 more error follows" : `${rest.length} more errors follow`} from it)` : "";
    findings.push(parseError(`YAML syntax error: ${first.message}${more}`, first.span));
  }
  for (const p of walker.problems) {
    if (p.kind === "syntax") findings.push(parseError(p.message, p.span));
  }
  if (budget.hit) findings.push(analysisLimit(budget.hit));
  for (const rule of rules) {
    if (config.rules[rule.meta.id]?.enabled !== false) findings.push(...runRule(rule, { project, builds, visits, config }));
  }
  const directives = project.yamlFiles.flatMap((y) => scanIgnoreDirectives(y.file, y.text));
  const reported = [
    ...applyConfig(findings, directives, config, rules.map((r) => r.meta.id)),
    ...config.diagnostics,
  ];

  const notes = [
    ...project.notes,
    ...project.yamlFiles.flatMap((y) => y.notes),
    ...walker.problems.filter((p) => p.kind === "note").map((p) => `${p.span.file}:${p.span.start.line}: ${p.message}`),
  ];
  return { findings: reported.sort(byPosition), notes };
}
