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

export interface Hole {
  /** Canonical source of the value: a context path like `github.repository`. */
  source: string;
  /** What the value may look like, as a JavaScript regular expression source anchored by the user. */
  pattern?: string;
  /** True when the value may contain newlines (e.g. an unknown multi-line output). */
  multiline?: boolean;
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

/** Merges adjacent literals and drops empty ones. */
export function normalizeTemplate(parts: Template): Template {
  const out: Template = [];
  for (const p of parts) {
    if (isLit(p)) {
      if (p.lit === "") continue;
      const last = out[out.length - 1];
      if (last && isLit(last)) out[out.length - 1] = { lit: last.lit + p.lit };
      else out.push({ lit: p.lit });
    } else {
      out.push(p);
    }
  }
  return out;
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

/** Renders a template for messages: holes as `${{ source }}`. */
export function renderTemplate(parts: Template): string {
  return parts.map((p) => (isLit(p) ? p.lit : `\${{ ${p.hole.source} }}`)).join("");
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
  const out = normalizeTemplate(parts).slice();
  if (out.length && isLit(out[0])) out[0] = { lit: out[0].lit.replace(/^\s+/, "") };
  const last = out.length - 1;
  if (out.length && isLit(out[last])) out[last] = { lit: (out[last] as { lit: string }).lit.replace(/\s+$/, "") };
  return normalizeTemplate(out);
}
