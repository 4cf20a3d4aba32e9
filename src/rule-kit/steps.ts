import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { templateLiteral } from "../workflow/expr/value.js";
import type { CompositeAction, Job, Step } from "../workflow/model.js";
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

/**
 * At most this many steps before a step are read, the nearest ones: no real job runs more before a build, and
 * composite actions that each call the next several times would otherwise expand into exponentially many.
 */
export const MAX_PRECEDING_STEPS = 256;

/** `tail` results per project and step list, by end and depth: a fan-out asks for the same lists again and again. */
const tails = new WeakMap<Project, WeakMap<Step[], Map<string, Step[]>>>();

/**
 * The last `MAX_PRECEDING_STEPS` steps that run for `list[0..end)`, in order, a local composite action's steps
 * replacing the step that calls it (down to `MAX_EXPANSION_DEPTH`). Shared: never modified.
 */
function tail(project: Project, list: Step[], end: number, depth: number): Step[] {
  let byList = tails.get(project);
  if (!byList) tails.set(project, (byList = new WeakMap()));
  let memo = byList.get(list);
  if (!memo) byList.set(list, (memo = new Map()));
  const key = `${end}|${depth}`;
  const found = memo.get(key);
  if (found) return found;
  const parts: Step[][] = [];
  let count = 0;
  for (let i = end - 1; i >= 0 && count < MAX_PRECEDING_STEPS; i--) {
    const step = list[i];
    const uses = step.uses?.value;
    const action = uses?.startsWith("./") && depth < MAX_EXPANSION_DEPTH ? project.action(uses, list.slice(0, i)) : undefined;
    const part = action?.using === "composite" ? tail(project, action.steps, action.steps.length, depth + 1) : [step];
    parts.push(part);
    count += part.length;
  }
  const result = nearest(parts.reverse());
  memo.set(key, result);
  return result;
}

/** The last `MAX_PRECEDING_STEPS` steps of lists run one after the other (each holds at most that many). */
function nearest(parts: Step[][]): Step[] {
  // The lists that hold the nearest steps, from the last one back; a single one is returned as it is.
  let total = 0;
  let from = parts.length;
  let lists = 0;
  while (from > 0 && total < MAX_PRECEDING_STEPS) {
    const n = parts[--from].length;
    if (n > 0) lists++;
    total += n;
  }
  if (lists <= 1) return parts.slice(from).find((p) => p.length > 0) ?? [];
  const out = new Array<Step>(Math.min(total, MAX_PRECEDING_STEPS));
  let k = out.length;
  for (let i = parts.length - 1; i >= from && k > 0; i--) {
    for (let j = parts[i].length - 1; j >= 0 && k > 0; j--) out[--k] = parts[i][j];
  }
  return out;
}

/**
 * The steps that run before `visit`'s step in the same job, in order, with local composite actions
 * expanded (both the ones the step sits in and earlier ones); the nearest `MAX_PRECEDING_STEPS` of them. Read
 * from the files, so `if:` conditions are not evaluated: a step that only runs on some events is included.
 */
export function precedingSteps(project: Project, visit: StepVisit): Step[] {
  let byVisit = preceding.get(project);
  if (!byVisit) preceding.set(project, (byVisit = new WeakMap()));
  let found = byVisit.get(visit);
  if (!found) byVisit.set(visit, (found = readPrecedingSteps(project, visit)));
  return found;
}

/** `precedingSteps` per project and visit: several rules ask for the steps before one build. */
const preceding = new WeakMap<Project, WeakMap<StepVisit, Step[]>>();

function readPrecedingSteps(project: Project, visit: StepVisit): Step[] {
  const composite = visit.calls.filter((c) => c.span.path.includes("steps"));
  const first = visit.job?.steps ?? (composite.length === 0 ? project.actionAt(visit.file)?.steps : undefined);
  if (!first) return [];
  let steps: Step[] = first;
  const parts: Step[][] = [];
  for (const call of composite) {
    const index = stepIndexIn(call.span.path);
    const action: CompositeAction | undefined = index === undefined ? undefined : project.action(call.uses, steps.slice(0, index));
    if (index === undefined || !action) return nearest(parts);
    parts.push(tail(project, steps, index, 0));
    steps = action.steps;
  }
  parts.push(tail(project, steps, visit.step.index, 0));
  return nearest(parts);
}

/**
 * `read` remembered per step: what rules read from a step alone is read once, however many builds follow it (a
 * fan-out of composite actions puts the same steps before thousands of builds).
 */
export function perStep<T>(read: (step: Step) => T): (step: Step) => T {
  const cache = new WeakMap<Step, T>();
  return (step) => {
    let value = cache.get(step);
    if (value === undefined && !cache.has(step)) cache.set(step, (value = read(step)));
    return value as T;
  };
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
