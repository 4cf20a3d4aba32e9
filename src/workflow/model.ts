import { isScalar, type Node as YNode } from "yaml";
import type { Val } from "./expr/value.js";
import { lit } from "./expr/value.js";
import { childPath, type NodePath, type Span } from "./span.js";
import { type ScalarValue, YamlFile } from "./yaml.js";

export type ScalarMap = Map<string, ScalarValue>;

export interface Step {
  index: number;
  id?: string;
  name?: string;
  uses?: ScalarValue;
  run?: ScalarValue;
  if?: ScalarValue;
  with: ScalarMap;
  env: ScalarMap;
  /**
   * The directory a `run:` step starts in, as written: its `working-directory`, else `defaults.run.working-directory`
   * of its job, then of its workflow.
   */
  workingDirectory?: ScalarValue;
  span: Span;
  path: NodePath;
}

export interface Matrix {
  /** Axis name → values (YAML converted to values; objects allowed). */
  axes: Map<string, Val[]>;
  include: Record<string, Val>[];
  exclude: Record<string, Val>[];
  /** Set when the whole matrix (or an axis) is an expression such as `${{ fromJSON(...) }}`. */
  dynamic: boolean;
}

export interface Job {
  id: string;
  span: Span;
  path: NodePath;
  if?: ScalarValue;
  needs: string[];
  env: ScalarMap;
  runsOn?: ScalarValue;
  /** The `runs-on` labels as written: a single label, a list, or the `labels` of the `group`/`labels` form. */
  runsOnLabels: ScalarValue[];
  matrix?: Matrix;
  outputs: ScalarMap;
  steps: Step[];
  /** Set when the job calls a reusable workflow. */
  uses?: ScalarValue;
  with: ScalarMap;
}

export interface Trigger {
  event: string;
  branches?: string[];
  tags?: string[];
  /** `branches-ignore` / `tags-ignore` are set: like `branches` and `tags`, they limit a push to that kind of ref. */
  ignoresBranches?: boolean;
  ignoresTags?: boolean;
  span: Span;
}

export interface InputDecl {
  name: string;
  default?: ScalarValue;
  type?: string;
}

export interface Workflow {
  kind: "workflow";
  file: string;
  /** The workflow's `name:`, when it has one (`github.workflow` is this, else the file's path). */
  name?: string;
  triggers: Trigger[];
  /** Inputs of `on.workflow_call` and `on.workflow_dispatch`. */
  inputs: Map<string, InputDecl>;
  env: ScalarMap;
  jobs: Job[];
}

export interface CompositeAction {
  kind: "action";
  file: string;
  /** `composite`, `node20`, `docker`… only composite actions have steps. */
  using?: string;
  inputs: Map<string, InputDecl>;
  outputs: ScalarMap;
  steps: Step[];
}

function scalarMap(y: YamlFile, node: YNode | undefined, path: NodePath): ScalarMap {
  const out: ScalarMap = new Map();
  for (const e of y.entries(node)) {
    const s = y.scalar(e.value, childPath(path, e.key));
    if (s) out.set(e.key, s);
  }
  return out;
}

function str(y: YamlFile, node: YNode | undefined, path: NodePath): string | undefined {
  return y.scalar(node, path)?.value;
}

function stringList(y: YamlFile, node: YNode | undefined, path: NodePath): string[] {
  const single = y.scalar(node, path);
  if (single) return [single.value];
  return y.items(node).flatMap((item, i) => {
    const s = y.scalar(item, childPath(path, i));
    return s ? [s.value] : [];
  });
}

/** Converts a YAML node to a value without evaluating expressions inside it. */
export function yamlToVal(y: YamlFile, node: YNode | undefined): Val {
  if (y.isMap(node)) {
    const fields: Record<string, Val> = {};
    for (const e of y.entries(node)) fields[e.key] = yamlToVal(y, e.value);
    return { kind: "object", fields };
  }
  if (y.isSeq(node)) return { kind: "array", items: y.items(node).map((i) => yamlToVal(y, i)) };
  // Plain `true`, `false` and numbers keep their YAML types, as in GitHub's matrix context
  // (`matrix.legacy == true` is true for `legacy: true`; `3.10` is the number 3.1).
  const typed = y.deref(node);
  if (isScalar(typed) && typeof typed.value === "boolean") return { kind: "bool", value: typed.value };
  if (isScalar(typed) && typeof typed.value === "number" && Number.isFinite(typed.value)) return { kind: "num", value: typed.value };
  const s = y.scalar(node, []);
  return s ? lit(s.value) : { kind: "null" };
}

/** `defaults.run.working-directory` of a job or workflow node. */
function defaultDirectory(y: YamlFile, node: YNode | undefined, path: NodePath): ScalarValue | undefined {
  return y.scalar(y.get(y.get(y.get(node, "defaults"), "run"), "working-directory"), [...path, "defaults", "run", "working-directory"]);
}

/** A job's `runs-on` labels as written (see `Job.runsOnLabels`). */
function runsOnLabels(y: YamlFile, node: YNode | undefined, path: NodePath): ScalarValue[] {
  const scalars = (n: YNode | undefined, at: NodePath): ScalarValue[] => {
    const one = y.scalar(n, at);
    if (one) return [one];
    return y.items(n).flatMap((item, i) => {
      const s = y.scalar(item, childPath(at, i));
      return s ? [s] : [];
    });
  };
  return y.isMap(node) ? scalars(y.get(node, "labels"), childPath(path, "labels")) : scalars(node, path);
}

function parseSteps(y: YamlFile, node: YNode | undefined, path: NodePath, defaultDir?: ScalarValue): Step[] {
  return y.items(node).map((stepNode, index) => {
    const p = childPath(path, index);
    const workingDirectory = y.scalar(y.get(stepNode, "working-directory"), childPath(p, "working-directory")) ?? defaultDir;
    return {
      index,
      id: str(y, y.get(stepNode, "id"), childPath(p, "id")),
      name: str(y, y.get(stepNode, "name"), childPath(p, "name")),
      uses: y.scalar(y.get(stepNode, "uses"), childPath(p, "uses")),
      run: y.scalar(y.get(stepNode, "run"), childPath(p, "run")),
      if: y.scalar(y.get(stepNode, "if"), childPath(p, "if")),
      with: scalarMap(y, y.get(stepNode, "with"), childPath(p, "with")),
      env: scalarMap(y, y.get(stepNode, "env"), childPath(p, "env")),
      ...(workingDirectory ? { workingDirectory } : {}),
      span: y.span(stepNode, p),
      path: p,
    };
  });
}

function parseMatrix(y: YamlFile, node: YNode | undefined): Matrix | undefined {
  if (!node) return undefined;
  const matrix: Matrix = { axes: new Map(), include: [], exclude: [], dynamic: false };
  if (!y.isMap(node)) {
    matrix.dynamic = true;
    return matrix;
  }
  for (const e of y.entries(node)) {
    if (e.key === "include" || e.key === "exclude") {
      if (!y.isSeq(e.value)) {
        matrix.dynamic = true;
        continue;
      }
      const rows = y.items(e.value).map((row) => {
        const v = yamlToVal(y, row);
        return v.kind === "object" ? v.fields : {};
      });
      matrix[e.key].push(...rows);
    } else if (y.isSeq(e.value)) {
      matrix.axes.set(
        e.key,
        y.items(e.value).map((i) => yamlToVal(y, i)),
      );
    } else {
      matrix.dynamic = true;
      matrix.axes.set(e.key, []);
    }
  }
  return matrix;
}

function parseInputs(y: YamlFile, node: YNode | undefined, path: NodePath, into: Map<string, InputDecl>): void {
  for (const e of y.entries(node)) {
    const p = childPath(path, e.key);
    into.set(e.key, {
      name: e.key,
      default: y.scalar(y.get(e.value, "default"), childPath(p, "default")),
      type: str(y, y.get(e.value, "type"), childPath(p, "type")),
    });
  }
}

function parseTriggers(y: YamlFile, node: YNode | undefined, inputs: Map<string, InputDecl>): Trigger[] {
  const single = y.scalar(node, ["on"]);
  if (single) return [{ event: single.value, span: single.span }];
  if (y.isSeq(node)) {
    return y.items(node).flatMap((item, i) => {
      const s = y.scalar(item, ["on", i]);
      return s ? [{ event: s.value, span: s.span }] : [];
    });
  }
  return y.entries(node).map((e) => {
    const p = ["on", e.key];
    if (e.key === "workflow_call" || e.key === "workflow_dispatch") {
      parseInputs(y, y.get(e.value, "inputs"), childPath(p, "inputs"), inputs);
    }
    const branches = y.get(e.value, "branches");
    const tags = y.get(e.value, "tags");
    return {
      event: e.key,
      branches: branches ? stringList(y, branches, childPath(p, "branches")) : undefined,
      tags: tags ? stringList(y, tags, childPath(p, "tags")) : undefined,
      ...(y.get(e.value, "branches-ignore") ? { ignoresBranches: true } : {}),
      ...(y.get(e.value, "tags-ignore") ? { ignoresTags: true } : {}),
      span: y.span(e.keyNode, p),
    };
  });
}

export function parseWorkflow(y: YamlFile): Workflow {
  const root = y.root;
  const inputs = new Map<string, InputDecl>();
  const triggers = parseTriggers(y, y.get(root, "on"), inputs);
  const workflowDir = defaultDirectory(y, root, []);
  const jobs: Job[] = y.entries(y.get(root, "jobs")).map(({ key: id, keyNode, value }) => {
    const p: NodePath = ["jobs", id];
    const strategy = y.get(value, "strategy");
    const needsNode = y.get(value, "needs");
    return {
      id,
      span: y.span(keyNode, p),
      path: p,
      if: y.scalar(y.get(value, "if"), childPath(p, "if")),
      needs: needsNode ? stringList(y, needsNode, childPath(p, "needs")) : [],
      env: scalarMap(y, y.get(value, "env"), childPath(p, "env")),
      runsOn: y.scalar(y.get(value, "runs-on"), childPath(p, "runs-on")),
      runsOnLabels: runsOnLabels(y, y.get(value, "runs-on"), childPath(p, "runs-on")),
      matrix: parseMatrix(y, y.get(strategy, "matrix")),
      outputs: scalarMap(y, y.get(value, "outputs"), childPath(p, "outputs")),
      steps: parseSteps(y, y.get(value, "steps"), childPath(p, "steps"), defaultDirectory(y, value, p) ?? workflowDir),
      uses: y.scalar(y.get(value, "uses"), childPath(p, "uses")),
      with: scalarMap(y, y.get(value, "with"), childPath(p, "with")),
    };
  });
  const name = str(y, y.get(root, "name"), ["name"])?.trim();
  return {
    kind: "workflow",
    file: y.file,
    ...(name ? { name } : {}),
    triggers,
    inputs,
    env: scalarMap(y, y.get(root, "env"), ["env"]),
    jobs,
  };
}

/**
 * Notes a file of .github/workflows that GitHub rejects (it runs none of it): empty, not a mapping, or without `on:`
 * or jobs. A file with nothing to analyse would otherwise pass unsaid; one without `on:` is still analysed as if
 * pushed. Other YAML files read as workflows (a directory PATH without .github/workflows) are not workflows GitHub
 * reads, and are not noted. A file with a YAML error is reported as such and never parsed as a workflow (`Project`).
 */
export function noteRejectedWorkflow(y: YamlFile, workflow: Workflow): void {
  const root = y.root;
  const missing = !y.isMap(root) ? undefined : [...(y.get(root, "on") ? [] : ["on:"]), ...(workflow.jobs.length > 0 ? [] : ["jobs"])];
  if (missing?.length === 0) return;
  const line = root ? y.span(root, []).start.line : 1;
  const what = missing === undefined ? (root ? "it is not a mapping with on: and jobs:" : "the file is empty") : `it has no ${missing.join(" and no ")}`;
  y.notes.push(`${y.file}:${line}: GitHub rejects this workflow: ${what}`);
}

export function parseAction(y: YamlFile): CompositeAction {
  const root = y.root;
  const inputs = new Map<string, InputDecl>();
  parseInputs(y, y.get(root, "inputs"), ["inputs"], inputs);
  const outputs: ScalarMap = new Map();
  for (const e of y.entries(y.get(root, "outputs"))) {
    const v = y.scalar(y.get(e.value, "value"), ["outputs", e.key, "value"]);
    if (v) outputs.set(e.key, v);
  }
  const runs = y.get(root, "runs");
  return {
    kind: "action",
    file: y.file,
    using: str(y, y.get(runs, "using"), ["runs", "using"]),
    inputs,
    outputs,
    steps: parseSteps(y, y.get(runs, "steps"), ["runs", "steps"]),
  };
}
