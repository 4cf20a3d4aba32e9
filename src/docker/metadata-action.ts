/**
 * A model of docker/metadata-action v5 (hazards.md §2; `src/meta.ts`, `src/tag.ts`, `src/flavor.ts`,
 * `src/image.ts`): the tags, version and JSON it outputs for one event.
 *
 * Values tagguard cannot know become holes:
 * - branch / tag names: `github.ref_name`, pattern `[a-zA-Z0-9._-]+` (the sanitised form; a raw name with
 *   other characters is not a valid Docker tag, so the two agree wherever both are used as tags);
 * - pull request numbers: `github.event.number` (`[0-9]+`); commit: `github.sha` / `github.sha[:7]`;
 * - semver/PEP 440 parts of an unknown tag: `semver(<tag>).version`, `.major`, … with digit-first patterns,
 *   so they never equal `latest` or `buildcache`; `{{date 'fmt'}}`: `date('fmt')`.
 * Where the outcome depends on an unknown (is the tag a semver release? is `enable=` true? is this the
 * default branch?) every possibility is an outcome with the condition that selects it.
 *
 * Lines of `images`, `tags` and `flavor` are read as written: `#` starts a comment (outside quotes, as
 * csv-parse's `comment` option does); the list-level CSV pass that strips quotes before the per-line parse
 * is not modelled. Custom `labels`/`annotations` inputs and `DOCKER_METADATA_*` environment switches are
 * not modelled (defaults apply: short SHA of 7, merge commit for pull requests, outputs also set as env).
 */

import { conditionText, polarity } from "../workflow/expr/conditions.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { LazyMap } from "../workflow/expr/lazy-map.js";
import { holeAccepts, unify } from "../workflow/expr/unify.js";
import type { Sym, Template, Val } from "../workflow/expr/value.js";
import {
  derivedScope,
  isLit,
  jsonEqual,
  markDistinct,
  normalizeTemplate,
  renderTemplate,
  splitTemplate,
  TemplateWriter,
  templateLiteral,
  trimTemplate,
} from "../workflow/expr/value.js";
import { shaScope } from "../workflow/ref-filters.js";
import { csvFields } from "./csv.js";
import { concat, fromTokens, holeWithin, lowerLiterals, toTokens } from "./template-tokens.js";
import { parsePep440, parseSemver } from "./versions.js";

/** The triggering event, as far as metadata-action's outputs depend on it. */
export interface MetadataEvent {
  /** `github.event_name`. */
  eventName: string;
  /**
   * Kind of `github.ref` when the ref itself is unknown. `other` or undefined: derived from the event
   * name (pull_request* → pr, release → tag, push/create/workflow_dispatch/workflow_call → branch or tag,
   * any other event runs on the default branch).
   */
  refKind?: "branch" | "tag" | "pr" | "schedule" | "other";
  /** The full ref when known, e.g. `refs/tags/v1.2.3`. */
  ref?: string;
  /** The identity of the unknown ref name: which refs the trigger filters allow (`refScope`). */
  refScope?: string;
  /** Whether a branch ref is the repository's default branch; undefined when unknown. */
  defaultBranch?: boolean;
  /** The commit SHA when known. */
  sha?: string;
}

/** The action's `with:` inputs, evaluated. Absent inputs take the action's defaults. */
export interface MetadataInputs {
  images?: Template;
  tags?: Template;
  flavor?: Template;
  "sep-tags"?: Template;
  "bake-target"?: Template;
}

/** What the action produces in one possible world of the event. */
export interface MetadataOutcome {
  /** Conditions (on unknown values) under which this outcome happens; empty when it always does. */
  conds: string[];
  /** Enabled image names, lowercased. */
  images: Template[];
  /** `version.main`; empty when no tag rule produced a value. */
  version: Template;
  /** Whether `latest` is added. */
  latest: boolean;
  /** Tag parts: main version, partials, then `latest`. */
  tagNames: Template[];
  /** Full refs `image:tag` per enabled image (bare tag names without images); empty when nothing matched. */
  tags: Template[];
  warnings: string[];
  /** Step outputs (`steps.<id>.outputs.<name>`). */
  outputs: Record<string, Val>;
  /** The same outputs as `DOCKER_METADATA_OUTPUT_<NAME>` job environment variables (built on first read). */
  readonly env: Record<string, Val>;
  /**
   * Content of the bake definition files, by the output naming their path (`bake-file`, `bake-file-tags`, …);
   * built on first read (the step outputs only name the files).
   */
  readonly bakeFiles: Record<string, Val>;
}

export interface MetadataResult {
  outcomes: MetadataOutcome[];
  /** Input errors: the action fails (in the worlds that hit them) and sets no outputs. */
  errors: string[];
  /** True when there were more possible worlds than evaluated ({@link MAX_WORLDS}): outcomes are incomplete. */
  truncated: boolean;
}

export const OUTPUT_NAMES = [
  "version",
  "tags",
  "tag-names",
  "labels",
  "annotations",
  "json",
  "bake-file-tags",
  "bake-file-labels",
  "bake-file-annotations",
  "bake-file",
] as const;


/** `DOCKER_METADATA_OUTPUT_<NAME>` for an output name. */
export function outputEnvName(name: string): string {
  return `DOCKER_METADATA_OUTPUT_${name.replace(/\W/g, "_").toUpperCase()}`;
}

const TAG_CHARS = "[a-zA-Z0-9._-]";
const NAME_PATTERN = `${TAG_CHARS}+`;
const DEFAULT_BAKE_TARGET = "docker-metadata-action";
const SHORT_SHA = 7;
/** Possible worlds evaluated per input combination before giving up on completeness. */
export const MAX_WORLDS = 256;

/** Events whose ref may be a branch or a tag; other events run on a branch (GitHub docs). */
const BRANCH_OR_TAG_EVENTS = new Set(["push", "create", "workflow_dispatch", "workflow_call"]);
/** Events on a branch that is never the default one (`gh-readonly-queue/…`). */
const NON_DEFAULT_BRANCH_EVENTS = new Set(["merge_group"]);
/** metadata-action's `is_default_branch` answers true for these events whatever the ref. */
const DEFAULT_BRANCH_EVENT = /create|discussion|issues|schedule/;

type TagType = "schedule" | "semver" | "pep440" | "match" | "edge" | "ref" | "raw" | "sha";

const PRIORITIES: Record<TagType, string> = {
  schedule: "1000",
  semver: "900",
  pep440: "900",
  match: "800",
  edge: "700",
  ref: "600",
  raw: "200",
  sha: "100",
};

interface TagRule {
  type: TagType;
  attrs: Record<string, Template>;
  /** Position in the written list, for stable choice keys. */
  index: number;
}

interface ImageInput {
  name: Template;
  enable: Template;
}

interface FlavorInput {
  latest: Template;
  prefix: Template;
  prefixLatest: boolean;
  suffix: Template;
  suffixLatest: boolean;
}

class InputError extends Error {}

const lit = (s: string): Template => (s === "" ? [] : [{ lit: s }]);
const str = (parts: Template): Val => ({ kind: "str", parts: normalizeTemplate(parts) });
const holeT = (source: string, pattern?: string, display?: string): Template => [
  { hole: { source, ...(pattern === undefined ? {} : { pattern }), ...(display === undefined ? {} : { display }) } },
];
const same = (a: Template, b: Template) => jsonEqual(normalizeTemplate(a), normalizeTemplate(b));

// ---------------------------------------------------------------------------------------------
// Input parsing (world-independent)

/** Cuts a line at its first `#` outside double quotes (csv-parse `comment`). */
function stripComment(line: Template): Template {
  let quoted = false;
  for (let j = 0; j < line.length; j++) {
    const p = line[j];
    if (!isLit(p)) continue;
    for (let k = 0; k < p.lit.length; k++) {
      if (p.lit[k] === '"') quoted = !quoted;
      else if (p.lit[k] === "#" && !quoted) return concat(line.slice(0, j), p.lit.slice(0, k));
    }
  }
  return line;
}

/** A metadata-action list input: newline-separated lines, comments removed, trimmed, empty lines dropped. */
function inputLines(t: Template | undefined): Template[] {
  if (!t) return [];
  return splitTemplate(t, /\r?\n/)
    .map((l) => trimTemplate(stripComment(l)))
    .filter((l) => l.length > 0);
}

function fields(line: Template): Template[] {
  const record = csvFields(line);
  if (record.error) throw new InputError(`Invalid CSV in "${renderTemplate(line)}": ${record.error}`);
  return record.fields;
}

/** Splits a field on every literal `=` (image and flavor entries use `split('=')`). */
function splitAll(field: Template): Template[] {
  return splitTemplate(field, /=/).map(trimTemplate);
}

function parseImages(t: Template | undefined): ImageInput[] {
  const lines = inputLines(t);
  const enabled = lit("true");
  if (lines.length === 1) {
    const fs = fields(lines[0]).map(splitAll);
    if (fs.every((parts) => parts.length === 1)) return fs.map(([name]) => ({ name, enable: enabled }));
  }
  return lines.map((line) => {
    const image: ImageInput = { name: [], enable: enabled };
    for (const parts of fields(line).map(splitAll)) {
      if (parts.length === 1) {
        image.name = parts[0];
        continue;
      }
      const key = templateLiteral(parts[0])?.toLowerCase();
      if (key === "name") image.name = parts[1];
      else if (key === "enable") {
        if (literalNotIn(parts[1], ["true", "false"])) throw new InputError(`Invalid enable attribute value: ${renderTemplate(line)}`);
        image.enable = parts[1];
      } else throw new InputError(`Unknown image attribute: ${renderTemplate(line)}`);
    }
    if (image.name.length === 0) throw new InputError(`Image name attribute empty: ${renderTemplate(line)}`);
    return image;
  });
}

function literalNotIn(t: Template, allowed: string[]): boolean {
  const s = templateLiteral(t);
  return s !== undefined && !allowed.includes(s);
}

function parseFlavor(t: Template | undefined): FlavorInput {
  const flavor: FlavorInput = { latest: lit("auto"), prefix: [], prefixLatest: false, suffix: [], suffixLatest: false };
  for (const line of inputLines(t)) {
    let onlatestFor: "prefix" | "suffix" | "" = "";
    for (const parts of fields(line).map(splitAll)) {
      const text = renderTemplate(line);
      if (parts.length === 1) throw new InputError(`Invalid flavor entry: ${text}`);
      const key = templateLiteral(parts[0])?.toLowerCase();
      const value = parts[1];
      switch (key) {
        case "latest":
          if (literalNotIn(value, ["auto", "true", "false"])) throw new InputError(`Invalid latest flavor entry: ${text}`);
          flavor.latest = value;
          break;
        case "prefix":
          flavor.prefix = value;
          onlatestFor = "prefix";
          break;
        case "suffix":
          flavor.suffix = value;
          onlatestFor = "suffix";
          break;
        case "onlatest": {
          const v = templateLiteral(value);
          if (v !== "true" && v !== "false") throw new InputError(`Invalid value for onlatest attribute: ${renderTemplate(value)}`);
          if (onlatestFor === "prefix") flavor.prefixLatest = v === "true";
          if (onlatestFor === "suffix") flavor.suffixLatest = v === "true";
          break;
        }
        default:
          throw new InputError(`Unknown flavor entry: ${text}`);
      }
    }
  }
  return flavor;
}

/** `key=value` at the first `=` that has a key before it (tag.ts `split(/(?<=^[^=]+?)=/)`), both trimmed. */
function splitFirst(field: Template): [Template, Template] | [Template] {
  const text = templateLiteral(field);
  if (text !== undefined) {
    const eq = text.indexOf("=", 1);
    if (eq < 0 || text[0] === "=") return [trimTemplate(field)];
    return [trimTemplate(lit(text.slice(0, eq))), trimTemplate(lit(text.slice(eq + 1)))];
  }
  const toks = toTokens(field);
  const eq = toks.indexOf("=", 1);
  if (eq < 0 || toks.slice(0, eq).includes("=")) return [trimTemplate(field)];
  return [trimTemplate(fromTokens(toks.slice(0, eq))), trimTemplate(fromTokens(toks.slice(eq + 1)))];
}

function parseTagRule(line: Template, index: number): TagRule {
  const text = renderTemplate(line);
  let type: TagType | undefined;
  const attrs: Record<string, Template> = {};
  for (const parts of fields(line).map(splitFirst)) {
    if (parts.length === 1) {
      attrs.value = parts[0];
      continue;
    }
    const key = templateLiteral(parts[0])?.toLowerCase();
    if (key === undefined) throw new InputError(`Tag attribute name must be literal: ${text}`);
    if (key === "type") {
      const value = templateLiteral(parts[1]);
      if (value === undefined || !(value in PRIORITIES)) throw new InputError(`Unknown tag type attribute: ${renderTemplate(parts[1])}`);
      type = value as TagType;
    } else attrs[key] = parts[1];
  }
  const rule: TagRule = { type: type ?? "raw", attrs, index };
  const has = (k: string) => Object.prototype.hasOwnProperty.call(attrs, k);
  const def = (k: string, v: string) => {
    if (!has(k)) attrs[k] = lit(v);
  };
  const literalAttr = (k: string, allowed: string[] | undefined, message: string) => {
    const v = templateLiteral(attrs[k]);
    if (v === undefined || (allowed && !allowed.includes(v))) throw new InputError(message);
  };
  switch (rule.type) {
    case "schedule":
      def("pattern", "nightly");
      break;
    case "semver":
    case "pep440":
      if (!has("pattern")) throw new InputError(`Missing pattern attribute for ${text}`);
      def("value", "");
      break;
    case "match":
      if (!has("pattern")) throw new InputError(`Missing pattern attribute for ${text}`);
      def("group", "0");
      if (Number.isNaN(+(templateLiteral(attrs.group) ?? "NaN"))) throw new InputError(`Invalid match group for ${text}`);
      def("value", "");
      break;
    case "edge":
      def("branch", "");
      break;
    case "ref":
      if (!has("event")) throw new InputError(`Missing event attribute for ${text}`);
      literalAttr("event", ["branch", "tag", "pr"], `Invalid event for ${text}`);
      if (templateLiteral(attrs.event) === "pr") def("prefix", "pr-");
      break;
    case "raw":
      if (!has("value")) throw new InputError(`Missing value attribute for ${text}`);
      break;
    case "sha":
      def("prefix", "sha-");
      def("format", "short");
      literalAttr("format", ["short", "long"], `Invalid format for ${text}`);
      break;
  }
  def("enable", "true");
  def("priority", PRIORITIES[rule.type]);
  return rule;
}

const DEFAULT_TAGS = ["type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"];

function parseTags(t: Template | undefined): TagRule[] {
  const lines = inputLines(t);
  const rules = (lines.length ? lines : DEFAULT_TAGS.map(lit)).map(parseTagRule);
  const priority = (r: TagRule) => Number(templateLiteral(r.attrs.priority) ?? "NaN");
  return rules.sort((a, b) => (priority(a) < priority(b) ? 1 : priority(a) > priority(b) ? -1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Possible worlds

interface Option<T> {
  value: T;
  cond: string;
}

/** Answers questions about unknowns; replaying a prefix of answers enumerates every world. */
class Chooser {
  readonly conds: string[] = [];
  readonly counts: number[] = [];
  private readonly answers = new Map<string, unknown>();

  constructor(private readonly forced: number[]) {}

  choose<T>(key: string, options: Option<T>[]): T {
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const pick = options.length === 1 ? options[0] : options[this.forced[this.counts.length] ?? 0];
    if (options.length > 1) {
      this.counts.push(options.length);
      this.conds.push(pick.cond);
    }
    this.answers.set(key, pick.value);
    return pick.value;
  }

  /** The answer prefix of the next world after this one, or undefined when all were seen. */
  next(): number[] | undefined {
    const taken = this.counts.map((_, i) => this.forced[i] ?? 0);
    for (let k = taken.length - 1; k >= 0; k--) {
      if (taken[k] + 1 < this.counts[k]) return [...taken.slice(0, k), taken[k] + 1];
    }
    return undefined;
  }
}

/**
 * `enable=`: `true` or `false`. An unknown condition is a choice shared by every `enable=` that reads it, either way
 * round: `enable=${{ vars.RELEASE == 'true' }}` on one image and `enable=${{ vars.RELEASE != 'true' }}` on another
 * are never both false (complementary conditions, as for `if:` guards).
 */
function chooseEnable(c: Chooser, key: string, t: Template, error: string): string {
  const form = enableForm(t);
  if (!form) return chooseLiteral(c, key, t, ["true", "false"], error);
  const value = c.choose(`condition:${form.positive}`, ["true", "false"].map((v) => ({ value: v, cond: `${form.positive} is '${v}'` })));
  return form.negated ? String(value !== "true") : value;
}

/**
 * An `enable=` that is one unknown condition, as its positive form and polarity; undefined for other values. Worked
 * out once per template: every world of every evaluation of the step asks again.
 */
function enableForm(t: Template): { positive: string; negated: boolean } | undefined {
  const key = JSON.stringify(t);
  if (enableForms.has(key)) return enableForms.get(key);
  const parts = normalizeTemplate(t);
  const hole = parts.length === 1 && !isLit(parts[0]) ? parts[0].hole : undefined;
  const form = hole && ["true", "false"].every((v) => unify(t, lit(v)) !== "never") ? polarity(conditionText(hole.source)) : undefined;
  if (enableForms.size >= ENABLE_FORMS_SIZE) enableForms.clear();
  enableForms.set(key, form);
  return form;
}

/** `enableForm` by template (a rule's `enable=` is rebuilt in every world, with the world's global expressions). */
const enableForms = new Map<string, { positive: string; negated: boolean } | undefined>();
const ENABLE_FORMS_SIZE = 4096;

/** A value that must be one of `allowed`; a template with holes becomes a choice among the values it may take. */
function chooseLiteral(c: Chooser, key: string, t: Template, allowed: string[], error: string): string {
  const s = templateLiteral(t);
  if (s !== undefined) {
    if (!allowed.includes(s)) throw new InputError(error);
    return s;
  }
  const options = allowed.filter((v) => unify(t, lit(v)) !== "never");
  if (options.length === 0) throw new InputError(error);
  return c.choose(key, options.map((v) => ({ value: v, cond: `${sourceOf(t)} is '${v}'` })));
}

interface RefContext {
  kind: "branch" | "tag" | "pr" | "other";
  /** Branch name, tag name or pull request number, as in the ref. */
  name: Template;
}

interface Version {
  main: Template | undefined;
  partial: Template[];
  latest: boolean | undefined;
}

/** Sanitises a tag as metadata-action does: runs of characters outside `[a-zA-Z0-9._-]` become `-`. */
export function sanitizeTag(t: Template): Template {
  return normalizeTemplate(
    normalizeTemplate(t).map((p) => {
      if (isLit(p)) return { lit: p.lit.replace(/[^a-zA-Z0-9._-]+/g, "-") };
      if (holeWithin(p.hole, /[a-zA-Z0-9._-]/)) return p;
      // A sanitised value keeps its identity and display, and holds no newline.
      const { multiline: _multiline, ...kept } = p.hole;
      return { hole: { ...kept, pattern: holeAccepts(p.hole, "") ? `${TAG_CHARS}*` : NAME_PATTERN } };
    }),
  );
}

/** A pattern for a moment.js date format made of numeric tokens; undefined for other formats. */
function datePattern(format: string): string | undefined {
  let out = "";
  const re = /YYYY|YY|MM|DD|HH|hh|mm|ss|SSS|M|D|H|h|m|s|X|x|\[[^\]]*\]|[^A-Za-z[]/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(format)) && m.index === pos) {
    const tok = m[0];
    pos += tok.length;
    if (tok === "YYYY") out += "[0-9]{4}";
    else if (tok === "SSS") out += "[0-9]{3}";
    else if (/^(YY|MM|DD|HH|hh|mm|ss)$/.test(tok)) out += "[0-9]{2}";
    else if (/^[MDHhms]$/.test(tok)) out += "[0-9]{1,2}";
    else if (tok === "X" || tok === "x") out += "[0-9]+";
    else out += (tok.startsWith("[") ? tok.slice(1, -1) : tok).replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return pos === format.length ? out : undefined;
}

/** Handlebars mustaches `{{name 'arg' key=value}}` in literal text, resolved by `helper`. */
function renderMustaches(t: Template, helper: (name: string, args: string[]) => Template): Template {
  return normalizeTemplate(
    normalizeTemplate(t).flatMap((p) => {
      if (!isLit(p)) return [p];
      const out: Template = [];
      let last = 0;
      for (const m of p.lit.matchAll(/\{\{\s*([A-Za-z_][\w.-]*)((?:\s+[^}]*)?)\}\}/g)) {
        out.push({ lit: p.lit.slice(last, m.index) });
        const args = [...m[2].matchAll(/'([^']*)'|"([^"]*)"/g)].map((a) => a[1] ?? a[2]);
        out.push(...helper(m[1], args));
        last = (m.index ?? 0) + m[0].length;
      }
      out.push({ lit: p.lit.slice(last) });
      return out;
    }),
  );
}

/** One evaluation of the action in one world. */
class Run {
  readonly warnings: string[] = [];
  private readonly ref: RefContext;
  private readonly sha: Template;

  constructor(
    private readonly c: Chooser,
    private readonly event: MetadataEvent,
    private readonly flavor: FlavorInput,
    private readonly flavorLatest: string,
  ) {
    this.ref = this.resolveRef();
    this.sha = event.sha === undefined ? [{ hole: { source: "github.sha", ...shaScope(event.eventName) } }] : lit(event.sha);
  }

  /** The scope of values derived from the unknown ref name (see `MetadataEvent.refScope`). */
  private refScoped(): { scope?: string } {
    return this.event.refScope === undefined ? {} : { scope: this.event.refScope };
  }

  /**
   * A hole computed from the value `from` (a semver part of the ref name): it has that value's identity, and
   * the outcome it was computed for (a release's `{{version}}` and a pre-release's are never the same run).
   */
  private derivedHole(from: Template, source: string, pattern: string | undefined, display: string, outcome?: string): Template {
    const scopes = normalizeTemplate(from).flatMap((p) => (isLit(p) || p.hole.scope === undefined ? [] : [p.hole.scope]));
    if (outcome !== undefined) scopes.push(outcome);
    const scope = scopes.length ? { scope: scopes.join("\n") } : {};
    return [{ hole: { source, ...(pattern === undefined ? {} : { pattern }), display, ...scope } }];
  }

  private resolveRef(): RefContext {
    const { ref } = this.event;
    if (ref !== undefined) {
      if (ref.startsWith("refs/heads/")) return { kind: "branch", name: lit(ref.slice("refs/heads/".length)) };
      if (ref.startsWith("refs/tags/")) return { kind: "tag", name: lit(ref.slice("refs/tags/".length)) };
      if (ref.startsWith("refs/pull/")) return { kind: "pr", name: lit(ref.slice("refs/pull/".length).replace(/\/merge$/, "")) };
      return { kind: "other", name: [] };
    }
    const given = this.event.refKind === "schedule" ? "branch" : this.event.refKind;
    const kind = given === undefined || given === "other" ? this.kindFromEvent() : given;
    if (kind === "pr") return { kind, name: holeT("github.event.number", "[0-9]+") };
    return { kind, name: [{ hole: { source: "github.ref_name", pattern: NAME_PATTERN, ...this.refScoped() } }] };
  }

  private kindFromEvent(): "branch" | "tag" | "pr" {
    const name = this.event.eventName;
    if (NON_DEFAULT_BRANCH_EVENTS.has(name)) return "branch";
    if (name.startsWith("pull_request")) return "pr";
    if (name === "release") return "tag";
    if (!BRANCH_OR_TAG_EVENTS.has(name)) return "branch";
    return this.c.choose<"branch" | "tag">("ref-kind", [
      { value: "branch", cond: "a branch is pushed" },
      { value: "tag", cond: "a tag is pushed" },
    ]);
  }

  private onDefaultBranch(): boolean {
    if (this.ref.kind !== "branch") return false;
    if (this.event.defaultBranch !== undefined) return this.event.defaultBranch;
    if (NON_DEFAULT_BRANCH_EVENTS.has(this.event.eventName)) return false;
    if (!BRANCH_OR_TAG_EVENTS.has(this.event.eventName) && !this.event.eventName.startsWith("pull_request")) return true;
    return this.c.choose("default-branch", [
      { value: true, cond: "the branch is the default branch" },
      { value: false, cond: "the branch is not the default branch" },
    ]);
  }

  private shortSha(): Template {
    const s = templateLiteral(this.sha);
    if (s !== undefined) return lit(s.slice(0, SHORT_SHA));
    const { scope } = shaScope(this.event.eventName);
    return [{ hole: { source: `github.sha[:${SHORT_SHA}]`, pattern: `[0-9a-f]{${SHORT_SHA}}`, display: "{{sha}}", ...(scope === undefined ? {} : { scope }) } }];
  }

  private date(helper: string, args: string[]): Template {
    const format = args[0] ?? "";
    return holeT(`${helper}('${format}')`, datePattern(format), `{{${helper} '${format}'}}`);
  }

  /** metadata-action's `setGlobalExp`: `{{branch}}`, `{{tag}}`, `{{sha}}`, `{{base_ref}}`, `{{is_default_branch}}`, dates. */
  globalExp(t: Template): Template {
    return renderMustaches(t, (name, args) => {
      switch (name) {
        case "branch":
          return this.ref.kind === "branch" ? this.ref.name : [];
        case "tag":
          return this.ref.kind === "tag" ? this.ref.name : [];
        case "sha":
          return this.shortSha();
        case "base_ref":
          if (this.ref.kind === "tag") return holeT("github.event.base_ref");
          return this.ref.kind === "pr" ? holeT("github.base_ref") : [];
        case "is_default_branch":
          return lit(this.onDefaultBranch() || DEFAULT_BRANCH_EVENT.test(this.event.eventName) ? "true" : "false");
        case "date":
        case "commit_date":
          return this.date(name, args);
        default:
          return [];
      }
    });
  }

  private setValue(val: Template, rule: TagRule): Template {
    const has = (k: string) => Object.prototype.hasOwnProperty.call(rule.attrs, k);
    let out = val;
    if (has("prefix")) out = concat(this.globalExp(rule.attrs.prefix), out);
    else if (this.flavor.prefix.length) out = concat(this.globalExp(this.flavor.prefix), out);
    if (has("suffix")) out = concat(out, this.globalExp(rule.attrs.suffix));
    else if (this.flavor.suffix.length) out = concat(out, this.globalExp(this.flavor.suffix));
    return out;
  }

  private latestFor(auto: boolean): boolean {
    return this.flavorLatest === "auto" ? auto : this.flavorLatest === "true";
  }

  private setVersion(version: Version, val: Template, latest: boolean): void {
    if (val.length === 0) return;
    if (val.every((p) => !isLit(p) && holeAccepts(p.hole, ""))) {
      const empty = this.c.choose(`empty:${renderTemplate(val)}`, [
        { value: false, cond: `${sourceOf(val)} is not empty` },
        { value: true, cond: `${sourceOf(val)} is empty` },
      ]);
      if (empty) return;
    }
    const tag = sanitizeTag(val);
    if (version.main === undefined) version.main = tag;
    else if (!same(tag, version.main)) version.partial.push(tag);
    if (version.latest === undefined) version.latest = latest;
  }

  /** The tag name with `/` replaced by `-`, or the rule's `value=` (semver, pep440). */
  private versionSource(rule: TagRule, slashes: boolean): Template | undefined {
    if (rule.attrs.value.length > 0) return this.globalExp(rule.attrs.value);
    if (this.ref.kind !== "tag") return undefined;
    return slashes ? this.ref.name : normalizeTemplate(this.ref.name.map((p) => (isLit(p) ? { lit: p.lit.replace(/\//g, "-") } : p)));
  }

  private semver(version: Version, rule: TagRule): void {
    const vraw = this.versionSource(rule, false);
    if (vraw === undefined) return;
    const pattern = rule.attrs.pattern;
    const rawOnly = isRawStatement(pattern);
    const text = templateLiteral(vraw);
    if (text !== undefined) {
      const sver = parseSemver(text);
      if (!sver) {
        this.warnings.push(`${text} is not a valid semver. More info: https://semver.org/`);
        return;
      }
      const fields: Record<string, string> = {
        version: sver.version,
        major: String(sver.major),
        minor: String(sver.minor),
        patch: String(sver.patch),
        raw: sver.raw,
        prerelease: sver.prerelease.join(","),
        build: sver.build.join(","),
      };
      const pre = sver.prerelease.length > 0;
      const rendered = renderMustaches(pre && !rawOnly ? lit("{{version}}") : pattern, (name) => lit(fields[name] ?? ""));
      this.setVersion(version, this.setValue(rendered, rule), this.latestFor(!pre));
      return;
    }
    const src = sourceOf(vraw);
    const kind = this.c.choose(`semver:${src}`, [
      { value: "release", cond: `${src} is a semver release` },
      { value: "prerelease", cond: `${src} is a semver pre-release` },
      { value: "invalid", cond: `${src} is not a semver version` },
    ]);
    if (kind === "invalid") {
      this.warnings.push(`${src} is not a valid semver. More info: https://semver.org/`);
      return;
    }
    const num = "0|[1-9][0-9]*";
    const core = `(${num})\\.(${num})\\.(${num})`;
    const parts: Record<string, Template> = {
      version: this.derivedHole(vraw, `semver(${src}).version`, kind === "release" ? core : `${core}-[0-9A-Za-z.-]+`, "{{version}}", kind),
      major: this.derivedHole(vraw, `semver(${src}).major`, num, "{{major}}", kind),
      minor: this.derivedHole(vraw, `semver(${src}).minor`, num, "{{minor}}", kind),
      patch: this.derivedHole(vraw, `semver(${src}).patch`, num, "{{patch}}", kind),
      raw: vraw,
      prerelease: this.derivedHole(vraw, `semver(${src}).prerelease`, undefined, "{{prerelease}}", kind),
      build: this.derivedHole(vraw, `semver(${src}).build`, undefined, "{{build}}", kind),
    };
    const rendered = renderMustaches(kind === "prerelease" && !rawOnly ? lit("{{version}}") : pattern, (name) => parts[name] ?? []);
    this.setVersion(version, this.setValue(rendered, rule), this.latestFor(kind === "release"));
  }

  private pep440(version: Version, rule: TagRule): void {
    const vraw = this.versionSource(rule, false);
    if (vraw === undefined) return;
    const pattern = rule.attrs.pattern;
    const rawOnly = isRawStatement(pattern);
    const text = templateLiteral(vraw);
    if (text !== undefined) {
      const pver = parsePep440(text);
      if (!pver) {
        this.warnings.push(`${text} does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440`);
        return;
      }
      const fields: Record<string, string> = {
        raw: text,
        version: pver.clean,
        major: String(pver.major),
        minor: String(pver.minor),
        patch: String(pver.patch),
      };
      const value = pver.nonFinal ? lit(rawOnly ? text : pver.clean) : renderMustaches(pattern, (name) => lit(fields[name] ?? ""));
      this.setVersion(version, this.setValue(value, rule), this.latestFor(!pver.nonFinal));
      return;
    }
    const src = sourceOf(vraw);
    const kind = this.c.choose(`pep440:${src}`, [
      { value: "final", cond: `${src} is a PEP 440 final release` },
      { value: "nonfinal", cond: `${src} is a PEP 440 pre-, post- or dev release` },
      { value: "invalid", cond: `${src} is not a PEP 440 version` },
    ]);
    if (kind === "invalid") {
      this.warnings.push(`${src} does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440`);
      return;
    }
    const clean = this.derivedHole(vraw, `pep440(${src}).version`, "([0-9]+!)?[0-9]+(\\.[0-9]+)*([a-z]+[0-9]+)?(\\.post[0-9]+)?(\\.dev[0-9]+)?(\\+[a-z0-9.]+)?", "{{version}}", kind);
    const parts: Record<string, Template> = {
      raw: vraw,
      version: clean,
      major: this.derivedHole(vraw, `pep440(${src}).major`, "[0-9]+", "{{major}}", kind),
      minor: this.derivedHole(vraw, `pep440(${src}).minor`, "[0-9]+", "{{minor}}", kind),
      patch: this.derivedHole(vraw, `pep440(${src}).patch`, "[0-9]+", "{{patch}}", kind),
    };
    const value = kind === "nonfinal" ? (rawOnly ? vraw : clean) : renderMustaches(pattern, (name) => parts[name] ?? []);
    this.setVersion(version, this.setValue(value, rule), this.latestFor(kind === "final"));
  }

  private match(version: Version, rule: TagRule): void {
    const vraw = this.versionSource(rule, true);
    if (vraw === undefined) return;
    const pattern = templateLiteral(rule.attrs.pattern);
    const group = templateLiteral(rule.attrs.group) ?? "0";
    if (pattern === undefined) throw new InputError(`match pattern must be literal: ${renderTemplate(rule.attrs.pattern)}`);
    const text = templateLiteral(vraw);
    if (text !== undefined) {
      const isRegex = /^\/(.+)\/(.*)$/.exec(pattern);
      const m = isRegex ? text.match(new RegExp(isRegex[1], isRegex[2])) : text.match(pattern);
      if (!m) {
        this.warnings.push(`${pattern} does not match ${text}.`);
        return;
      }
      const value = m[Number(group)];
      if (value === undefined) {
        this.warnings.push(`Group ${group} does not exist for ${pattern} pattern.`);
        return;
      }
      this.setVersion(version, this.setValue(lit(value), rule), this.latestFor(true));
      return;
    }
    const src = sourceOf(vraw);
    const matched = this.c.choose(`match:${src}:${pattern}`, [
      { value: true, cond: `${src} matches ${pattern}` },
      { value: false, cond: `${src} does not match ${pattern}` },
    ]);
    if (!matched) {
      this.warnings.push(`${pattern} does not match ${src}.`);
      return;
    }
    this.setVersion(version, this.setValue(this.derivedHole(vraw, `match(${src}, ${pattern})[${group}]`, undefined, `(${renderTemplate([{ hole: { source: src } }])} matched by /${pattern}/)`), rule), this.latestFor(true));
  }

  private edge(version: Version, rule: TagRule): void {
    if (this.ref.kind !== "branch") return;
    const branch = rule.attrs.branch;
    let onBranch: boolean;
    if (branch.length === 0) onBranch = this.onDefaultBranch();
    else {
      const match = unify(branch, this.ref.name);
      onBranch =
        match === "possible"
          ? this.c.choose(`edge:${renderTemplate(branch)}`, [
              { value: true, cond: `the branch is ${renderTemplate(branch)}` },
              { value: false, cond: `the branch is not ${renderTemplate(branch)}` },
            ])
          : match === "definite";
    }
    if (onBranch) this.setVersion(version, this.setValue(lit("edge"), rule), this.latestFor(false));
  }

  private refRule(version: Version, rule: TagRule): void {
    const event = templateLiteral(rule.attrs.event);
    if (event !== this.ref.kind) return;
    this.setVersion(version, this.setValue(this.ref.name, rule), this.latestFor(event === "tag"));
  }

  private schedule(version: Version, rule: TagRule): void {
    if (!/schedule/.test(this.event.eventName)) return;
    const value = renderMustaches(rule.attrs.pattern, (name, args) => (name === "date" || name === "commit_date" ? this.date(name, args) : []));
    this.setVersion(version, this.setValue(value, rule), this.latestFor(false));
  }

  version(rules: TagRule[]): Version {
    const version: Version = { main: undefined, partial: [], latest: undefined };
    for (const rule of rules) {
      const enable = this.globalExp(rule.attrs.enable);
      const on = chooseEnable(this.c, `enable:${rule.index}`, enable, `Invalid value for enable attribute: ${renderTemplate(enable)}`);
      if (on !== "true") continue;
      switch (rule.type) {
        case "schedule":
          this.schedule(version, rule);
          break;
        case "semver":
          this.semver(version, rule);
          break;
        case "pep440":
          this.pep440(version, rule);
          break;
        case "match":
          this.match(version, rule);
          break;
        case "edge":
          this.edge(version, rule);
          break;
        case "ref":
          this.refRule(version, rule);
          break;
        case "raw":
          this.setVersion(version, this.setValue(this.globalExp(rule.attrs.value), rule), this.latestFor(false));
          break;
        case "sha": {
          const sha = templateLiteral(rule.attrs.format) === "long" ? this.sha : this.shortSha();
          this.setVersion(version, this.setValue(sha, rule), this.latestFor(false));
          break;
        }
      }
    }
    version.partial = version.partial.filter((p, i) => version.partial.findIndex((q) => same(p, q)) === i);
    version.latest ??= false;
    return version;
  }

  labels(version: Template): [string, Template][] {
    const url = holeT("github.event.repository.html_url");
    return [
      ["org.opencontainers.image.created", holeT("metadata.created", "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z")],
      ["org.opencontainers.image.description", holeT("github.event.repository.description")],
      ["org.opencontainers.image.licenses", holeT("github.event.repository.license.spdx_id")],
      ["org.opencontainers.image.revision", this.sha],
      ["org.opencontainers.image.source", url],
      ["org.opencontainers.image.title", holeT("github.event.repository.name")],
      ["org.opencontainers.image.url", url],
      ["org.opencontainers.image.version", version],
    ];
  }
}

/** How a value is named in derived hole sources and conditions: a lone hole by its source. */
function sourceOf(t: Template): string {
  const parts = normalizeTemplate(t);
  return parts.length === 1 && !isLit(parts[0]) ? parts[0].hole.source : renderTemplate(parts);
}

/** Whether a semver/pep440 pattern is exactly `{{raw}}` (metadata-action `isRawStatement`). */
function isRawStatement(pattern: Template): boolean {
  return /^\{\{\s*raw\s*\}\}$/.test(templateLiteral(pattern) ?? "");
}

// ---------------------------------------------------------------------------------------------
// Outputs

function join(items: Template[], sep: Template): Template {
  return concat(...items.flatMap((t, i) => (i ? [sep, t] : [t])));
}

/** A string in a JSON structure being built (a class, so an empty template is not taken for an array). */
class Leaf {
  constructor(readonly t: Template) {}
}

type Shape = Leaf | Shape[] | { [key: string]: Shape };

/** The JSON text of a shape: leaves as JSON strings, each literal piece escaped on its own. */
function toJsonShapeText(v: Shape): Template {
  const out = new TemplateWriter();
  writeJsonShape(v, out);
  return out.done();
}

function writeJsonShape(v: Shape, out: TemplateWriter): void {
  if (v instanceof Leaf) {
    out.text('"');
    for (const p of v.t) {
      if (isLit(p)) out.text(JSON.stringify(p.lit).slice(1, -1));
      else out.part(p);
    }
    out.text('"');
  } else if (Array.isArray(v)) {
    out.text("[");
    v.forEach((x, i) => {
      if (i) out.text(",");
      writeJsonShape(x, out);
    });
    out.text("]");
  } else {
    out.text("{");
    Object.entries(v).forEach(([k, x], i) => {
      if (i) out.text(",");
      out.text(`${JSON.stringify(k)}:`);
      writeJsonShape(x, out);
    });
    out.text("}");
  }
}

function toJsonShapeVal(v: Shape): Val {
  if (v instanceof Leaf) return str(v.t);
  if (Array.isArray(v)) return { kind: "array", items: v.map(toJsonShapeVal) };
  return { kind: "object", fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonShapeVal(x)])) };
}

function shapeString(v: Shape): Val {
  return { kind: "str", parts: toJsonShapeText(v), json: toJsonShapeVal(v) };
}

function outcomeOf(run: Run, images: Template[], version: Version, flavor: FlavorInput, sep: Template, bakeTarget: string, conds: string[]): MetadataOutcome {
  const main = version.main;
  const tagNames: Template[] = [];
  const tags: Template[] = [];
  if (main !== undefined) {
    tagNames.push(main, ...version.partial);
    if (version.latest) {
      tagNames.push(sanitizeTag(concat(flavor.prefixLatest ? flavor.prefix : [], "latest", flavor.suffixLatest ? flavor.suffix : [])));
    }
    for (const image of images.length ? images : [[]]) {
      for (const name of tagNames) tags.push(image.length ? concat(image, ":", name) : name);
    }
  }
  const warnings = [...run.warnings];
  if (main === undefined) warnings.push("No Docker image version has been generated. Check tags input.");
  if (tags.length === 0) warnings.push("No Docker tag has been generated. Check tags input.");
  return new Outcome(run, conds, images, main, version.latest ?? false, tagNames, tags, warnings, sep, bakeTarget);
}

const leaves = (ts: Template[]) => ts.map((t) => new Leaf(t));

/**
 * One outcome. Its outputs, labels and bake files are worked out when first read: most builds read the tags only,
 * and every outcome of every step is kept until the rules have run (a class, so none of that costs a closure each).
 */
class Outcome implements MetadataOutcome {
  readonly outputs: Record<string, Val>;
  private labelParts: { lines: Template[]; annotations: Template[]; shape: Shape } | undefined;
  private envRecord: Record<string, Val> | undefined;
  private files: Record<string, Val> | undefined;

  constructor(
    private readonly run: Run,
    readonly conds: string[],
    readonly images: Template[],
    /** `version.main`: undefined when no tag rule produced a value. */
    private readonly main: Template | undefined,
    readonly latest: boolean,
    readonly tagNames: Template[],
    readonly tags: Template[],
    readonly warnings: string[],
    private readonly sep: Template,
    private readonly bakeTarget: string,
  ) {
    this.outputs = new OutcomeOutputs(this) as unknown as Record<string, Val>;
  }

  get version(): Template {
    return this.main ?? [];
  }

  private labelled(): { lines: Template[]; annotations: Template[]; shape: Shape } {
    if (this.labelParts) return this.labelParts;
    const labels = this.run.labels(this.version);
    const lines = labels.map(([k, v]) => concat(k, "=", v));
    this.labelParts = { lines, annotations: lines.map((l) => concat("manifest:", l)), shape: Object.fromEntries(labels.map(([k, v]) => [k, new Leaf(v)])) };
    return this.labelParts;
  }

  /** The value of output `name`. */
  compute(name: string): Val {
    switch (name) {
      case "version":
        return str(this.version);
      case "tags":
        return str(join(this.tags, this.sep));
      case "tag-names":
        return str(join(this.tagNames, this.sep));
      case "labels":
        return str(join(this.labelled().lines, lit("\n")));
      case "annotations":
        return str(join(this.labelled().annotations, lit("\n")));
      case "json":
        return shapeString({ tags: leaves(this.tags), "tag-names": leaves(this.tagNames), labels: this.labelled().shape, annotations: leaves(this.labelled().annotations) });
      default:
        // The bake-file outputs name files the action writes at run time.
        return str(holeT(`docker-metadata-action.${name}`));
    }
  }

  get env(): Record<string, Val> {
    this.envRecord ??= Object.fromEntries(OUTPUT_NAMES.map((k) => [outputEnvName(k), this.outputs[k]]));
    return this.envRecord;
  }

  get bakeFiles(): Record<string, Val> {
    if (this.files) return this.files;
    const args: Record<string, Shape> = { DOCKER_META_IMAGES: new Leaf(join(this.images, lit(","))) };
    if (this.main !== undefined) args.DOCKER_META_VERSION = new Leaf(this.main);
    const bake = (body: Record<string, Shape>): Shape => ({ target: { [this.bakeTarget]: body } });
    this.files = {
      "bake-file-tags": shapeString(bake({ tags: leaves(this.tags), args })),
      "bake-file-labels": shapeString(bake({ labels: this.labelled().shape })),
      "bake-file-annotations": shapeString(bake({ annotations: leaves(this.labelled().annotations) })),
      "bake-file": shapeString(bake({ tags: leaves(this.tags), labels: this.labelled().shape, args })),
    };
    return this.files;
  }
}

/** An outcome's outputs by name (`outputs.tags`), each computed on first read and kept. */
class OutcomeOutputs {
  private readonly values = new Map<string, Val>();

  constructor(private readonly outcome: Outcome) {}

  value(name: string): Val {
    let v = this.values.get(name);
    if (v === undefined) this.values.set(name, (v = this.outcome.compute(name)));
    return v;
  }
}
for (const name of OUTPUT_NAMES) {
  Object.defineProperty(OutcomeOutputs.prototype, name, {
    enumerable: true,
    get(this: OutcomeOutputs) {
      return this.value(name);
    },
  });
}

type ParsedInputs = { images: ImageInput[]; rules: TagRule[]; flavor: FlavorInput } | { error: string };

/** Parsed inputs by their templates: one step is evaluated for every event case and leg with the same inputs. */
const parsedCache = new Map<string, ParsedInputs>();
const PARSED_CACHE_SIZE = 4096;

/** The `images`, `tags` and `flavor` inputs parsed (never modified afterwards), or the first input error. */
function parseInputs(inputs: MetadataInputs): ParsedInputs {
  const key = JSON.stringify([inputs.images ?? null, inputs.tags ?? null, inputs.flavor ?? null]);
  const cached = parsedCache.get(key);
  if (cached) return cached;
  let parsed: ParsedInputs;
  try {
    parsed = { images: parseImages(inputs.images), rules: parseTags(inputs.tags), flavor: parseFlavor(inputs.flavor) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    parsed = { error: e.message };
  }
  if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.clear();
  parsedCache.set(key, parsed);
  return parsed;
}

/** Evaluates docker/metadata-action for one event: every possible outcome, or the input errors. */
export function evaluateMetadataAction(inputs: MetadataInputs, event: MetadataEvent): MetadataResult {
  const parsed = parseInputs(inputs);
  if ("error" in parsed) return { outcomes: [], errors: [parsed.error], truncated: false };
  const { images, rules, flavor } = parsed;
  const sepInput = inputs["sep-tags"] ?? [];
  const sep = sepInput.length ? sepInput : lit("\n");
  const bakeInput = trimTemplate(inputs["bake-target"] ?? []);
  const bakeTarget = bakeInput.length ? renderTemplate(bakeInput) : DEFAULT_BAKE_TARGET;
  const outcomes: MetadataOutcome[] = [];
  const errors: string[] = [];
  let forced: number[] | undefined = [];
  let worlds = 0;
  while (forced && worlds++ < MAX_WORLDS) {
    const c: Chooser = new Chooser(forced);
    try {
      const latest = chooseLiteral(c, "flavor-latest", flavor.latest, ["auto", "true", "false"], "Invalid latest flavor entry");
      const run = new Run(c, event, flavor, latest);
      const version = run.version(rules);
      const enabled = images.filter(
        (img, i) => chooseEnable(c, `image:${i}`, img.enable, `Invalid enable attribute value: ${renderTemplate(img.name)}`) === "true",
      );
      outcomes.push(outcomeOf(run, enabled.map((img) => lowerLiterals(img.name)), version, flavor, sep, bakeTarget, [...c.conds]));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (!errors.includes(e.message)) errors.push(e.message);
    }
    forced = c.next();
  }
  return { outcomes, errors, truncated: forced !== undefined };
}

// ---------------------------------------------------------------------------------------------
// Integration with the expression evaluator

const INPUT_NAMES = ["images", "tags", "flavor", "sep-tags", "bake-target"] as const;

/** Every combination of the inputs' alternatives, with the union of their conditions. */
function inputCombinations(inputs: Map<string, Sym>): { inputs: MetadataInputs; conds: string[] }[] {
  let combos: { inputs: MetadataInputs; conds: string[] }[] = [{ inputs: {}, conds: [] }];
  for (const name of INPUT_NAMES) {
    const sym = inputs.get(name);
    if (!sym) continue;
    combos = combos.flatMap((combo) =>
      sym.map((alt) => ({
        inputs: { ...combo.inputs, [name]: toTemplate(alt.value) },
        conds: [...combo.conds, ...alt.conds.filter((c) => !combo.conds.includes(c))],
      })),
    );
  }
  return combos;
}

/** A cheap summary of a value that equal values share: alternatives are compared only with those of the same one. */
function fingerprint(v: Val): string {
  if (v.kind !== "str") return v.kind;
  let literal = 0;
  for (const p of v.parts) literal += isLit(p) ? p.lit.length : 0;
  return `${v.parts.length}:${literal}`;
}

function mergeAlternatives(alts: Sym): Sym {
  const out: Sym = [];
  const byPrint = new Map<string, number[]>();
  for (const alt of alts) {
    const print = fingerprint(alt.value);
    const candidates = byPrint.get(print) ?? [];
    const at = candidates.find((i) => jsonEqual(out[i].value, alt.value));
    if (at === undefined) {
      byPrint.set(print, [...candidates, out.push({ value: alt.value, conds: [...alt.conds] }) - 1]);
    } else {
      out[at] = { value: out[at].value, conds: out[at].conds.filter((c) => alt.conds.includes(c)) };
    }
  }
  return markDistinct(out);
}

/**
 * The step's outputs for expression scopes: `outputs` for `steps.<id>.outputs.<name>`, `env` for the
 * `DOCKER_METADATA_OUTPUT_*` variables of later steps. Each is a set of alternatives, one per outcome
 * (identical values merged, keeping the conditions they share); a variable holds the same alternatives as its
 * output. Inputs in error yield no outputs; when the worlds were truncated an unknown alternative stands for the
 * ones not evaluated.
 */
export function metadataActionOutputs(inputs: Map<string, Sym>, event: MetadataEvent): { outputs: LazyMap<string, Sym>; env: LazyMap<string, Sym> } {
  const results = inputCombinations(inputs).map((combo) => ({ combo, result: evaluateMetadataAction(combo.inputs, event) }));
  // The worlds not evaluated depend on the unknowns of the inputs: the stand-in value has their identity.
  const identity = derivedScope([...inputs.values()].flatMap((sym) => sym.map((a) => a.value)));
  const outputs = new LazyMap<string, Sym>();
  const env = new LazyMap<string, Sym>();
  // Inputs in error in every combination: the action fails and sets no outputs.
  if (!results.some(({ result }) => result.outcomes.length > 0 || result.truncated)) return { outputs, env };
  for (const name of OUTPUT_NAMES) {
    let merged: Sym | undefined;
    // One value for the output and its variable, computed when either is first read.
    const value = () =>
      (merged ??= mergeAlternatives(
        results.flatMap(({ combo, result }): Sym => [
          ...result.outcomes.map((outcome) => ({ value: outcome.outputs[name], conds: [...combo.conds, ...outcome.conds] })),
          ...(result.truncated ? [{ value: { kind: "unknown", hole: { source: `docker-metadata-action.${name}`, multiline: true, ...identity } } as Val, conds: combo.conds }] : []),
        ]),
      ));
    outputs.setLazy(name, value);
    env.setLazy(outputEnvName(name), value);
  }
  return { outputs, env };
}
