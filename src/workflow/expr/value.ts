/**
 * Symbolic values for GitHub Actions expressions.
 *
 * A value the analyzer cannot know (a secret, a branch name, another job's output) is a *hole*
 * named by its source, e.g. `github.ref_name` or `needs.plan.outputs.image`. Two holes with the
 * same source stand for the same string, so `needs.plan.outputs.image` pushed and cached is a
 * definite collision even though its value is unknown.
 *
 * An expression evaluates to a set of alternatives ({@link Sym}); each alternative records the
 * branch conditions under which it is produced, so a finding can say "when inputs.publish == 'true'".
 */

import { isRefScope, refScopesOverlap } from "../ref-filters.js";

export interface Hole {
  /** Canonical source of the value: a context path like `github.repository`. */
  source: string;
  /** What the value may look like, as a JavaScript regular expression source anchored by the user. */
  pattern?: string;
  /** True when the value may contain newlines (e.g. an unknown multi-line output). */
  multiline?: boolean;
  /**
   * The evaluation that produced the value, when it is not the same in every run: the step instance for an
   * unknown step output, the job instance for `needs.*` and a computed matrix, the run for workflow inputs.
   * Two holes are the same string only when both source and scope are equal; run-wide contexts (`github`,
   * `vars`, `secrets`) have none.
   */
  scope?: string;
  /**
   * How the value is written where the user wrote it, for messages: a shell `$TAG`, an HCL `${tag}`, a
   * metadata-action `{{version}}`. Without it the hole is shown as the expression `${{ source }}`.
   */
  display?: string;
}

export type Part = { lit: string } | { hole: Hole };

/** A string template: literal text and holes, concatenated. */
export type Template = Part[];

export type Val =
  | { kind: "str"; parts: Template; /** structured content when this string is known JSON */ json?: Val }
  | { kind: "bool"; value: boolean }
  | { kind: "num"; value: number }
  | { kind: "null" }
  | { kind: "array"; items: Val[] }
  | { kind: "object"; fields: Record<string, Val> }
  /** A value of unknown type and content. In string position it is the hole. */
  | { kind: "unknown"; hole: Hole };

export interface Alt<T = Val> {
  value: T;
  /** Human-readable branch conditions taken, e.g. ["inputs.publish == 'true'"]. */
  conds: string[];
}

/** A non-empty set of alternatives. */
export type Sym = Alt[];

export const lit = (text: string): Val => ({ kind: "str", parts: text === "" ? [] : [{ lit: text }] });
export const hole = (source: string, extra: Omit<Hole, "source"> = {}): Val => ({
  kind: "unknown",
  hole: { source, ...extra },
});
export const known = (value: Val): Sym => [{ value, conds: [] }];

export function isLit(p: Part): p is { lit: string } {
  return "lit" in p;
}

/**
 * Whether two holes stand for the same string: the same source in the same evaluation. A run's ref name is
 * shared by two workflows when their trigger filters can match the same ref.
 */
export function sameHole(a: Hole, b: Hole): boolean {
  if (a.source !== b.source) return false;
  if (a.scope === b.scope) return true;
  return (isRefScope(a.scope) || isRefScope(b.scope)) && refScopesOverlap(a.scope, b.scope);
}

/** The most characters (a hole counts as one) a template may have: no legitimate value comes near it. */
export const MAX_TEMPLATE_SIZE = 1 << 20;

/**
 * A value grew past {@link MAX_TEMPLATE_SIZE}: input that repeats a value into itself (variables that each
 * double the next) spells exponentially long strings. The analysis reports where it stopped (`Budget`).
 */
export class TemplateSizeError extends Error {
  constructor() {
    super(`a value grew past ${MAX_TEMPLATE_SIZE.toLocaleString("en-US")} characters (values that repeat each other)`);
  }
}

/**
 * Builds a normalised template from pieces: literal text is collected until a hole comes, so adjacent
 * literals end up merged and empty ones dropped (holes are kept as they are). Throws {@link TemplateSizeError}
 * past {@link MAX_TEMPLATE_SIZE}.
 */
export class TemplateWriter {
  private readonly parts: Template = [];
  /** Literal text since the last hole, joined when the hole comes (one flat string instead of a chain of concatenations). */
  private pending: string[] = [];
  private size = 0;

  private grow(n: number): void {
    this.size += n;
    if (this.size > MAX_TEMPLATE_SIZE) throw new TemplateSizeError();
  }

  text(s: string): void {
    this.grow(s.length);
    if (s !== "") this.pending.push(s);
  }

  part(p: Part): void {
    if (isLit(p)) {
      this.grow(p.lit.length);
      if (p.lit !== "") this.pending.push(p.lit);
      return;
    }
    this.grow(1);
    this.flush();
    this.parts.push(p);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.parts.push(this.pending.length === 1 ? { lit: this.pending[0] } : { lit: this.pending.join("") });
    this.pending = [];
  }

  template(t: Template): void {
    for (const p of t) this.part(p);
  }

  /** The template written, in an array of its exact size (templates are kept by every value); the writer is not used afterwards. */
  done(): Template {
    this.flush();
    return this.parts.slice();
  }
}

/** Merges adjacent literals and drops empty ones. */
export function normalizeTemplate(parts: Template): Template {
  const out = new TemplateWriter();
  out.template(parts);
  return out.done();
}

/** Whether `normalizeTemplate` would keep the template as it is and no literal whitespace surrounds it. */
function isTrimmedNormal(parts: Template): boolean {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!isLit(p)) continue;
    if (p.lit === "" || (i > 0 && isLit(parts[i - 1]))) return false;
    if (i === 0 && /^\s/.test(p.lit)) return false;
    if (i === parts.length - 1 && /\s$/.test(p.lit)) return false;
  }
  return true;
}

/** The literal string when the template has no holes, otherwise undefined. */
export function templateLiteral(parts: Template): string | undefined {
  let s = "";
  for (const p of parts) {
    if (!isLit(p)) return undefined;
    s += p.lit;
  }
  return s;
}

/** Values `JSON.stringify` leaves out of objects and writes as `null` in arrays. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/** A written non-object as `JSON.stringify` sees it: non-finite numbers are `null`. */
function jsonLeaf(v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? null : v;
}

/**
 * Whether `JSON.stringify(a) === JSON.stringify(b)` for plain data (no `toJSON`, no bigints), without
 * building the texts: differences are found at the first one, equal values are walked once.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const aObject = typeof a === "object" && a !== null;
  const bObject = typeof b === "object" && b !== null;
  if (!aObject || !bObject) {
    if (aObject || bObject) return false;
    // An omitted value has no text at all.
    if (omitted(a) || omitted(b)) return omitted(a) && omitted(b);
    return jsonLeaf(a) === jsonLeaf(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = omitted(a[i]) ? null : a[i];
      const y = omitted(b[i]) ? null : b[i];
      if (!jsonEqual(x, y)) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && omitted(x[kx[i]])) i++;
    while (j < ky.length && omitted(y[ky[j]])) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    if (kx[i] !== ky[j] || !jsonEqual(x[kx[i]], y[ky[j]])) return false;
    i++;
    j++;
  }
}

/** Renders a template for messages: holes as the user wrote them, else as `${{ source }}`. */
export function renderTemplate(parts: Template): string {
  return parts.map((p) => (isLit(p) ? p.lit : (p.hole.display ?? `\${{ ${p.hole.source} }}`))).join("");
}

/**
 * Splits a template on every literal occurrence of a separator set (for list inputs).
 * Holes stay whole: a hole is never split, even when it may hold the separator.
 */
export function splitTemplate(parts: Template, separators: RegExp): Template[] {
  const items: Template[] = [[]];
  for (const p of normalizeTemplate(parts)) {
    if (!isLit(p)) {
      items[items.length - 1].push(p);
      continue;
    }
    const pieces = p.lit.split(separators);
    pieces.forEach((piece, i) => {
      if (i > 0) items.push([]);
      if (piece !== "") items[items.length - 1].push({ lit: piece });
    });
  }
  return items.map(normalizeTemplate);
}

/** Trims literal whitespace at both ends of a template. */
export function trimTemplate(parts: Template): Template {
  // Most values (every split list item, every reference) are already trimmed and normalised: templates are never
  // modified, so such a value is its own result, not a copy kept by every build item.
  if (isTrimmedNormal(parts)) return parts;
  const out = normalizeTemplate(parts).slice();
  if (out.length && isLit(out[0])) out[0] = { lit: out[0].lit.replace(/^\s+/, "") };
  const last = out.length - 1;
  if (out.length && isLit(out[last])) out[last] = { lit: (out[last] as { lit: string }).lit.replace(/\s+$/, "") };
  return normalizeTemplate(out);
}

/**
 * The identity of a value a function computes from `vals` (`fromJSON`, `join`, `toJSON`, a `format` of an unknown
 * string): the scopes of the unknowns in them. Derived from run-wide values only, it is run-wide too.
 */
export function derivedScope(vals: (Val | undefined)[]): Pick<Hole, "scope"> {
  const scopes = new Set<string>();
  const visit = (v: Val | undefined): void => {
    if (!v) return;
    switch (v.kind) {
      case "str":
        for (const p of v.parts) if (!isLit(p) && p.hole.scope !== undefined) scopes.add(p.hole.scope);
        visit(v.json);
        return;
      case "unknown":
        if (v.hole.scope !== undefined) scopes.add(v.hole.scope);
        return;
      case "array":
        v.items.forEach(visit);
        return;
      case "object":
        Object.values(v.fields).forEach(visit);
        return;
      default:
    }
  };
  vals.forEach(visit);
  return scopes.size ? { scope: [...scopes].sort().join("&") } : {};
}

/** Lists of alternatives known to hold no two equal (value, conditions) pairs. */
const distinct = new WeakSet<readonly Alt<unknown>[]>();

/** Records that `alts` has no repeated alternative (it is never modified afterwards); returns it. */
export function markDistinct<T extends readonly Alt<unknown>[]>(alts: T): T {
  distinct.add(alts);
  return alts;
}

export function isDistinct(alts: readonly Alt<unknown>[]): boolean {
  return distinct.has(alts);
}
