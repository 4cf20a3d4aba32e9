/**
 * Reading bake definition files into {@link BakeFile}s with source spans.
 *
 * - HCL (`docker-bake.hcl`): parsed by `hcl2-parser` (HashiCorp's HCL v2 parser, through hcl2json), which
 *   validates the file and gives the structure: blocks, attributes and their values, with expressions kept as
 *   `${…}` template text. It reports no positions, so {@link locateHcl} scans the same text for the token
 *   boundaries of every top-level block, attribute and list element to give each value an exact span.
 * - JSON (`docker-bake.json`): read as YAML (JSON is a subset), which gives exact spans directly.
 * - Compose (`compose.yaml`, `docker-compose.yml`): every service with a `build` section is a target named
 *   after the service, all of them in the `default` group: `image` and `build.tags` are its tags,
 *   `build.cache_to`/`cache_from` its caches, and `x-bake` adds bake-only attributes (`tags`, `cache-to`,
 *   `cache-from`, `platforms`, `output`).
 */

import { createRequire } from "node:module";
import { childPath, LineIndex, type NodePath, type Span } from "../workflow/span.js";
import { type Segment, YamlFile } from "../workflow/yaml.js";
import type { Node as YNode } from "yaml";
import type { BakeBlock, BakeFile, BakeValue } from "./bake.js";

interface HclParser {
  parseToObject(input: string): [unknown, unknown];
}

let parser: HclParser | undefined;

/** The HCL parser, loaded on first use (it is large, and most repositories have no HCL bake file). */
function hcl(): HclParser {
  parser ??= createRequire(import.meta.url)("hcl2-parser") as HclParser;
  return parser;
}

// ---------------------------------------------------------------------------------------------
// Locating HCL tokens

export interface HclAttrLoc {
  name: string;
  /** Where the attribute's name begins. */
  nameStart: number;
  /** The attribute's expression. */
  start: number;
  end: number;
  /** The element ranges when the expression is a list (`[a, b]`). */
  elements?: [number, number][];
}

export interface HclBlockLoc {
  type: string;
  labels: string[];
  /** From the block type to the opening brace. */
  start: number;
  headerEnd: number;
  attrs: HclAttrLoc[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

/**
 * Token boundaries of an HCL file's top-level blocks and their attributes: strings (with `${ }` templates),
 * heredocs and comments are skipped as units, so braces, commas and newlines are only structural outside
 * them. Nested blocks are skipped.
 */
export class HclLocator {
  private i = 0;

  constructor(private readonly s: string) {}

  blocks(): HclBlockLoc[] {
    const out: HclBlockLoc[] = [];
    const { s } = this;
    for (;;) {
      this.space(true);
      if (this.i >= s.length) return out;
      const start = this.i;
      const type = this.ident();
      if (!type) {
        this.i++;
        continue;
      }
      this.space(false);
      if (s[this.i] === "=") {
        this.i++;
        this.scan("\n");
        continue;
      }
      const labels: string[] = [];
      while (this.i < s.length && s[this.i] !== "{" && s[this.i] !== "\n") {
        if (s[this.i] === '"') {
          const a = this.i;
          this.string();
          labels.push(s.slice(a + 1, this.i - 1));
        } else {
          const id = this.ident();
          if (!id) break;
          labels.push(id);
        }
        this.space(false);
      }
      if (s[this.i] !== "{") continue;
      const headerEnd = this.i++;
      out.push({ type, labels, start, headerEnd, attrs: this.body() });
    }
  }

  private ident(): string | undefined {
    IDENT.lastIndex = this.i;
    const m = IDENT.exec(this.s);
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /** Skips blanks and comments (and newlines when `newlines`). */
  private space(newlines: boolean): void {
    const { s } = this;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.i++;
      else if (c === "#" || (c === "/" && s[this.i + 1] === "/")) {
        while (this.i < s.length && s[this.i] !== "\n") this.i++;
      } else if (c === "/" && s[this.i + 1] === "*") {
        const end = s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? s.length : end + 2;
      } else return;
    }
  }

  /** A block body after its `{`: the attributes, up to and including the closing `}`. */
  private body(): HclAttrLoc[] {
    const attrs: HclAttrLoc[] = [];
    const { s } = this;
    while (this.i < s.length) {
      this.space(true);
      if (s[this.i] === "}") {
        this.i++;
        break;
      }
      const nameStart = this.i;
      const name = this.ident();
      if (!name) {
        this.i++;
        continue;
      }
      this.space(false);
      if (s[this.i] === "=" && s[this.i + 1] !== "=") {
        this.i++;
        this.space(false);
        const start = this.i;
        const elements = s[this.i] === "[" ? this.list() : undefined;
        const end = this.scan("\n");
        attrs.push({ name, nameStart, start, end, ...(elements ? { elements } : {}) });
      } else {
        while (this.i < s.length && s[this.i] !== "{" && s[this.i] !== "\n") {
          if (s[this.i] === '"') this.string();
          else this.i++;
        }
        if (s[this.i] === "{") {
          this.i++;
          this.body();
        }
      }
    }
    return attrs;
  }

  /**
   * Skips the rest of an expression: up to `stop` (a newline, or a comma between list elements) or a closing
   * bracket at depth 0. Returns the end of its last token.
   */
  private scan(stop: string): number {
    const { s } = this;
    let depth = 0;
    let last = this.i;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '"') this.string();
      else if (c === "<" && /^<<-?[A-Za-z_]/.test(s.slice(this.i, this.i + 4))) this.heredoc();
      else if (c === "#" || (c === "/" && (s[this.i + 1] === "/" || s[this.i + 1] === "*"))) {
        this.space(false);
        continue;
      } else if ("([{".includes(c)) {
        depth++;
        this.i++;
      } else if (")]}".includes(c)) {
        if (depth === 0) break;
        depth--;
        this.i++;
      } else if (c === stop && depth === 0) break;
      else {
        this.i++;
        if (/\s/.test(c)) continue;
      }
      last = this.i;
    }
    return last;
  }

  /** The elements of a list expression starting at `[`; leaves the position after `]`. */
  private list(): [number, number][] {
    const { s } = this;
    const out: [number, number][] = [];
    this.i++;
    while (this.i < s.length) {
      this.space(true);
      if (s[this.i] === "]") {
        this.i++;
        break;
      }
      const start = this.i;
      const last = this.scan(",");
      if (last > start) out.push([start, last]);
      if (s[this.i] === ",") this.i++;
      else if (s[this.i] !== "]") break;
    }
    return out;
  }

  /** A quoted template string, `${ }`/`%{ }` sequences included. */
  private string(): void {
    const { s } = this;
    this.i++;
    while (this.i < s.length && s[this.i] !== '"' && s[this.i] !== "\n") {
      if (s[this.i] === "\\") this.i += 2;
      else if ((s[this.i] === "$" || s[this.i] === "%") && s[this.i + 1] === "{" && s[this.i - 1] !== s[this.i]) {
        this.i += 2;
        this.template();
      } else this.i++;
    }
    this.i++;
  }

  /** Inside `${`: up to the matching `}`. */
  private template(): void {
    const { s } = this;
    let depth = 1;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '"') {
        this.string();
        continue;
      }
      this.i++;
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) return;
    }
  }

  private heredoc(): void {
    const { s } = this;
    const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)/.exec(s.slice(this.i));
    if (!m) return;
    let k = s.indexOf("\n", this.i);
    while (k >= 0) {
      const next = s.indexOf("\n", k + 1);
      const line = s.slice(k + 1, next < 0 ? s.length : next);
      if (line.trim() === m[1]) {
        this.i = next < 0 ? s.length : next;
        return;
      }
      k = next;
    }
    this.i = s.length;
  }
}

// ---------------------------------------------------------------------------------------------
// HCL

const HCL_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** A quoted HCL string's template text: backslash escapes decoded, template escapes (`$${`) kept. */
function decodeQuoted(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (HCL_ESCAPES[e] ?? e),
  );
}

class HclConverter {
  private readonly index: LineIndex;

  constructor(
    private readonly path: string,
    private readonly text: string,
  ) {
    this.index = new LineIndex(text);
  }

  private span(start: number, end: number, path: NodePath): Span {
    return this.index.span(this.path, start, end, path);
  }

  /** A string value: the source template when the range is one quoted string, else the parser's text. */
  private string(parsed: string, range: [number, number], path: NodePath): BakeValue {
    const [start, end] = range;
    const src = this.text.slice(start, end);
    if (src.length >= 2 && src.startsWith('"') && src.endsWith('"')) {
      const raw = src.slice(1, -1);
      const text = decodeQuoted(raw);
      const span = this.span(start + 1, end - 1, path);
      const segment: Segment = text === raw ? { text, span, exact: true } : { text, span, exact: false };
      return { kind: "string", text, syntax: "hcl", span, segment };
    }
    const span = this.span(start, end, path);
    return { kind: "string", text: parsed, syntax: "hcl", span, segment: { text: parsed, span, exact: false } };
  }

  value(v: unknown, range: [number, number], path: NodePath, elements?: [number, number][]): BakeValue {
    if (typeof v === "string") return this.string(v, range, path);
    if (Array.isArray(v)) {
      const ranges = elements && elements.length === v.length ? elements : undefined;
      return { kind: "list", items: v.map((x, i) => this.value(x, ranges ? ranges[i] : range, childPath(path, i))), span: this.span(range[0], range[1], path) };
    }
    if (v !== null && typeof v === "object") {
      const entries = new Map(Object.entries(v).map(([k, x]) => [k, this.value(x, range, childPath(path, k))]));
      return { kind: "map", entries, span: this.span(range[0], range[1], path) };
    }
    return { kind: "other", text: v === null || v === undefined ? "" : String(v), span: this.span(range[0], range[1], path) };
  }

  blocks(parsed: Record<string, unknown>): BakeBlock[] {
    const locs = new HclLocator(this.text).blocks();
    const seen = new Map<string, number>();
    const out: BakeBlock[] = [];
    for (const loc of locs) {
      const name = loc.labels[0];
      const byName = parsed[loc.type] as Record<string, unknown[]> | undefined;
      if (name === undefined || !byName || !Array.isArray(byName[name])) continue;
      const key = `${loc.type}\0${name}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const body = byName[name][n] as Record<string, unknown> | undefined;
      if (!body) continue;
      const attrs = new Map<string, BakeValue>();
      const names = new Map<string, Span>();
      for (const a of loc.attrs) {
        if (!(a.name in body)) continue;
        // Names as written: bake ignores a target attribute it does not know (`cache_to` is not `cache-to`).
        attrs.set(a.name, this.value(body[a.name], [a.start, a.end], [loc.type, name, a.name], a.elements));
        names.set(a.name, this.span(a.nameStart, a.nameStart + a.name.length, [loc.type, name, a.name]));
      }
      out.push({ type: loc.type, name, span: this.span(loc.start, loc.headerEnd, [loc.type, name]), attrs, names });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON and Compose (YAML spans)

function yamlValue(y: YamlFile, node: YNode | undefined, path: NodePath, syntax: "hcl" | "compose"): BakeValue | undefined {
  if (y.isSeq(node)) {
    const items = y.items(node).flatMap((n, i) => yamlValue(y, n, childPath(path, i), syntax) ?? []);
    return { kind: "list", items, span: y.span(node, path) };
  }
  if (y.isMap(node)) {
    const entries = new Map<string, BakeValue>();
    for (const e of y.entries(node)) {
      const v = yamlValue(y, e.value, childPath(path, e.key), syntax);
      if (v) entries.set(e.key, v);
    }
    return { kind: "map", entries, span: y.span(node, path) };
  }
  const s = y.scalar(node, path);
  if (!s) return node ? { kind: "other", text: "", span: y.span(node, path) } : undefined;
  const segment = s.segments.length === 1 ? s.segments[0] : { text: s.value, span: s.span, exact: false };
  return { kind: "string", text: s.value, syntax, span: segment.span, segment };
}

/** A key's span without its quotes, so an edit replaces the name only. */
function keySpan(y: YamlFile, key: YNode, path: NodePath): Span {
  const span = y.span(key, path);
  const quoted = /^["']/.test(y.text.slice(span.start.offset, span.start.offset + 1)) && span.end.offset - span.start.offset >= 2;
  return quoted ? y.index.span(y.file, span.start.offset + 1, span.end.offset - 1, path) : span;
}

function jsonBlocks(y: YamlFile): BakeBlock[] {
  return ["variable", "group", "target", "function"].flatMap((type) =>
    y.entries(y.get(y.root, type)).map(({ key: name, keyNode, value }): BakeBlock => {
      const attrs = new Map<string, BakeValue>();
      const names = new Map<string, Span>();
      for (const e of y.entries(value)) {
        const v = yamlValue(y, e.value, [type, name, e.key], "hcl");
        if (v) attrs.set(e.key, v);
        names.set(e.key, keySpan(y, e.keyNode, [type, name, e.key]));
      }
      return { type, name, span: y.span(keyNode, [type, name]), attrs, names };
    }),
  );
}

/** Items of a Compose list (or a single string) as a bake list. */
function listOf(values: (BakeValue | undefined)[], span: Span): BakeValue | undefined {
  const items = values.flatMap((v) => (!v ? [] : v.kind === "list" ? v.items : [v]));
  return items.length ? { kind: "list", items, span } : undefined;
}

function composeBlocks(y: YamlFile): BakeBlock[] {
  const out: BakeBlock[] = [];
  for (const { key: name, keyNode, value: service } of y.entries(y.get(y.root, "services"))) {
    const build = y.get(service, "build");
    if (!build) continue;
    const p: NodePath = ["services", name];
    const span = y.span(keyNode, p);
    const at = (node: YNode | undefined, ...path: (string | number)[]) => yamlValue(y, node, p.concat(path), "compose");
    const xbake = y.get(build, "x-bake");
    const attrs = new Map<string, BakeValue>();
    const set = (key: string, v: BakeValue | undefined) => {
      if (v) attrs.set(key, v);
    };
    set("context", y.isMap(build) ? at(y.get(build, "context"), "build", "context") : at(build, "build"));
    set("dockerfile", at(y.get(build, "dockerfile"), "build", "dockerfile"));
    set("target", at(y.get(build, "target"), "build", "target"));
    set("args", at(y.get(build, "args"), "build", "args"));
    const x = (key: string) => at(y.get(xbake, key), "build", "x-bake", key);
    set("tags", listOf([at(y.get(service, "image"), "image"), at(y.get(build, "tags"), "build", "tags"), x("tags")], span));
    set("cache-from", listOf([at(y.get(build, "cache_from"), "build", "cache_from"), x("cache-from")], span));
    set("cache-to", listOf([at(y.get(build, "cache_to"), "build", "cache_to"), x("cache-to")], span));
    set("platforms", listOf([at(y.get(build, "platforms"), "build", "platforms"), x("platforms")], span));
    set("output", listOf([x("output")], span));
    out.push({ type: "target", name, span, attrs });
  }
  if (out.length === 0) return out;
  const names = out.map((b): BakeValue => ({ kind: "string", text: b.name, syntax: "compose", span: b.span, segment: { text: b.name, span: b.span, exact: true } }));
  const span = out[0].span;
  return [{ type: "group", name: "default", span, attrs: new Map([["targets", { kind: "list", items: names, span }]]) }, ...out];
}

export interface LoadedBake {
  file?: BakeFile;
  /** The YAML document of a JSON or Compose file (its syntax errors are reported like a workflow's). */
  yaml?: YamlFile;
  /** Why the file could not be read. */
  note?: string;
}

/** Reads a bake file: HCL by its `.hcl` extension, JSON by `.json`, Compose otherwise. */
export function loadBakeFile(path: string, text: string): LoadedBake {
  if (path.endsWith(".hcl")) {
    let parsed: unknown;
    try {
      const [obj, err] = hcl().parseToObject(text);
      parsed = err ? undefined : obj;
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== "object") return { note: "skipped, not a valid HCL bake file" };
    return { file: { path, format: "hcl", blocks: new HclConverter(path, text).blocks(parsed as Record<string, unknown>) } };
  }
  const json = path.endsWith(".json");
  const yaml = new YamlFile(path, text, json ? {} : { mergeKeys: "merge" });
  if (!yaml.doc) return { yaml, note: `skipped, ${yaml.skipped ?? "not readable"}` };
  return { yaml, file: { path, format: json ? "json" : "compose", blocks: json ? jsonBlocks(yaml) : composeBlocks(yaml) } };
}
