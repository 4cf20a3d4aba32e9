import { bakeActionReferences } from "../builds/bake-action.js";
import type { BakeFile } from "../builds/bake.js";
import { loadBakeFile } from "../builds/bake-load.js";
import { isAction } from "../builds/extract.js";
import { scriptBakeReferences } from "../builds/script.js";
import { type CompositeAction, parseAction, noteRejectedWorkflow, parseWorkflow, type Step, type Workflow } from "../workflow/model.js";
import { MAX_FILE_BYTES, YamlFile } from "../workflow/yaml.js";

/** A repository file: `path` is repository-relative with forward slashes. */
export interface SourceFile {
  path: string;
  text: string;
  /** How to read the file; by default it follows from the path. */
  kind?: "workflow" | "action" | "bake";
  /** The file was too large to read; it is reported as skipped. */
  oversized?: boolean;
}

const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const ACTION = /(^|\/)action\.ya?ml$/;
/** Files bake reads by default: `docker-bake.hcl|json`, their `.override` variants, Compose files. */
const BAKE = /(^|\/)(docker-bake(\.override)?\.(hcl|json)|(docker-)?compose\.ya?ml)$/;

export function isWorkflowPath(path: string): boolean {
  return WORKFLOW.test(path);
}

export function isActionPath(path: string): boolean {
  return ACTION.test(path);
}

/** Bake definition files: HCL, JSON and Compose files bake reads by default. */
export function isBakePath(path: string): boolean {
  return BAKE.test(path);
}

/** Paths the analyzer reads: workflows, action metadata files, bake and Compose files. */
export function isAnalyzablePath(path: string): boolean {
  return isWorkflowPath(path) || isActionPath(path) || isBakePath(path);
}

/** How a file is read when its kind is not given: by its path; other paths are bake files a step names. */
function kindOf(path: string): SourceFile["kind"] {
  if (isWorkflowPath(path)) return "workflow";
  if (isActionPath(path)) return "action";
  return /\.(hcl|json|ya?ml)$/.test(path) ? "bake" : undefined;
}

/**
 * The repository path a step's local `uses: ./…` names, given the steps of its job before it: a checkout of the
 * repository itself into a directory (`actions/checkout` with `path: action`, as actions that test themselves do)
 * puts the repository there, so `./action` is its root. The latest such checkout that holds the path wins.
 */
export function localUsesPath(uses: string, before: Step[]): string | undefined {
  const path = normalizeLocalPath(uses);
  if (path === undefined) return undefined;
  for (const step of [...before].reverse()) {
    if (!isAction(step.uses?.value, "actions/checkout") || step.with.has("repository")) continue;
    const into = step.with.get("path")?.value.trim();
    const dir = into && !into.includes("${{") ? normalizeLocalPath(`./${into}`) : undefined;
    if (!dir) continue;
    if (path === dir) return "";
    if (path.startsWith(`${dir}/`)) return path.slice(dir.length + 1);
  }
  return path;
}

/** Normalises `./a/../b/` style local references to a repository path without leading `./`. */
export function normalizeLocalPath(uses: string): string | undefined {
  if (!uses.startsWith("./")) return undefined;
  const parts: string[] = [];
  for (const seg of uses.slice(2).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  return parts.join("/");
}

/** One source file as read: its parsed YAML, or why it was not read; workflow and action models are parsed when first needed. */
interface LoadedFile {
  path: string;
  kind: SourceFile["kind"];
  yaml?: YamlFile;
  bake?: BakeFile;
  note?: string;
  workflow?: Workflow;
  action?: CompositeAction;
}

function loadFile(f: SourceFile): LoadedFile {
  const kind = f.kind ?? kindOf(f.path);
  if (f.oversized) return { path: f.path, kind, note: `${f.path}: skipped, larger than ${MAX_FILE_BYTES} bytes` };
  if (kind === undefined) return { path: f.path, kind };
  if (kind === "bake") {
    const loaded = loadBakeFile(f.path, f.text);
    return { path: f.path, kind, yaml: loaded.yaml, bake: loaded.file, note: loaded.note && `${f.path}: ${loaded.note}` };
  }
  const yaml = new YamlFile(f.path, f.text, { mergeKeys: "unsupported", uniqueKeys: true });
  return yaml.skipped ? { path: f.path, kind, note: `${f.path}: skipped, ${yaml.skipped}` } : { path: f.path, kind, yaml };
}

export class Project {
  readonly workflows = new Map<string, Workflow>();
  readonly actions = new Map<string, CompositeAction>();
  /** Bake definitions (HCL, JSON, Compose) by path. */
  readonly bakeFiles = new Map<string, BakeFile>();
  readonly yamlFiles: YamlFile[] = [];
  /** Files that were not analysed, with the reason. */
  readonly notes: string[] = [];
  /** Every file added, in the order added; each is parsed once. */
  private readonly loaded: LoadedFile[] = [];
  private readonly yamlByFile = new Map<string, YamlFile>();
  private readonly actionByFile = new Map<string, CompositeAction>();

  constructor(files: SourceFile[]) {
    this.add(files);
  }

  /**
   * Reads more files (parsing only the new ones). The project is then the one all the files given so
   * far make together: files are taken in path order, and the first of two actions in one directory wins.
   */
  add(files: SourceFile[]): void {
    for (const f of files) this.loaded.push(loadFile(f));
    this.workflows.clear();
    this.actions.clear();
    this.bakeFiles.clear();
    this.yamlFiles.length = 0;
    this.notes.length = 0;
    this.yamlByFile.clear();
    this.actionByFile.clear();
    for (const f of [...this.loaded].sort((a, b) => a.path.localeCompare(b.path))) {
      if (f.note) this.notes.push(f.note);
      if (f.bake) this.bakeFiles.set(f.path, f.bake);
      const y = f.yaml;
      if (!y) continue;
      this.yamlFiles.push(y);
      if (!this.yamlByFile.has(y.file)) this.yamlByFile.set(y.file, y);
      // A file with a YAML error is reported (parse-error) and not analysed: GitHub refuses it, so nothing in it runs.
      if (f.kind === "bake" || y.problems.length > 0) continue;
      // Each file is read into its model once; the syntax tree is then released (nothing after the model reads it).
      if (f.kind === "workflow") {
        if (!f.workflow) {
          f.workflow = parseWorkflow(y);
          if (isWorkflowPath(f.path)) noteRejectedWorkflow(y, f.workflow);
          y.release();
        }
        this.workflows.set(f.path, f.workflow);
        continue;
      }
      const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : "";
      if (this.actions.has(dir)) continue;
      if (!f.action) {
        f.action = parseAction(y);
        y.release();
      }
      this.actions.set(dir, f.action);
      if (!this.actionByFile.has(f.path)) this.actionByFile.set(f.path, f.action);
    }
  }

  /** The parsed YAML file at a repository path (the first one loaded for it). */
  yamlFile(file: string): YamlFile | undefined {
    return this.yamlByFile.get(file);
  }

  /** The composite action whose metadata file is at a repository path. */
  actionAt(file: string): CompositeAction | undefined {
    return this.actionByFile.get(file);
  }

  /** The composite action a `uses: ./dir` names, seen from a step after `before` (see `localUsesPath`). */
  action(uses: string, before: Step[] = []): CompositeAction | undefined {
    const dir = localUsesPath(uses, before);
    return dir === undefined ? undefined : this.actions.get(dir);
  }

  /** The reusable workflow a job-level `uses: ./.github/workflows/x.yml` names. */
  workflow(uses: string): Workflow | undefined {
    const path = normalizeLocalPath(uses.split("@")[0]);
    return path === undefined ? undefined : this.workflows.get(path);
  }

  /** Repository paths that local `uses:` and bake steps reference but that are not loaded yet. */
  missingReferences(): string[] {
    const out = new Set<string>();
    const stepLists = [...[...this.workflows.values()].flatMap((w) => w.jobs.map((j) => j.steps)), ...[...this.actions.values()].map((a) => a.steps)];
    const stepUses = stepLists.flatMap((steps) => steps.flatMap((s, i) => (s.uses ? [{ uses: s.uses.value, before: steps.slice(0, i) }] : [])));
    for (const { uses, before } of stepUses) {
      const dir = localUsesPath(uses, before);
      if (dir === undefined || this.actions.has(dir)) continue;
      const prefix = dir === "" ? "" : `${dir}/`;
      out.add(`${prefix}action.yml`);
      out.add(`${prefix}action.yaml`);
    }
    for (const w of this.workflows.values()) {
      for (const j of w.jobs) {
        const path = j.uses ? normalizeLocalPath(j.uses.value.split("@")[0]) : undefined;
        if (path !== undefined && !this.workflows.has(path)) out.add(path);
      }
    }
    for (const path of this.bakeReferences()) if (!this.bakeFiles.has(path)) out.add(path);
    return [...out].sort();
  }

  /** Bake files that bake-action steps and `docker buildx bake` commands name (or would look up by default). */
  private bakeReferences(): string[] {
    const steps = [...[...this.workflows.values()].flatMap((w) => w.jobs.flatMap((j) => j.steps)), ...[...this.actions.values()].flatMap((a) => a.steps)];
    return steps.flatMap((step) => {
      if (isAction(step.uses?.value, "docker/bake-action")) return bakeActionReferences(step);
      if (!step.run) return [];
      const dir = step.workingDirectory?.value ?? "";
      return dir.includes("${{") ? [] : scriptBakeReferences(step.run, dir);
    });
  }
}

/** Local composite actions, reusable workflows and bake files that `files` use and do not include. */
export function referencedPaths(files: SourceFile[]): string[] {
  return new Project(files).missingReferences();
}
