import type { Scope } from "../workflow/expr/evaluate.js";
import { hole, known, lit, type Sym, type Val } from "../workflow/expr/value.js";
import type { EventCase } from "./events.js";
import { shaScope } from "../workflow/ref-filters.js";

export type Outputs = Map<string, Sym>;

export interface RunnerFacts {
  os?: string;
  arch?: string;
}

/** Labels of GitHub-hosted images and the OS labels every self-hosted runner carries. */
const OS_LABELS: [RegExp, string][] = [
  [/^(ubuntu-.+|linux)$/i, "Linux"],
  [/^(windows-.+|windows)$/i, "Windows"],
  [/^(macos-.+|macos)$/i, "macOS"],
];

/**
 * What a single `runs-on` label tells of `runner.os` and `runner.arch`: the OS of a hosted image or an OS label,
 * and the CPU of hosted Linux and Windows images (x64 unless the label ends in `-arm`).
 */
export function runnerFacts(label: string): RunnerFacts {
  const os = OS_LABELS.find(([re]) => re.test(label.trim()))?.[1];
  const hosted = /^(ubuntu|windows)-(latest|\d[\d.]*)(-arm)?$/i.exec(label.trim());
  const arch = hosted ? (hosted[3] ? "ARM64" : "X64") : undefined;
  return { ...(os ? { os } : {}), ...(arch ? { arch } : {}) };
}

/**
 * The contexts visible to one expression. Frames are immutable: entering a job, a matrix leg, a
 * step or a composite action derives a new frame, so evaluation order can never leak values.
 */
export interface Frame {
  event: EventCase;
  env: Map<string, Sym>;
  inputs?: Map<string, Sym>;
  matrix?: Record<string, Val>;
  /** True when the matrix is computed (e.g. fromJSON) and its values are unknown. */
  matrixDynamic?: boolean;
  steps: Map<string, Outputs>;
  needs: Map<string, Outputs>;
  /** `runner.os` / `runner.arch` when the job's `runs-on` label tells them in this leg (`ubuntu-latest`: Linux, X64). */
  runner?: RunnerFacts;
  /** Which evaluation this is, for the identity of unknown values; absent outside workflows (bake files). */
  origin?: Origin;
}

/**
 * Where a frame is evaluated: the keys that give unknown values their identity (`Hole.scope`). Two reads of
 * an unknown value are the same string only when they come from the same evaluation: one run for workflow
 * inputs, one job instance (one matrix leg) for `needs.*` and a computed matrix, one step instance for a
 * step's unknown outputs.
 */
export interface Origin {
  /** The top-level workflow and the event case: one run. */
  run: string;
  /** The workflow instance within the run: the run plus the calls of reusable workflows that led here. */
  instance: string;
  /** The job instance: the workflow instance, the job and the matrix leg. */
  job?: string;
  /** The job without the leg: steps that read nothing of the leg produce the same values in every leg. */
  jobBase?: string;
  /** The matrix leg's label, when the job has several legs. */
  leg?: string;
  /** True when every step of the job sees values of the leg (job env or runner from the matrix, env written from them). */
  legDependent: boolean;
  /** The composite action calls inside the job that led to these steps. */
  calls: string;
  /** Scopes of the steps seen so far, by step id. */
  stepScopes: Map<string, string>;
  /** `owner/name` of the repository when known. */
  repository?: string;
  /** `github.workflow`: the top-level workflow's `name:`, else its path. */
  workflowName?: string;
  /** `github.job`: the id of the job running (in a reusable workflow, its own job's). */
  jobId?: string;
}

const RUN_WIDE = new Set(["github", "vars", "secrets"]);

/** The identity of an unknown value read at `path` in `frame` (see `Hole.scope`). */
function holeScope(frame: Frame, path: string[]): string | undefined {
  const origin = frame.origin;
  const [ctx, name] = path;
  if (!origin) return undefined;
  // A dispatch's inputs belong to its run: no other workflow's run is triggered by the same dispatch.
  if (ctx === "github" && name === "event" && path[2] === "inputs") return origin.run;
  if (RUN_WIDE.has(ctx)) return undefined;
  switch (ctx) {
    case "steps":
      return origin.stepScopes.get(name) ?? `${origin.job ?? origin.instance}|${origin.calls}|steps.${name}`;
    case "needs":
      return `${origin.instance}|${name}`;
    case "inputs":
      return origin.instance;
    default:
      return origin.job ?? origin.instance;
  }
}

const NAME = "[a-zA-Z0-9._-]+";
/** GitHub logins: letters, digits and hyphens (bots add `[bot]`). */
const OWNER = "[a-zA-Z0-9-]+(?:\\[bot\\])?";

/** The scope of the run's unknown ref name: which refs its trigger filters allow. */
function refScoped(event: EventCase): { scope?: string } {
  return event.refScope === undefined ? {} : { scope: event.refScope };
}

/** Events whose payload has no `pull_request` object: `github.event.pull_request` is null in their runs. */
const WITHOUT_PULL_REQUEST = new Set([
  "push",
  "schedule",
  "release",
  "workflow_dispatch",
  "merge_group",
  "workflow_run",
  "repository_dispatch",
  "create",
  "delete",
  "registry_package",
  "issues",
  "issue_comment",
  "deployment",
  "deployment_status",
  "page_build",
  "status",
  "watch",
]);

/** Events whose payload may have `inputs`: a dispatch, and a called workflow (its caller's event). */
const INPUTS_EVENTS = new Set(["workflow_dispatch", "workflow_call"]);

/** Values of the `github` context that the event case and the evaluation (workflow, job, run) determine. */
function githubValue(event: EventCase, key: string, origin: Origin | undefined): Sym | undefined {
  const repository = origin?.repository;
  switch (key) {
    case "workflow":
      return origin?.workflowName === undefined ? undefined : known(lit(origin.workflowName));
    case "job":
      return origin?.jobId === undefined ? undefined : known(lit(origin.jobId));
    case "event_name":
      return known(lit(event.eventName));
    case "ref_type":
      if (event.refKind === "tag") return known(lit("tag"));
      if (event.refKind === "branch") return known(lit("branch"));
      return undefined;
    case "ref": {
      if (event.ref) return known(lit(event.ref));
      const name = { hole: { source: "github.ref_name", pattern: NAME, ...refScoped(event) } };
      if (event.refKind === "tag") return known({ kind: "str", parts: [{ lit: "refs/tags/" }, name] });
      if (event.refKind === "branch") return known({ kind: "str", parts: [{ lit: "refs/heads/" }, name] });
      if (event.refKind === "pr") {
        const num = { hole: { source: "github.event.number", pattern: "[0-9]+" } };
        return known({ kind: "str", parts: [{ lit: "refs/pull/" }, num, { lit: "/merge" }] });
      }
      return undefined;
    }
    case "sha":
      return known(hole("github.sha", shaScope(event.eventName)));
    case "run_id":
    case "run_number":
    case "run_attempt":
      // One run's: another workflow's run has its own id and number.
      return known(hole(`github.${key}`, { pattern: "[0-9]+", ...(origin ? { scope: origin.run } : {}) }));
    case "repository":
      if (repository) return known(lit(repository));
      return known(hole("github.repository", { pattern: `${OWNER}/${NAME}` }));
    case "repository_owner":
      if (repository) return known(lit(repository.split("/")[0]));
      return known(hole(`github.${key}`, { pattern: OWNER }));
    case "actor":
      return known(hole(`github.${key}`, { pattern: OWNER }));
    case "ref_name":
      if (event.ref) return known(lit(event.ref.replace(/^refs\/(heads|tags)\//, "")));
      return known(hole("github.ref_name", { pattern: NAME, ...refScoped(event) }));
    default:
      return undefined;
  }
}

/** The contexts of one frame, as an expression scope (a class: one is kept by every step visit). */
class FrameScope implements Scope {
  constructor(private readonly frame: Frame) {}

  holeScope(path: string[]): string | undefined {
    return holeScope(this.frame, path);
  }

  evaluationScope(): string | undefined {
    const origin = this.frame.origin;
    return origin && (origin.job ?? origin.instance);
  }

  resolve(path: string[]): Sym | undefined {
    const frame = this.frame;
    const [ctx, a, b, c] = path;
    switch (ctx) {
      case "github":
        // `github.event.pull_request.head.repo.full_name == github.repository` is false on a push: no such object.
        if (a === "event" && b === "pull_request" && WITHOUT_PULL_REQUEST.has(frame.event.eventName)) return known({ kind: "null" });
        // Only a dispatch's payload has inputs (a called workflow sees its caller's event, which may be one).
        if (a === "event" && b === "inputs" && !INPUTS_EVENTS.has(frame.event.eventName)) return known({ kind: "null" });
        return path.length === 2 ? githubValue(frame.event, a, frame.origin) : undefined;
      case "env":
        return path.length === 2 ? frame.env.get(a) : undefined;
      case "inputs":
        return path.length === 2 ? frame.inputs?.get(a) : undefined;
      case "matrix": {
        if (path.length !== 2 || frame.matrixDynamic || !frame.matrix) return undefined;
        const v = frame.matrix[a];
        return v ? known(v) : known({ kind: "null" });
      }
      case "steps":
        return path.length === 4 && b === "outputs" ? frame.steps.get(a)?.get(c) : undefined;
      case "runner": {
        const value = path.length === 2 && (a === "os" || a === "arch") ? frame.runner?.[a] : undefined;
        return value === undefined ? undefined : known(lit(value));
      }
      case "needs":
        // Only the jobs a job lists in `needs:` are in its needs context: any other is null.
        if (a !== undefined && a !== "*" && !frame.needs.has(a)) return known({ kind: "null" });
        return path.length === 4 && b === "outputs" ? frame.needs.get(a)?.get(c) : undefined;
      default:
        return undefined;
    }
  }
}

export function frameScope(frame: Frame): Scope {
  return new FrameScope(frame);
}
