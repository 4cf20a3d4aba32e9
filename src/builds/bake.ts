/**
 * `docker buildx bake`: bake definitions (HCL, JSON and Compose files, and the bake file docker/metadata-action
 * writes) resolved the way bake resolves them — files merged in order, groups expanded, `inherits` applied,
 * `variable` defaults overridden by the environment, `--set`/`set:` overrides on matching targets — and each
 * target reached turned into a {@link BuildInvocation} with `source: "bake"`.
 *
 * Attributes keep the spans of the file that defines them, so a finding points into the bake file (or at the
 * `set:` line or `--set` argument that overrides it). Attribute names are kept as written: bake ignores target
 * attributes it does not know, so the Compose spelling `cache_to` in an HCL or JSON file exports nothing
 * (`bake-unknown-attribute` reports it).
 */

import { parseCacheLine } from "../docker/cache-spec.js";
import type { EventCase } from "../engine/events.js";
import type { Budget } from "../engine/budget.js";
import type { Project } from "../engine/project.js";
import { type Frame, frameScope } from "../engine/scope.js";
import type { StepVisit } from "../engine/walk.js";
import { evaluateInterpolated, ExpressionSyntaxError, toTemplate } from "../workflow/expr/evaluate.js";
import { hole, known, renderTemplate, type Template, TemplateSizeError, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import type { Step, Workflow } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import { type ScalarValue, type Segment, YamlFile } from "../workflow/yaml.js";
import { concatAlternatives, only, type TemplateAlt } from "./alternatives.js";
import { type BakeScope, evaluateHclTemplate, interpolateCompose } from "./bake-template.js";
import type { BuildInvocation, CacheItem } from "./invocation.js";
import { booleanInput, type Item } from "./items.js";
import { imageNames, imageOutputs } from "./outputs.js";

export type BakeFormat = "hcl" | "json" | "compose";

/** A value as written in a bake file, with its source span. */
export type BakeValue =
  /** A string whose interpolation follows HCL templates (`hcl`, also JSON files) or Compose (`compose`). */
  | { kind: "string"; text: string; syntax: "hcl" | "compose"; span: Span; segment: Segment }
  /** A value evaluated already: a `set:`/`--set` override, a tag of metadata-action's bake file. */
  | { kind: "item"; item: Item }
  | { kind: "list"; items: BakeValue[]; span: Span }
  | { kind: "map"; entries: Map<string, BakeValue>; span: Span }
  /** A number, boolean or null, as text. */
  | { kind: "other"; text: string; span: Span };

export interface BakeBlock {
  /** `target`, `group`, `variable`, `function`. */
  type: string;
  name: string;
  /** The block's header (or the Compose service key). */
  span: Span;
  attrs: Map<string, BakeValue>;
  /** Where each attribute's name is written (HCL and JSON files). */
  names?: Map<string, Span>;
}

export interface BakeFile {
  path: string;
  format: BakeFormat;
  blocks: BakeBlock[];
}

/** Files bake reads when none is named, in its lookup (and merge) order. */
export const DEFAULT_BAKE_FILES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yml",
  "docker-compose.yaml",
  "docker-bake.json",
  "docker-bake.hcl",
  "docker-bake.override.json",
  "docker-bake.override.hcl",
];

/** Attribute keys that hold lists; a `set` override replaces them (`=`) or appends to them (`+=`). */
const LIST_KEYS = new Set(["tags", "cache-to", "cache-from", "output", "platforms", "attest"]);
/** Keys whose maps merge across files and parents instead of being replaced. */
const MAP_KEYS = new Set(["args", "labels", "annotations"]);

/** Resolves `path` against directory `dir` (both repository-relative); undefined when it leaves the repository. */
export function joinPath(dir: string, path: string): string | undefined {
  const parts: string[] = [];
  for (const seg of `${path.startsWith("/") ? "" : dir}/${path}`.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}

/** A repository path written as a template: literal, or starting with the workspace directory. */
export function repoPath(t: Template, cwd: string | undefined): string | undefined {
  const first = t[0];
  if (first && "hole" in first && /^(\$GITHUB_WORKSPACE|github\.workspace)$/.test(first.hole.source)) {
    const rest = templateLiteral(t.slice(1));
    return rest === undefined ? undefined : joinPath("", rest);
  }
  const literal = templateLiteral(t);
  return literal === undefined || cwd === undefined ? undefined : joinPath(cwd, literal);
}

/** A directory input (`working-directory`, `workdir`) as a repository path: '' when absent, undefined when unknown. */
export function evaluatedDir(visit: StepVisit, value: ScalarValue | undefined): string | undefined {
  if (!value) return "";
  const alts = visit.evaluate(value.value, value.span);
  return alts.length === 1 ? repoPath(toTemplate(alts[0].value), "") : undefined;
}

export interface BakeRequest {
  visit: StepVisit;
  /** The definition files in order: repository paths or inline definitions. */
  files: (string | BakeFile)[];
  /** The working directory for the default file lookup and relative paths; undefined when unknown. */
  cwd: string | undefined;
  /** Targets or groups to build; empty (and no `unknownTargets`) means `default`. */
  targets: string[];
  /**
   * Targets named by values tagguard cannot know (`targets: ${{ matrix.target }}`), as written. Each is built as
   * one target of unknown attributes that only the `*` overrides reach, not as the whole default group.
   */
  unknownTargets?: string[];
  /** `pattern.key=value` overrides, in order. */
  overrides: Item[];
  push: boolean | undefined;
  load: boolean | undefined;
  provenance?: Item;
  sbom?: Item;
  /** The environment bake runs in: overrides `variable` defaults and feeds Compose interpolation. */
  env(name: string): TemplateAlt[] | undefined;
  /** Raw `with:` inputs of a bake-action step (empty for `run:` scripts). */
  inputs: Map<string, ScalarValue>;
}

interface Override {
  pattern: RegExp;
  /** `*.key=…`: applies to every target, also one whose name is unknown. */
  everyTarget: boolean;
  key: string;
  append: boolean;
  value: Item;
}

function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Splits a `pattern.key=value` item; the value keeps an exact span when the line is literal text. */
function parseOverride(item: Item): Override | undefined {
  const first = item.value[0];
  if (!first || !("lit" in first)) return undefined;
  const m = /^\s*([^=\s]+?)\.([A-Za-z0-9_.-]+?)(\+?)=/.exec(first.lit);
  if (!m) return undefined;
  const value = trimTemplate([{ lit: first.lit.slice(m[0].length) }, ...item.value.slice(1)]);
  const { segment } = item;
  let valueItem: Item = { ...item, value };
  const at = segment.exact ? segment.text.indexOf(m[0].trim()) : -1;
  if (at >= 0) {
    const start = at + m[0].trim().length;
    const text = segment.text.slice(start).trimEnd();
    const s = segment.span.start;
    const span: Span = {
      file: segment.span.file,
      path: segment.span.path,
      start: { line: s.line, col: s.col + start, offset: s.offset + start },
      end: { line: s.line, col: s.col + start + text.length, offset: s.offset + start + text.length },
    };
    valueItem = { ...valueItem, span, segment: { text, span, exact: true } };
  }
  const key = m[2].toLowerCase().replace(/_/g, "-");
  return { pattern: globRegExp(m[1]), everyTarget: m[1] === "*", key: key === "platform" ? "platforms" : key, append: m[3] === "+", value: valueItem };
}

type Attrs = Map<string, BakeValue>;

function mergeAttrs(into: Attrs, from: Attrs): void {
  for (const [key, value] of from) {
    if (key === "inherits") continue;
    const prev = into.get(key);
    if (MAP_KEYS.has(key) && prev?.kind === "map" && value.kind === "map") {
      into.set(key, { ...value, entries: new Map([...prev.entries, ...value.entries]) });
    } else into.set(key, value);
  }
}

/** Merged bake definition files. */
class Definition {
  readonly targets = new Map<string, Attrs>();
  readonly groups = new Map<string, BakeValue | undefined>();
  readonly variables = new Map<string, BakeValue | undefined>();
  /** Where each target and group is declared (the last declaration), for the budget's report. */
  private readonly spans = new Map<string, Span>();
  /** Resolved targets whose parents form no cycle, so their attributes are the same from every child. */
  private readonly resolved = new Map<string, Attrs>();

  constructor(
    files: BakeFile[],
    private readonly budget: Budget,
  ) {
    for (const f of files) {
      for (const b of f.blocks) {
        if (b.type === "target") {
          const attrs = this.targets.get(b.name) ?? new Map();
          const inherits = b.attrs.get("inherits");
          mergeAttrs(attrs, b.attrs);
          if (inherits) attrs.set("inherits", inherits);
          this.targets.set(b.name, attrs);
          this.spans.set(b.name, b.span);
        } else if (b.type === "group") {
          this.groups.set(b.name, b.attrs.get("targets"));
          this.spans.set(b.name, b.span);
        } else if (b.type === "variable") this.variables.set(b.name, b.attrs.get("default"));
      }
    }
  }

  /** A target's attributes with its parents applied (parents first, later parents overriding earlier ones). */
  resolve(name: string, names: (v: BakeValue | undefined) => string[]): Attrs | undefined {
    const r = this.resolveFrom(name, names, []);
    return r && new Map(r.attrs);
  }

  /**
   * Resolves `name` below the targets of `stack`, which a cycle skips. A target resolved without skipping any is
   * the same wherever it is reached, so it is resolved once: a diamond of `inherits` costs its distinct targets.
   */
  private resolveFrom(name: string, names: (v: BakeValue | undefined) => string[], stack: string[]): { attrs: Attrs; cyclic: boolean } | undefined {
    const cached = this.resolved.get(name);
    if (cached) return { attrs: cached, cyclic: false };
    const own = this.targets.get(name);
    if (!own) return undefined;
    const out: Attrs = new Map();
    let cyclic = !this.budget.bakeNode(this.spans.get(name) as Span);
    for (const parent of cyclic ? [] : names(own.get("inherits"))) {
      if (stack.includes(parent) || parent === name) {
        cyclic = true;
        continue;
      }
      const r = this.resolveFrom(parent, names, [...stack, name]);
      if (!r) continue;
      cyclic ||= r.cyclic;
      mergeAttrs(out, r.attrs);
    }
    mergeAttrs(out, own);
    if (!cyclic) this.resolved.set(name, out);
    return { attrs: out, cyclic };
  }

  /**
   * Target names a list of requested targets and groups stands for, in order, without duplicates. A group
   * already expanded adds nothing when it is named again (its targets are listed), so it is expanded once.
   */
  expand(requested: string[], names: (v: BakeValue | undefined) => string[]): string[] {
    const out: string[] = [];
    const done = new Set<string>();
    const visit = (n: string, stack: string[]) => {
      if (this.groups.has(n) && !stack.includes(n)) {
        if (done.has(n) || !this.budget.bakeNode(this.spans.get(n) as Span)) return;
        for (const t of names(this.groups.get(n))) visit(t, [...stack, n]);
        done.add(n);
      } else if (this.targets.has(n) && !out.includes(n)) out.push(n);
    };
    for (const n of requested) visit(n, []);
    return out;
  }
  /** Targets no other target inherits from. */
  leaves(names: (v: BakeValue | undefined) => string[]): string[] {
    const parents = new Set([...this.targets.values()].flatMap((attrs) => names(attrs.get("inherits"))));
    return [...this.targets.keys()].filter((t) => !parents.has(t));
  }
}

/** How the strings of one bake invocation are evaluated. */
class Evaluator implements BakeScope {
  private readonly cache = new Map<string, TemplateAlt[]>();
  private readonly active = new Set<string>();

  constructor(
    private readonly def: Definition,
    private readonly env: (name: string) => TemplateAlt[] | undefined,
    /** Compose variables the environment does not set: unset ('') in a workflow, unknown in a standalone file. */
    private readonly unsetCompose: (name: string) => TemplateAlt[] | undefined,
    /**
     * The invocation, as the identity of what bake computes that tagguard does not (functions, expressions it
     * does not evaluate): the same text in another invocation may be another value (`Hole.scope`).
     */
    private readonly instance: string,
  ) {}

  variable(name: string): TemplateAlt[] | undefined {
    const fromEnv = this.env(name);
    if (fromEnv) return fromEnv;
    if (!this.def.variables.has(name)) return undefined;
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (this.active.has(name)) return only([{ hole: { source: name, display: `\${${name}}` } }]);
    this.active.add(name);
    const d = this.def.variables.get(name);
    const value = d?.kind === "string" ? this.string(d) : d?.kind === "other" ? only([{ lit: d.text }]) : d ? only([{ hole: { source: name, display: `\${${name}}` } }]) : only([]);
    this.active.delete(name);
    this.cache.set(name, value);
    return value;
  }

  string(v: Extract<BakeValue, { kind: "string" }>): TemplateAlt[] {
    if (v.syntax === "compose") return interpolateCompose(v.text, (n) => this.env(n) ?? this.unsetCompose(n));
    return evaluateHclTemplate(v.text, this);
  }

  /** A value as build model items: one per list entry and alternative. */
  items(v: BakeValue | undefined): Item[] {
    if (!v) return [];
    switch (v.kind) {
      case "list":
        return v.items.flatMap((i) => this.items(i));
      case "item":
        return [v.item];
      case "string": {
        const alts = this.string(v);
        const derived = v.syntax === "compose" ? v.text.includes("$") : /[$%]\{/.test(v.text);
        return this.toItems(alts, v.span, v.segment, derived);
      }
      case "map": {
        const pieces = [...v.entries].flatMap(([key, value], i): TemplateAlt[][] => {
          const text = value.kind === "string" ? this.string(value) : value.kind === "other" ? only([{ lit: value.text }]) : undefined;
          return text ? [only([{ lit: `${i ? "," : ""}${key}=` }]), text] : [];
        });
        const alts = concatAlternatives(pieces, () => ({ source: "cache entry" }));
        return this.toItems(alts, v.span, { text: renderTemplate(alts[0].value), span: v.span, exact: false }, true);
      }
      case "other":
        return this.toItems(only([{ lit: v.text }]), v.span, { text: v.text, span: v.span, exact: false }, false);
    }
  }

  private toItems(alts: TemplateAlt[], span: Span, segment: Segment, derived: boolean): Item[] {
    return alts.flatMap((a, alt) => {
      const value = trimTemplate(a.value).map((p) => ("hole" in p && p.hole.scope === undefined ? { hole: { ...p.hole, scope: this.instance } } : p));
      return value.length ? [{ value, conds: a.conds, span, segment, derived, alt, alts: alts.length }] : [];
    });
  }

  /** Literal names of a list (targets, inherits). */
  names = (v: BakeValue | undefined): string[] =>
    this.items(v).flatMap((i) => {
      const s = templateLiteral(i.value);
      return s === undefined ? [] : [s];
    });
}

/** The condition under which a bake file that no workflow builds pushes its tags. */
const STANDALONE_PUSH = "the bake file is built with --push";
/**
 * The condition under which the targets of a bake file without a `default` group or target, which no workflow
 * builds, write their caches in one run: `docker buildx bake` then builds only the targets it is given.
 */
const STANDALONE_TOGETHER = "these targets are built in one bake run (the file has no default group)";

interface InvocationOptions {
  visit: StepVisit;
  push: boolean | undefined;
  load: boolean | undefined;
  provenance?: Item;
  sbom?: Item;
  inputs: Map<string, ScalarValue>;
  standalone: boolean;
  /** For a standalone file without a `default`: its targets are built together only when someone names them so. */
  together?: boolean;
}

/** The attest entry of a type (`type=provenance,…`) as the value build-push-action's input would have. */
export function attestItem(items: Item[], type: string): Item | undefined {
  for (const item of items) {
    const text = templateLiteral(item.value);
    if (!text) continue;
    const fields = text.split(",");
    if (!fields.includes(`type=${type}`)) continue;
    const rest = fields.filter((f) => f !== `type=${type}`);
    const value = rest.includes("disabled=true") ? "false" : rest.length ? rest.join(",") : "true";
    return { ...item, value: [{ lit: value }] };
  }
  return undefined;
}

function invocation(name: string, attrs: Attrs, overrides: Override[], ev: Evaluator, opts: InvocationOptions): BuildInvocation {
  let push = opts.push;
  let load = opts.load;
  const replaced = new Set<string>();
  for (const o of overrides) {
    if (!o.pattern.test(name)) continue;
    if (o.key === "push" || o.key === "load") {
      const value = booleanInput(known({ kind: "str", parts: o.value.value }));
      if (o.key === "push") push = value;
      else load = value;
    } else if (LIST_KEYS.has(o.key)) {
      const prev = o.append || replaced.has(o.key) ? attrs.get(o.key) : undefined;
      const items = prev ? (prev.kind === "list" ? prev.items : [prev]) : [];
      attrs.set(o.key, { kind: "list", items: [...items, { kind: "item", item: o.value }], span: o.value.span });
      replaced.add(o.key);
    } else {
      attrs.set(o.key, { kind: "item", item: o.value });
    }
  }
  const cache = (key: string): CacheItem[] => ev.items(attrs.get(key)).flatMap((item) => parseCacheLine(item.value).map((entry) => ({ item, entry })));
  const single = (key: string): Item | undefined => ev.items(attrs.get(key))[0];
  const outputs = imageOutputs(ev.items(attrs.get("output")));
  if (push !== true && outputs.pushes !== false) push = outputs.pushes === true ? true : undefined;
  const tags = imageNames(ev.items(attrs.get("tags")), outputs);
  const attest = ev.items(attrs.get("attest"));
  return {
    source: "bake",
    visit: opts.visit,
    push: opts.standalone && push !== true ? undefined : push,
    load: load === true || outputs.loads ? true : load,
    tags: opts.standalone ? tags.map((t) => ({ ...t, conds: [...t.conds, STANDALONE_PUSH] })) : tags,
    byDigest: outputs.byDigest,
    cacheTo: opts.together === false ? cache("cache-to").map((c) => ({ ...c, item: { ...c.item, conds: [...c.item.conds, STANDALONE_TOGETHER] } })) : cache("cache-to"),
    cacheFrom: cache("cache-from"),
    platforms: ev.items(attrs.get("platforms")),
    provenance: opts.provenance ?? attestItem(attest, "provenance"),
    sbom: opts.sbom ?? attestItem(attest, "sbom"),
    context: single("context"),
    file: single("dockerfile"),
    target: single("target"),
    bakeTarget: name,
    args: ev.items(attrs.get("args")),
    inputs: opts.inputs,
  };
}

/** A visit for a bake file no workflow builds, so its targets are still checked on their own. */
function standaloneVisit(file: string): StepVisit {
  const event: EventCase = { eventName: "push", refKind: "other", label: "any event" };
  const frame: Frame = { event, env: new Map(), steps: new Map(), needs: new Map() };
  const scope = frameScope(frame);
  const span: Span = { file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 }, path: [] };
  const step: Step = { index: 0, name: "docker buildx bake", with: new Map(), env: new Map(), span, path: [] };
  const workflow: Workflow = { kind: "workflow", file, triggers: [], inputs: new Map(), env: new Map(), jobs: [] };
  const evaluate = (text: string) => {
    try {
      return evaluateInterpolated(text, scope);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      return known(hole(text));
    }
  };
  return { step, file, workflow, jobId: "(bake file)", event, frame, scope, calls: [], instance: file, guards: [], evaluate };
}

function dirOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

/**
 * The bake files of one analysis: reads the definitions bake invocations name, and afterwards checks the
 * bake and Compose files no invocation read on their own.
 */
export class BakeFiles {
  private readonly read = new Set<string>();
  private yamlByFile: Map<string, YamlFile> | undefined;

  constructor(
    private readonly project: Project,
    private readonly budget: Budget,
  ) {}

  /** The parsed workflow or action file at `file`. */
  yaml(file: string): YamlFile | undefined {
    this.yamlByFile ??= new Map(this.project.yamlFiles.map((y) => [y.file, y]));
    return this.yamlByFile.get(file);
  }

  private files(req: BakeRequest): BakeFile[] {
    const named = req.files.length ? req.files : req.cwd === undefined ? [] : DEFAULT_BAKE_FILES.map((n) => joinPath(req.cwd as string, n));
    return named.flatMap((f) => {
      if (f === undefined) return [];
      if (typeof f !== "string") return [f];
      const file = this.project.bakeFiles.get(f);
      if (file) this.read.add(f);
      return file ? [file] : [];
    });
  }

  /** The builds of one bake invocation. */
  builds(req: BakeRequest): BuildInvocation[] {
    const files = this.files(req);
    if (files.length === 0) return [];
    const def = new Definition(files, this.budget);
    const ev = new Evaluator(def, (n) => req.env(n), () => undefined, `${req.visit.instance}|bake`);
    const overrides = req.overrides.flatMap((o) => parseOverride(o) ?? []);
    const opts: InvocationOptions = { ...req, standalone: false };
    const unknown = req.unknownTargets ?? [];
    const named = req.targets.length || unknown.length ? req.targets : ["default"];
    const known = def.expand(named, ev.names).flatMap((name) => {
      const attrs = def.resolve(name, ev.names);
      return attrs ? [invocation(name, attrs, overrides, ev, opts)] : [];
    });
    const everyTarget = overrides.filter((o) => o.everyTarget);
    return [...known, ...unknown.map((name) => invocation(name, new Map(), everyTarget, ev, opts))];
  }

  /**
   * Builds of the bake files no invocation read, one definition per directory (the files bake would merge
   * there): the `default` group or target, else every target no other target inherits from. Whether they
   * are pushed is unknown. Compose files count only when a service exports a build cache (`cache_to`):
   * most are for `docker compose` on a laptop, not for bake.
   */
  standalone(): BuildInvocation[] {
    const byDir = new Map<string, BakeFile[]>();
    for (const [path, file] of this.project.bakeFiles) {
      if (this.read.has(path) || (file.format === "compose" && !file.blocks.some((b) => b.attrs.has("cache-to")))) continue;
      const list = byDir.get(dirOf(path));
      if (list) list.push(file);
      else byDir.set(dirOf(path), [file]);
    }
    const order = (f: BakeFile) => {
      const at = DEFAULT_BAKE_FILES.indexOf(f.path.slice(f.path.lastIndexOf("/") + 1));
      return at < 0 ? DEFAULT_BAKE_FILES.length : at;
    };
    return [...byDir.keys()].sort().flatMap((dir) => {
      if (this.budget.exhausted) return [];
      const files = (byDir.get(dir) as BakeFile[]).sort((a, b) => order(a) - order(b) || a.path.localeCompare(b.path));
      const def = new Definition(files, this.budget);
      const ev = new Evaluator(def, () => undefined, (n) => only([{ hole: { source: `$${n}`, display: `\${${n}}` } }]), `${dir}|bake`);
      const hasDefault = def.groups.has("default") || def.targets.has("default");
      const names = hasDefault ? def.expand(["default"], ev.names) : def.leaves(ev.names);
      const opts: InvocationOptions = { visit: standaloneVisit(files[0].path), push: undefined, load: undefined, inputs: new Map(), standalone: true, together: hasDefault };
      try {
        return names.flatMap((name) => {
          const attrs = def.resolve(name, ev.names);
          return attrs ? [invocation(name, attrs, [], ev, opts)] : [];
        });
      } catch (err) {
        if (!(err instanceof TemplateSizeError)) throw err;
        const span = files.flatMap((f) => f.blocks)[0]?.span;
        if (span) this.budget.stop(err.message, span);
        return [];
      }
    });
  }
}
