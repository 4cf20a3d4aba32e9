import { type CompositeAction, parseAction, parseWorkflow, type Workflow } from "../workflow/model.js";
import { MAX_FILE_BYTES, YamlFile } from "../workflow/yaml.js";

/** A repository file: `path` is repository-relative with forward slashes. */
export interface SourceFile {
  path: string;
  text: string;
  /** How to read the file; by default it follows from the path. */
  kind?: "workflow" | "action";
  /** The file was too large to read; it is reported as skipped. */
  oversized?: boolean;
}

const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const ACTION = /(^|\/)action\.ya?ml$/;

export function isWorkflowPath(path: string): boolean {
  return WORKFLOW.test(path);
}

export function isActionPath(path: string): boolean {
  return ACTION.test(path);
}

/** Paths the analyzer reads: workflows and action metadata files. */
export function isAnalyzablePath(path: string): boolean {
  return isWorkflowPath(path) || isActionPath(path);
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

export class Project {
  readonly workflows = new Map<string, Workflow>();
  readonly actions = new Map<string, CompositeAction>();
  readonly yamlFiles: YamlFile[] = [];
  /** Files that were not analysed, with the reason. */
  readonly notes: string[] = [];

  constructor(files: SourceFile[]) {
    for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
      const kind = f.kind ?? (isWorkflowPath(f.path) ? "workflow" : isActionPath(f.path) ? "action" : undefined);
      if (f.oversized) {
        this.notes.push(`${f.path}: skipped, larger than ${MAX_FILE_BYTES} bytes`);
        continue;
      }
      if (kind === undefined) continue;
      const y = new YamlFile(f.path, f.text);
      if (y.skipped) {
        this.notes.push(`${f.path}: skipped, ${y.skipped}`);
        continue;
      }
      if (kind === "workflow") {
        this.yamlFiles.push(y);
        if (y.doc) this.workflows.set(f.path, parseWorkflow(y));
      } else {
        this.yamlFiles.push(y);
        const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : "";
        if (y.doc && !this.actions.has(dir)) this.actions.set(dir, parseAction(y));
      }
    }
  }

  /** The composite action a `uses: ./dir` names. */
  action(uses: string): CompositeAction | undefined {
    const dir = normalizeLocalPath(uses);
    return dir === undefined ? undefined : this.actions.get(dir);
  }

  /** The reusable workflow a job-level `uses: ./.github/workflows/x.yml` names. */
  workflow(uses: string): Workflow | undefined {
    const path = normalizeLocalPath(uses.split("@")[0]);
    return path === undefined ? undefined : this.workflows.get(path);
  }

  /** Repository paths that local `uses:` reference but that are not loaded yet. */
  missingReferences(): string[] {
    const out = new Set<string>();
    const stepUses = [
      ...[...this.workflows.values()].flatMap((w) => w.jobs.flatMap((j) => j.steps)),
      ...[...this.actions.values()].flatMap((a) => a.steps),
    ].flatMap((s) => (s.uses ? [s.uses.value] : []));
    for (const uses of stepUses) {
      const dir = normalizeLocalPath(uses);
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
    return [...out].sort();
  }
}

/** Local composite actions and reusable workflows that `files` use and do not include. */
export function referencedPaths(files: SourceFile[]): string[] {
  return new Project(files).missingReferences();
}
