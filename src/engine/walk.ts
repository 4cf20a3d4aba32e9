import {
  evaluateCondition,
  evaluateInterpolated,
  ExpressionCache,
  ExpressionSyntaxError,
  type Scope,
} from "../workflow/expr/evaluate.js";
import { LazyMap } from "../workflow/expr/lazy-map.js";
import { hole, known, renderTemplate, type Sym, TemplateSizeError, templateLiteral, type Val } from "../workflow/expr/value.js";
import { BOOL_PATTERN } from "../workflow/expr/coerce.js";
import type { CompositeAction, Job, Matrix, ScalarMap, Step, Workflow } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue } from "../workflow/yaml.js";
import { type EventCase, eventCases } from "./events.js";
import type { Budget } from "./budget.js";
import type { Project } from "./project.js";
import { type Frame, frameScope, type Origin, type Outputs, runnerFacts, type RunnerFacts } from "./scope.js";

/** The job whose runner executes a step list. */
interface JobRef {
  id: string;
  job?: Job;
}

/** Where a composite action or reusable workflow was called from. */
export interface CallSite {
  file: string;
  span: Span;
  uses: string;
}

export interface StepVisit {
  step: Step;
  /** The file that contains the step: a workflow or a composite action. */
  file: string;
  /** The top-level workflow being evaluated. */
  workflow: Workflow;
  jobId: string;
  /** The job that runs the step (in the reusable workflow, for a called workflow's steps). */
  job?: Job;
  event: EventCase;
  /** Label of the matrix leg, e.g. `arch=arm64`, when the job has a matrix. */
  leg?: string;
  frame: Frame;
  scope: Scope;
  /** Outermost first. */
  calls: CallSite[];
  /** The step instance: the identity of the unknown values this step computes (`Hole.scope`). */
  instance: string;
  /** The `if:` conditions of the step and its job that are not known to be true in this evaluation, as written. */
  guards: string[];
  /** Evaluates text in the step's scope; an invalid expression is reported at `span`. */
  evaluate(text: string, span: Span): Sym;
}

/** A step visit: a class, since every visit is kept for the rules (one `evaluate` on the prototype, not a closure each). */
class Visit implements StepVisit {
  readonly jobId: string;
  readonly job?: Job;
  readonly event: EventCase;

  constructor(
    readonly step: Step,
    readonly file: string,
    readonly workflow: Workflow,
    owner: JobRef,
    readonly frame: Frame,
    readonly leg: string | undefined,
    readonly scope: Scope,
    readonly calls: CallSite[],
    readonly instance: string,
    readonly guards: string[],
    private readonly walker: Walker,
  ) {
    this.jobId = owner.id;
    this.job = owner.job;
    this.event = frame.event;
  }

  evaluate(text: string, span: Span): Sym {
    return this.walker.evaluate({ value: text, span }, this.scope);
  }
}

export interface WalkProblem {
  /** `syntax`: an invalid expression (reported as a finding); `note`: an unresolved reference. */
  kind: "syntax" | "note";
  message: string;
  span: Span;
}

/** What a step contributes to later steps: its outputs, and variables it exports to the job env. */
export interface StepResult {
  outputs?: Outputs;
  env?: Map<string, Sym>;
}

/** Called for each reachable step. */
export type StepVisitor = (visit: StepVisit) => StepResult | undefined;

const MAX_MATRIX_LEGS = 32;
/** A job `if:` that reads the status of the jobs it needs: it may run after one of them was skipped. */
const STATUS_FUNCTION = /\b(?:always|failure|cancelled|success)\s*\(/;
const MAX_CALL_DEPTH = 8;

export class Walker {
  readonly problems: WalkProblem[] = [];
  /** Files of the composite actions reached from a workflow. */
  readonly calledActions = new Set<string>();
  /** Files of the reusable workflows reached from another workflow. */
  readonly calledWorkflows = new Set<string>();
  private readonly reported = new Set<string>();
  /** Every expression text is parsed once per walk, however many events and legs evaluate it. */
  private readonly expressions = new ExpressionCache();
  /** Each job's matrix is expanded once per walk, not once per event case. */
  private readonly legs = new Map<Job, Leg[]>();

  /** The step or env entry being evaluated, where the budget reports a value that grew too long. */
  private current: Span | undefined;
  /** Job legs whose `if:` may hold, counted as they are walked (a job none of whose legs runs is skipped). */
  private ranLegs = 0;

  constructor(
    private readonly project: Project,
    private readonly visitor: StepVisitor,
    /** Shared by the whole analysis: once it is spent, nothing more is evaluated. */
    private readonly budget: Budget,
    /** `owner/name` of the repository, when known: `github.repository` and `github.repository_owner`. */
    private readonly repository?: string,
  ) {}

  walkWorkflow(workflow: Workflow): void {
    this.bounded(() => this.walkEvents(workflow), workflow.jobs[0]?.span);
  }

  /** Runs a walk; a value that grew past its limit ends the analysis where it was evaluated. */
  private bounded(walk: () => void, fallback: Span | undefined): void {
    this.current = undefined;
    try {
      walk();
    } catch (err) {
      if (!(err instanceof TemplateSizeError)) throw err;
      const span = this.current ?? fallback;
      if (span) this.budget.stop(err.message, span);
    }
  }

  private walkEvents(workflow: Workflow): void {
    for (const event of eventCases(workflow.triggers)) {
      if (this.budget.exhausted) return;
      const run = `${workflow.file}|${event.eventName}|${event.refKind}|${event.ref ?? ""}`;
      const origin: Origin = { run, instance: run, legDependent: false, calls: "", stepScopes: new Map(), repository: this.repository, workflowName: workflow.name ?? workflow.file };
      const env = this.evalMap(workflow.env, { event, env: new Map(), steps: new Map(), needs: new Map(), origin });
      // The inputs context is filled only for workflow_dispatch and workflow_call; on other events it is empty.
      const hasInputs = event.eventName === "workflow_dispatch" || event.eventName === "workflow_call";
      const inputs = new Map<string, Sym>();
      for (const [name, decl] of workflow.inputs) {
        // A boolean input is true or false in every run: an `&&` or `||` on it is then false or true, not ''.
        const value: Val = decl.type?.trim() === "boolean" ? { kind: "unknown", hole: { source: `inputs.${name}`, pattern: BOOL_PATTERN, scope: run } } : hole(`inputs.${name}`, { scope: run });
        inputs.set(name, known(hasInputs ? value : { kind: "null" }));
      }
      this.walkJobs(workflow, workflow, { event, env, inputs, steps: new Map(), needs: new Map(), origin }, []);
    }
  }

  /**
   * Walks a composite action that no workflow calls, with unknown inputs, so that its builds are
   * still checked on their own.
   */
  walkAction(action: CompositeAction): void {
    const event: EventCase = { eventName: "push", refKind: "other", label: "any event" };
    const run = `${action.file}|action`;
    const inputs = new Map<string, Sym>();
    for (const name of action.inputs.keys()) inputs.set(name, known(hole(`inputs.${name}`, { scope: run })));
    const origin: Origin = { run, instance: run, job: run, jobBase: run, legDependent: false, calls: "", stepScopes: new Map(), repository: this.repository };
    const frame: Frame = { event, env: new Map(), inputs, steps: new Map(), needs: new Map(), origin };
    const top = { kind: "workflow", file: action.file, triggers: [], inputs: new Map(), env: new Map(), jobs: [] } satisfies Workflow;
    this.bounded(() => this.walkSteps(top, action.file, { id: "(composite)" }, action.steps, frame, undefined, []), action.steps[0]?.span);
  }

  /** Evaluates a string value; syntax errors become problems and an unknown value. */
  evaluate(value: Pick<ScalarValue, "value" | "span">, scope: Scope): Sym {
    try {
      return evaluateInterpolated(value.value, scope, this.expressions);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      this.problem("syntax", `invalid expression: ${err.message}`, value.span);
      return known(hole(value.value));
    }
  }

  private problem(kind: WalkProblem["kind"], message: string, span: Span): void {
    const key = `${span.file}:${span.start.offset}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ kind, message, span });
  }

  /** The frame's env plus `map`'s variables, each evaluated seeing those before it; the frame's env when `map` is empty. */
  private evalMap(map: ScalarMap, frame: Frame): Map<string, Sym> {
    if (map.size === 0) return frame.env;
    const into = LazyMap.from(frame.env);
    for (const [name, value] of map) {
      this.current = value.span;
      into.set(name, this.evaluate(value, frameScope({ ...frame, env: into })));
    }
    return into;
  }

  /**
   * A leg's matrix values with the `${{ }}` expressions in them evaluated, as GitHub does before the job runs
   * (`enable=${{ startsWith(github.ref, 'refs/tags/v') }}` in an include entry). A value that still has several
   * alternatives is unknown to the steps, a hole of the job instance.
   */
  private matrixValues(values: Record<string, Val>, scope: Scope, job: string, span: Span): Record<string, Val> {
    const evaluate = (v: Val, path: string): Val => {
      switch (v.kind) {
        case "str": {
          const text = templateLiteral(v.parts);
          if (text === undefined || !text.includes("${{")) return v;
          const sym = this.evaluate({ value: text, span }, scope);
          return sym.length === 1 ? sym[0].value : hole(`matrix.${path}`, { scope: job });
        }
        case "array":
          return { kind: "array", items: v.items.map((item, i) => evaluate(item, `${path}[${i}]`)) };
        case "object":
          return { kind: "object", fields: Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, evaluate(f, `${path}.${k}`)])) };
        default:
          return v;
      }
    };
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, evaluate(v, k)]));
  }

  /** `runner.os` and `runner.arch` as the job's single `runs-on` label tells them, where every alternative agrees. */
  private runner(runsOn: ScalarValue, scope: Scope): RunnerFacts | undefined {
    const labels = this.evaluate(runsOn, scope).map((alt) => (alt.value.kind === "str" ? templateLiteral(alt.value.parts) : undefined));
    if (labels.some((l) => l === undefined)) return undefined;
    const facts = (labels as string[]).map(runnerFacts);
    const agreed = (key: keyof RunnerFacts) => (facts.every((f) => f[key] !== undefined && f[key] === facts[0][key]) ? facts[0][key] : undefined);
    const os = agreed("os");
    const arch = agreed("arch");
    return os || arch ? { ...(os ? { os } : {}), ...(arch ? { arch } : {}) } : undefined;
  }

  /** False only when the condition is false on every branch. */
  private reachable(cond: ScalarValue | undefined, scope: Scope): boolean {
    return this.condition(cond, scope) !== "never";
  }

  /** Whether an `if:` holds in this evaluation: never, always (known true), or on some runs. */
  private condition(cond: ScalarValue | undefined, scope: Scope): "never" | "always" | "maybe" {
    if (!cond) return "always";
    try {
      const alts = evaluateCondition(cond.value, scope, this.expressions);
      const falsy = (a: (typeof alts)[number]) => a.value.kind === "bool" && !a.value.value;
      if (alts.every(falsy)) return "never";
      return alts.every((a) => a.value.kind === "bool" && a.value.value) ? "always" : "maybe";
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      this.problem("syntax", `invalid expression: ${err.message}`, cond.span);
      return "maybe";
    }
  }

  private walkJobs(top: Workflow, workflow: Workflow, base: Frame, calls: CallSite[]): Map<string, Outputs> {
    const done = new Map<string, Outputs>();
    /** Jobs that never run in this evaluation: their `if:` is false, or a job they need never runs. */
    const skipped = new Set<string>();
    for (const job of orderJobs(workflow.jobs)) {
      const needs = new Map<string, Outputs>();
      for (const n of job.needs) needs.set(n, done.get(n) ?? new Map());
      // GitHub skips a job whose needed job was skipped, unless its if: asks for the status (always(), failure()…).
      if (job.needs.some((n) => skipped.has(n)) && !STATUS_FUNCTION.test(job.if?.value ?? "")) {
        skipped.add(job.id);
        done.set(job.id, new Map());
        continue;
      }
      const before = this.ranLegs;
      done.set(job.id, this.walkJob(top, workflow, job, { ...base, needs }, calls));
      if (this.ranLegs === before) skipped.add(job.id);
    }
    return done;
  }

  private walkJob(top: Workflow, workflow: Workflow, job: Job, base: Frame, calls: CallSite[]): Outputs {
    const outputs: Outputs = new Map();
    let legs = this.legs.get(job);
    if (!legs) {
      legs = matrixLegs(job.matrix);
      this.legs.set(job, legs);
    }
    const instance = base.origin?.instance ?? workflow.file;
    const jobBase = `${instance}|${job.id}`;
    // Every step sees the leg when the job's env or runner is computed from the matrix.
    const legDependent = legs.length > 1 && [...job.env.values(), ...(job.runsOn ? [job.runsOn] : [])].some((v) => readsMatrix(v.value));
    for (const leg of legs) {
      if (this.budget.exhausted) break;
      this.current = job.span;
      const origin: Origin | undefined = base.origin && {
        ...base.origin,
        job: `${jobBase}|${leg.label ?? ""}`,
        jobBase,
        jobId: job.id,
        leg: legs.length > 1 ? leg.label : undefined,
        legDependent,
        calls: "",
        stepScopes: new Map(),
      };
      const values = leg.values && this.matrixValues(leg.values, frameScope({ ...base, origin }), origin?.job ?? jobBase, job.span);
      const legBase: Frame = { ...base, matrix: values, matrixDynamic: leg.dynamic, steps: new Map(), origin };
      const legFrame: Frame = job.runsOn ? { ...legBase, runner: this.runner(job.runsOn, frameScope(legBase)) } : legBase;
      if (!this.reachable(job.if, frameScope(legFrame))) continue;
      this.ranLegs++;
      const frame: Frame = { ...legFrame, env: this.evalMap(job.env, legFrame) };
      if (job.uses) {
        if (!this.budget.step(job.span)) break;
        this.callWorkflow(top, workflow, job, frame, calls);
        continue;
      }
      this.walkSteps(top, workflow.file, { id: job.id, job }, job.steps, frame, leg.label, calls);
      for (const [name, value] of job.outputs) {
        const sym = this.evaluate(value, frameScope(frame));
        const alts = outputs.get(name);
        if (alts) alts.push(...sym);
        else outputs.set(name, [...sym]);
      }
    }
    for (const name of job.outputs.keys()) {
      const value = outputs.get(name);
      if (!value || value.every((a) => isOpaque(a.value))) outputs.set(name, known(hole(`needs.${job.id}.outputs.${name}`, { scope: jobBase })));
    }
    return outputs;
  }

  private walkSteps(
    top: Workflow,
    file: string,
    owner: JobRef,
    steps: Step[],
    jobFrame: Frame,
    leg: string | undefined,
    calls: CallSite[],
  ): Map<string, Outputs> {
    const stepOutputs = jobFrame.steps;
    let jobEnv = jobFrame.env;
    let origin = jobFrame.origin;
    // Steps of this list whose values depend on the leg: a step that reads their outputs depends on it too.
    const legSteps = new Set<string>();
    const jobIf = owner.job?.if;
    const jobGuards = jobIf && this.condition(jobIf, frameScope(jobFrame)) !== "always" ? [jobIf.value] : [];
    for (const step of steps) {
      if (!this.budget.step(step.span)) break;
      this.current = step.span;
      // Frames are only derived where something changes: the job env after a step exported to it, the step env.
      const before: Frame = jobEnv === jobFrame.env && origin === jobFrame.origin ? jobFrame : { ...jobFrame, env: jobEnv, origin };
      const holds = this.condition(step.if, frameScope(before));
      if (holds === "never") continue;
      const frame: Frame = step.env.size ? { ...before, env: this.evalMap(step.env, before) } : before;
      const scope = frameScope(frame);
      this.current = step.span;
      const uses = step.uses?.value ?? "";
      // The step instance: the same in every leg unless the step reads the leg's values.
      const readsLeg = origin !== undefined && origin.leg !== undefined && (origin.legDependent || stepReadsMatrix(step) || stepReadsSteps(step, legSteps));
      // Joined, not concatenated: every visit keeps its instance, and a join is one flat string.
      const key = [origin?.jobBase ?? origin?.instance ?? file, origin?.calls ?? "", `${step.span.file}:${step.span.start.offset}`];
      if (readsLeg) key.push(`${origin?.leg}`);
      const instance = key.join("|");
      let result: StepResult | undefined;
      if (uses.startsWith("./") && step.uses) {
        const callFrame = readsLeg && origin && !origin.legDependent ? { ...frame, origin: { ...origin, legDependent: true } } : frame;
        result = { outputs: this.callAction(top, owner, step, callFrame, leg, [...calls, { file, span: step.uses.span, uses }]) };
      } else {
        const guards = step.if && holds !== "always" ? jobGuards.concat([step.if.value]) : jobGuards;
        result = this.visitor(new Visit(step, file, top, owner, frame, leg, scope, calls, instance, guards, this));
      }
      if (result?.env) {
        jobEnv = LazyMap.from(jobEnv, result.env);
        // Variables a leg-dependent step exports make every later step of the job leg-dependent.
        if (readsLeg && origin && !origin.legDependent) origin = { ...origin, legDependent: true };
      }
      if (step.id) {
        if (readsLeg) legSteps.add(step.id);
        stepOutputs.set(step.id, result?.outputs ?? new Map());
        origin?.stepScopes.set(step.id, instance);
      }
    }
    return stepOutputs;
  }

  private callAction(
    top: Workflow,
    owner: JobRef,
    step: Step,
    frame: Frame,
    leg: string | undefined,
    calls: CallSite[],
  ): Outputs | undefined {
    const uses = step.uses as ScalarValue;
    // The job's own steps before this one may have checked the repository out into a directory.
    const before = owner.job?.steps[step.index] === step ? owner.job.steps.slice(0, step.index) : [];
    const action = this.project.action(uses.value, before);
    if (!action) {
      const workflow = /\.ya?ml$/i.test(uses.value) && this.project.workflow(uses.value);
      this.problem(
        "note",
        workflow
          ? `${uses.value} is a reusable workflow: GitHub runs one as a job (jobs.<id>.uses), not as a step, and rejects this workflow`
          : `local action ${uses.value} was not found in the repository`,
        uses.span,
      );
      return undefined;
    }
    if (action.using !== "composite") return undefined;
    this.calledActions.add(action.file);
    if (calls.slice(0, -1).some((c) => c.uses === uses.value)) {
      this.problem("note", `local action ${uses.value} calls itself; expansion stopped`, uses.span);
      return undefined;
    }
    if (calls.length > MAX_CALL_DEPTH) {
      this.problem("note", `local action ${uses.value} is nested ${calls.length} calls deep; tagguard expands ${MAX_CALL_DEPTH}`, uses.span);
      return undefined;
    }
    const callerScope = frameScope(frame);
    const origin = frame.origin && {
      ...frame.origin,
      calls: `${frame.origin.calls}>${uses.span.file}:${uses.span.start.offset}`,
      stepScopes: new Map<string, string>(),
    };
    const actionFrame: Frame = {
      event: frame.event,
      runner: frame.runner,
      env: frame.env,
      inputs: this.bindInputs(action, step.with, callerScope, frame),
      steps: new Map(),
      needs: new Map(),
      origin,
    };
    const own = this.walkSteps(top, action.file, owner, action.steps, actionFrame, leg, calls);
    const outputs: Outputs = new Map();
    const scope = frameScope({ ...actionFrame, steps: own });
    for (const [name, value] of action.outputs) outputs.set(name, this.evaluate(value, scope));
    return outputs;
  }

  private bindInputs(
    decl: Pick<CompositeAction, "inputs">,
    given: ScalarMap,
    callerScope: Scope,
    frame: Frame,
  ): Map<string, Sym> {
    const inputs = new Map<string, Sym>();
    const typed = (name: string, sym: Sym) => typedInput(decl.inputs.get(name)?.type, sym);
    for (const [name, value] of given) inputs.set(name, typed(name, this.evaluate(value, callerScope)));
    const defaultsScope = frameScope({ ...frame, inputs, steps: new Map(), needs: new Map() });
    for (const [name, d] of decl.inputs) {
      if (inputs.has(name)) continue;
      inputs.set(name, d.default ? typed(name, this.evaluate(d.default, defaultsScope)) : known({ kind: "str", parts: [] }));
    }
    return inputs;
  }

  private callWorkflow(top: Workflow, caller: Workflow, job: Job, frame: Frame, calls: CallSite[]): void {
    const uses = job.uses as ScalarValue;
    if (!uses.value.startsWith("./")) return;
    const called = this.project.workflow(uses.value);
    if (!called) {
      this.problem("note", `reusable workflow ${uses.value} was not found in the repository`, uses.span);
      return;
    }
    if (calls.some((c) => c.uses === uses.value)) {
      this.problem("note", `reusable workflow ${uses.value} calls itself; expansion stopped`, uses.span);
      return;
    }
    if (calls.length > MAX_CALL_DEPTH) {
      this.problem("note", `reusable workflow ${uses.value} is nested ${calls.length + 1} calls deep; tagguard expands ${MAX_CALL_DEPTH + 1}`, uses.span);
      return;
    }
    this.calledWorkflows.add(called.file);
    const inputs = this.bindInputs(called, job.with, frameScope(frame), frame);
    const origin: Origin | undefined = frame.origin && {
      repository: frame.origin.repository,
      workflowName: frame.origin.workflowName,
      run: frame.origin.run,
      instance: `${frame.origin.job ?? frame.origin.instance}>${uses.span.file}:${uses.span.start.offset}`,
      legDependent: false,
      calls: "",
      stepScopes: new Map(),
    };
    const env = this.evalMap(called.env, { ...frame, env: new Map(), inputs, origin });
    this.walkJobs(top, called, { event: frame.event, env, inputs, steps: new Map(), needs: new Map(), origin }, [
      ...calls,
      { file: caller.file, span: uses.span, uses: uses.value },
    ]);
  }
}

/**
 * A reusable workflow's typed input as its callee sees it: `build_base: false` is the boolean false (falsy), not
 * the string "false" (truthy); a number input is a number. Composite action inputs have no type and stay strings.
 */
function typedInput(type: string | undefined, sym: Sym): Sym {
  if (type !== "boolean" && type !== "number") return sym;
  return sym.map((alt) => {
    const text = alt.value.kind === "str" ? templateLiteral(alt.value.parts)?.trim() : undefined;
    if (text === undefined) return alt;
    if (type === "boolean") return text === "true" || text === "false" ? { ...alt, value: { kind: "bool", value: text === "true" } } : alt;
    const n = Number(text);
    return text !== "" && Number.isFinite(n) ? { ...alt, value: { kind: "num", value: n } } : alt;
  });
}

/** Whether text reads the matrix context. */
function readsMatrix(text: string): boolean {
  return /\bmatrix\b/.test(text);
}

/** A step's inputs, env and script. */
function stepValues(step: Step): ScalarValue[] {
  return [...step.with.values(), ...step.env.values(), ...(step.run ? [step.run] : [])];
}

/** Whether a step's inputs, env or script read the matrix context. */
function stepReadsMatrix(step: Step): boolean {
  return stepValues(step).some((v) => readsMatrix(v.value));
}

/** Whether a step's inputs, env or script read the outputs of one of `ids` (`steps.<id>.outputs`). */
function stepReadsSteps(step: Step, ids: ReadonlySet<string>): boolean {
  if (ids.size === 0) return false;
  return stepValues(step).some((v) => [...v.value.matchAll(/\bsteps\.([A-Za-z_][\w-]*)/g)].some((m) => ids.has(m[1])));
}

/** A value that is one unknown hole: better named after the job output that carries it. */
function isOpaque(v: Val): boolean {
  return v.kind === "unknown" || (v.kind === "str" && v.parts.length === 1 && "hole" in v.parts[0]);
}

/** Jobs in an order where every job comes after the jobs it needs (cycles keep file order). */
function orderJobs(jobs: Job[]): Job[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const out: Job[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (j: Job) => {
    if (state.get(j.id)) return;
    state.set(j.id, "visiting");
    for (const n of j.needs) {
      const dep = byId.get(n);
      if (dep) visit(dep);
    }
    state.set(j.id, "done");
    out.push(j);
  };
  jobs.forEach(visit);
  return out;
}

interface Leg {
  values?: Record<string, Val>;
  dynamic: boolean;
  label?: string;
}

function valKey(v: Val): string {
  return JSON.stringify(v);
}

function rowMatches(row: Record<string, Val>, filter: Record<string, Val>): boolean {
  return Object.entries(filter).every(([k, v]) => row[k] !== undefined && valKey(row[k]) === valKey(v));
}

/**
 * A matrix value as a person reads it: text on one line, at most 40 characters for a scalar and 100 for an object
 * or list, whose entries are shortened first (so the entry that tells legs apart stays readable).
 */
function valText(v: Val): string {
  let text: string;
  switch (v.kind) {
    case "str":
      text = renderTemplate(v.parts);
      break;
    case "bool":
    case "num":
      text = String(v.value);
      break;
    case "null":
      text = "";
      break;
    case "array":
      text = `[${v.items.map(valText).join(", ")}]`;
      break;
    case "object":
      text = `{${Object.entries(v.fields)
        .map(([k, f]) => `${k}: ${valText(f)}`)
        .join(", ")}}`;
      break;
    case "unknown":
      text = renderTemplate([{ hole: v.hole }]);
      break;
  }
  text = text.replace(/\s*\n\s*/g, " ").trim();
  const max = v.kind === "object" || v.kind === "array" ? 100 : 40;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function labelOf(row: Record<string, Val>): string {
  return Object.entries(row)
    .map(([k, v]) => `${k}=${valText(v)}`)
    .join(", ");
}

/** Expands a matrix into legs: the cartesian product, minus `exclude`, plus `include` (GitHub's rules). */
export function matrixLegs(matrix: Matrix | undefined): Leg[] {
  if (!matrix) return [{ dynamic: false }];
  if (matrix.dynamic) return [{ dynamic: true, label: "matrix" }];
  let rows: Record<string, Val>[] = [{}];
  for (const [axis, values] of matrix.axes) {
    rows = rows.flatMap((r) => values.map((v) => ({ ...r, [axis]: v })));
    if (rows.length > MAX_MATRIX_LEGS) return [{ dynamic: true, label: "matrix" }];
  }
  if (matrix.axes.size === 0) rows = [];
  rows = rows.filter((r) => !matrix.exclude.some((ex) => rowMatches(r, ex)));
  const axes = new Set(matrix.axes.keys());
  const added: Record<string, Val>[] = [];
  for (const inc of matrix.include) {
    const original = Object.fromEntries(Object.entries(inc).filter(([k]) => axes.has(k)));
    let merged = false;
    rows = rows.map((r) => {
      if (!rowMatches(r, original)) return r;
      merged = true;
      return { ...r, ...inc };
    });
    if (!merged) added.push({ ...inc });
  }
  rows = [...rows, ...added];
  if (rows.length > MAX_MATRIX_LEGS) return [{ dynamic: true, label: "matrix" }];
  if (rows.length === 0) return [{ dynamic: false }];
  // A label names the leg's values in messages and tells the leg's unknown values apart (`Hole.scope`): legs whose
  // values read alike once shortened are numbered.
  const labels = rows.map(labelOf);
  const count = new Map<string, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  return rows.map((values, i) => ({ values, dynamic: false, label: (count.get(labels[i]) ?? 0) > 1 ? `${labels[i]} (#${i + 1})` : labels[i] }));
}
