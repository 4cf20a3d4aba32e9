import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { templateLiteral } from "../workflow/expr/value.js";
import type { Job, Step } from "../workflow/model.js";
import { workflowInstanceKey } from "./cache-writers.js";
import type { NodePath, Span } from "../workflow/span.js";
import type { ScalarValue, YamlFile } from "../workflow/yaml.js";

/** Identity of one step of one expansion: the call chain and the step, never line numbers of unrelated code. */
export function siteKey(visit: StepVisit): string {
  const at = (s: Span) => `${s.file}:${s.start.offset}`;
  return [...visit.calls.map((c) => at(c.span)), at(visit.step.span)].join(">");
}

const MAX_EXPANSION_DEPTH = 8;

function stepIndexIn(path: NodePath): number | undefined {
  const at = path.lastIndexOf("steps");
  const index = path[at + 1];
  return at >= 0 && typeof index === "number" ? index : undefined;
}

/** Steps as they run: a local composite action's steps replace the step that calls it. */
function expand(project: Project, steps: Step[], depth: number): Step[] {
  return steps.flatMap((step, i) => {
    const uses = step.uses?.value;
    const action = uses?.startsWith("./") ? project.action(uses, steps.slice(0, i)) : undefined;
    if (!action || action.using !== "composite" || depth >= MAX_EXPANSION_DEPTH) return [step];
    return expand(project, action.steps, depth + 1);
  });
}

/**
 * The steps that run before `visit`'s step in the same job, in order, with local composite actions
 * expanded (both the ones the step sits in and earlier ones). Read from the files, so `if:` conditions
 * are not evaluated: a step that only runs on some events is included.
 */
export function precedingSteps(project: Project, visit: StepVisit): Step[] {
  const composite = visit.calls.filter((c) => c.span.path.includes("steps"));
  let steps: Step[] | undefined = visit.job?.steps ?? (composite.length === 0 ? project.actionAt(visit.file)?.steps : undefined);
  if (!steps) return [];
  const out: Step[] = [];
  for (const call of composite) {
    const index = stepIndexIn(call.span.path);
    const action = project.action(call.uses, index === undefined ? [] : steps.slice(0, index));
    if (index === undefined || !action) return out;
    out.push(...expand(project, steps.slice(0, index), 0));
    steps = action.steps;
  }
  out.push(...expand(project, steps.slice(0, visit.step.index), 0));
  return out;
}

/** The parsed YAML file at `file`. */
export function yamlOf(project: Project, file: string): YamlFile | undefined {
  return project.yamlFile(file);
}

export interface RunnerLabel {
  /** The label as written. */
  written: ScalarValue;
  /** Its values on this visit (one per alternative), or undefined when one is not literal. */
  values: string[] | undefined;
}

/**
 * The `runs-on` labels of the job that runs `visit` (`Job.runsOnLabels`), each evaluated in the visit's scope (so
 * `${{ matrix.runner }}` gives the leg's runner).
 */
export function runnerLabels(visit: StepVisit): RunnerLabel[] {
  return (visit.job?.runsOnLabels ?? []).map((label) => {
    const alts = visit.evaluate(label.value, label.span).map((a) => templateLiteral(toTemplate(a.value)));
    return { written: label, values: alts.every((v) => v !== undefined) ? (alts as string[]) : undefined };
  });
}

export type Arch = "amd64" | "arm64";

/** A label word (between `-`, `_`, spaces or the ends) naming an ARM or an x64 CPU. */
const ARM = /(^|[-_\s])(arm|arm64|aarch64|armv8)($|[-_\s])/i;
const X64 = /(^|[-_\s])(x64|amd64|x86_64)($|[-_\s])/i;
/** GitHub-hosted Linux and Windows images are x64 unless their label says `arm`. */
const HOSTED_X64 = /^(ubuntu|windows)-(latest|\d[\d.]*)$/i;

/** The CPU architecture a set of runner labels selects, or undefined when the labels do not tell. */
export function runnerArch(labels: string[]): Arch | undefined {
  if (labels.some((l) => ARM.test(l))) return "arm64";
  if (labels.some((l) => X64.test(l) || HOSTED_X64.test(l))) return "amd64";
  return undefined;
}

/** The jobs `jobId` needs, directly or through the jobs they need. */
function neededJobs(jobs: Job[], jobId: string): Set<string> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const out = new Set<string>();
  const pending = [...(byId.get(jobId)?.needs ?? [])];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (out.has(id)) continue;
    out.add(id);
    pending.push(...(byId.get(id)?.needs ?? []));
  }
  return out;
}

/**
 * Whether `later`'s job waits for `earlier`'s job in the same run: it needs it, directly or through other jobs
 * (GitHub starts a job only once every job it needs has finished). Both must be jobs of one workflow instance.
 */
export function runsAfter(project: Project, later: StepVisit, earlier: StepVisit): boolean {
  if (workflowInstanceKey(later) !== workflowInstanceKey(earlier)) return false;
  const call = later.calls.filter((c) => /\.ya?ml(@.*)?$/.test(c.uses)).at(-1);
  const jobs = call ? project.workflow(call.uses)?.jobs : later.workflow.jobs;
  return jobs !== undefined && neededJobs(jobs, later.jobId).has(earlier.jobId);
}
