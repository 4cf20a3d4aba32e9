import { type ListSplit, splitListInput } from "../docker/csv.js";
import { toTemplate } from "../workflow/expr/evaluate.js";
import { type Sym, type Template, templateLiteral } from "../workflow/expr/value.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue, Segment } from "../workflow/yaml.js";

/** One entry of a list input after evaluation and splitting, with the source span it came from. */
export interface Item {
  value: Template;
  /** Branch conditions under which this entry exists. */
  conds: string[];
  span: Span;
  /** The source line the entry came from, for fixes and messages. */
  segment: Segment;
  /** True when the entry came out of an expression rather than literal text. */
  derived: boolean;
  /** Which alternative of the line's evaluation produced the entry, and how many there were. */
  alt: number;
  alts: number;
}

/** Narrows a span to `needle` inside an exact segment when it occurs there exactly once. */
export function subSpan(segment: Segment, needle: string): Span {
  if (!segment.exact || needle === "") return segment.span;
  const at = segment.text.indexOf(needle);
  if (at < 0 || segment.text.indexOf(needle, at + 1) >= 0) return segment.span;
  return spanOn(segment.span, at, needle.length);
}

/** The part of a one-line span that starts `at` characters into it and is `length` long. */
export function spanOn(span: Span, at: number, length: number): Span {
  const start = span.start.offset + at;
  return {
    file: span.file,
    path: span.path,
    start: { line: span.start.line, col: span.start.col + at, offset: start },
    end: { line: span.start.line, col: span.start.col + at + length, offset: start + length },
  };
}

/**
 * Evaluates a list input line by line and splits each result the way the action does. Lines that
 * evaluate to '' vanish, as empty items are dropped by the action.
 */
export function listItems(
  value: ScalarValue,
  split: ListSplit,
  evaluate: (text: string, span: Span) => Sym,
): Item[] {
  const segments = balanced(value) ? value.segments : [{ text: value.value, span: value.span, exact: false }];
  const out: Item[] = [];
  for (const segment of segments) {
    const derived = segment.text.includes("${{");
    const alts = evaluate(segment.text, segment.span);
    for (const [index, alt] of alts.entries()) {
      for (const item of splitListInput(toTemplate(alt.value), split)) {
        const literal = templateLiteral(item);
        const span = !derived && literal !== undefined ? subSpan(segment, literal) : segment.span;
        out.push({ value: item, conds: alt.conds, span, segment, derived, alt: index, alts: alts.length });
      }
    }
  }
  return out;
}

const balance = new WeakMap<ScalarValue, boolean>();

/**
 * True when no `${{` opened on a line is left unclosed on it (else the scalar is evaluated whole); found once
 * per scalar, which is evaluated for every event and matrix leg.
 */
function balanced(value: ScalarValue): boolean {
  let ok = balance.get(value);
  if (ok === undefined) {
    ok = value.segments.every((s) => {
      const opens = s.text.split("${{").length - 1;
      const closes = s.text.split("}}").length - 1;
      return opens <= closes;
    });
    balance.set(value, ok);
  }
  return ok;
}

/** A boolean input as the action reads it: `true`/`false` (case-insensitive), else unknown. */
export function booleanInput(sym: Sym | undefined): boolean | undefined {
  if (!sym) return false;
  const values = new Set(
    sym.map((a) => {
      const s = templateLiteral(toTemplate(a.value));
      if (s === undefined) return "unknown";
      const t = s.trim().toLowerCase();
      return t === "true" ? "true" : t === "false" || t === "" ? "false" : "unknown";
    }),
  );
  if (values.size === 1 && values.has("true")) return true;
  if (values.size === 1 && values.has("false")) return false;
  return undefined;
}
