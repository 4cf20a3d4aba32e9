/**
 * Can two string templates denote the same string?
 *
 * Both sides are cut into single characters and holes. Common prefixes and suffixes (equal characters,
 * same-source holes) cancel exactly; if nothing is left the templates are `definite`ly equal. The rest is a
 * search over alignments: a hole facing literal characters is fed them through its pattern (see `pattern.ts`;
 * without `multiline` it cannot take a newline), a hole facing another hole may end before, with or after it,
 * and text taken from another hole counts as unknown. Holes are matched independently (the same source on both
 * sides is not forced to the same value), so the search over-approximates: `never` is only answered when it is
 * certain.
 *
 * What a comparison needs of a template (its canonical key, its text, its tokens) is computed once per template
 * array, and the common cases are answered before any search, with the answers the search would give: the same
 * tokens are `definite`, differing characters at either end are `never`, one hole against literal text is a
 * pattern test.
 */

import { toUpperSpecial } from "@actions/expressions/result";
import type { Progress } from "./pattern.js";
import { progressOf } from "./pattern.js";
import type { Hole, Part, Template } from "./value.js";
import { isLit, sameHole, templateLiteral } from "./value.js";

export type Match = "definite" | "possible" | "never";

export interface UnifyOptions {
  /** Compare literal text and hole patterns ignoring case (repository paths, expression `==`). */
  caseInsensitive?: boolean;
}

/** Alignment states explored before giving up with `possible`. */
const SEARCH_BUDGET = 50_000;

type Tok = string | Hole;

export function unify(a: Template, b: Template, opts: UnifyOptions = {}): Match {
  const ci = opts.caseInsensitive ?? false;
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (sa.literal !== undefined && sb.literal !== undefined) return sameText(sa.literal, sb.literal, ci) ? "definite" : "never";
  // One hole against literal text must take all of it, as the search below finds (text this short cannot
  // exhaust its budget).
  if (sa.hole && sb.literal !== undefined && sb.literal.length < SEARCH_BUDGET - 1) return takes(sa, sb.literal, ci) ? "possible" : "never";
  if (sb.hole && sa.literal !== undefined && sa.literal.length < SEARCH_BUDGET - 1) return takes(sb, sa.literal, ci) ? "possible" : "never";
  if (sa.key === sb.key) return "definite";
  const x = sa.tokens;
  const y = sb.tokens;
  // Characters facing each other at either end that differ: no alignment can get past them.
  if (differentChars(x[0], y[0], ci) || differentChars(x[x.length - 1], y[y.length - 1], ci)) return "never";
  const same = (p: Tok, q: Tok) => {
    if (typeof p === "string") return typeof q === "string" && sameChar(p, q, ci);
    return typeof q !== "string" && sameHole(p, q);
  };
  let head = 0;
  while (head < x.length && head < y.length && same(x[head], y[head])) head++;
  let tail = 0;
  const fromEnd = (t: Tok[]) => t[t.length - 1 - tail];
  while (tail < x.length - head && tail < y.length - head && same(fromEnd(x), fromEnd(y))) tail++;
  const restX = x.slice(head, x.length - tail);
  const restY = y.slice(head, y.length - tail);
  if (restX.length === 0 && restY.length === 0) return "definite";
  // Characters left facing each other at either end differ (equal ones were cancelled).
  const isChar = (t: Tok | undefined) => typeof t === "string";
  if (isChar(restX[0]) && isChar(restY[0])) return "never";
  if (isChar(restX[restX.length - 1]) && isChar(restY[restY.length - 1])) return "never";
  return new Alignment(restX, restY, ci).possible() ? "possible" : "never";
}

/**
 * What `unify` needs of a template, computed once per template: its text when it has no holes, its hole when
 * it is one; its canonical key and its tokens when first needed.
 */
class Shape {
  readonly literal: string | undefined;
  readonly hole: Hole | undefined;
  /** `holeAccepts` answers for the hole, by case mode and text. */
  accepts?: Map<string, boolean>;
  private canonical?: string;
  private cut?: Tok[];

  constructor(private readonly template: Template) {
    this.literal = templateLiteral(template);
    let count = 0;
    let last: Part | undefined;
    for (const p of template) {
      if (isLit(p) && p.lit === "") continue;
      count++;
      last = p;
    }
    this.hole = count === 1 && last && !isLit(last) ? last.hole : undefined;
  }

  get key(): string {
    this.canonical ??= templateKey(this.template);
    return this.canonical;
  }

  get tokens(): Tok[] {
    this.cut ??= tokens(this.template);
    return this.cut;
  }
}

/** Shapes per template array: templates are not modified once built, and rules compare the same ones many times. */
const shapes = new WeakMap<Template, Shape>();

function shapeOf(t: Template): Shape {
  let shape = shapes.get(t);
  if (shape === undefined) {
    shape = new Shape(t);
    shapes.set(t, shape);
  }
  return shape;
}

/**
 * A string that is equal for two templates exactly when their tokens are: the same characters and holes
 * with the same sources in the same order, however the literal text is split. Such templates unify
 * `definite`ly (with or without case), and two templates unify `definite`ly case-sensitively only then.
 * Literal NULs are doubled; a hole is a NUL, `h`, the length of its source and the source.
 */
export function templateKey(t: Template): string {
  let key = "";
  for (const p of t) {
    if (isLit(p)) key += p.lit.includes("\0") ? p.lit.replaceAll("\0", "\0\0") : p.lit;
    else {
      const id = p.hole.scope === undefined ? p.hole.source : `${p.hole.source}\0s${p.hole.scope}`;
      key += `\0h${id.length}:${id}`;
    }
  }
  return key;
}

/**
 * Whether two templates are the same tokens (equal `templateKey`s): exactly when `unify(a, b)` is
 * `definite` case-sensitively, answered without searching alignments when they are not.
 */
export function sameTemplate(a: Template, b: Template): boolean {
  return shapeOf(a).key === shapeOf(b).key;
}

/** Whether a one-hole template's hole may take `text`, remembered per template (one tag meets many others). */
function takes(shape: Shape, text: string, ci: boolean): boolean {
  shape.accepts ??= new Map();
  const key = `${ci ? "i" : "c"}${text}`;
  let ok = shape.accepts.get(key);
  if (ok === undefined) {
    ok = holeAccepts(shape.hole as Hole, text, ci);
    shape.accepts.set(key, ok);
  }
  return ok;
}

function differentChars(p: Tok | undefined, q: Tok | undefined, ci: boolean): boolean {
  return typeof p === "string" && typeof q === "string" && !sameChar(p, q, ci);
}

/** Whether a hole may take the value `text` (pattern fully matched, no newline unless multiline). */
export function holeAccepts(hole: Hole, text: string, caseInsensitive = false): boolean {
  return progressOf(hole, caseInsensitive).feed(text)?.canEnd() === true;
}

function tokens(t: Template): Tok[] {
  return t.flatMap((p): Tok[] => (isLit(p) ? p.lit.split("") : [p.hole]));
}

/** Hole-free templates: equal character by character, as the search below would find. */
function sameText(p: string, q: string, ci: boolean): boolean {
  if (p === q) return true;
  if (!ci || p.length !== q.length) return false;
  for (let i = 0; i < p.length; i++) if (!sameChar(p[i], q[i], true)) return false;
  return true;
}

function sameChar(p: string, q: string, ci: boolean): boolean {
  return p === q || (ci && toUpperSpecial(p) === toUpperSpecial(q));
}

/** Continues the search; a progress marks a hole whose value has begun (undefined: not begun). */
type Next = (own: number, ownAt: Progress | undefined, other: number, otherAt: Progress | undefined) => boolean;

class Alignment {
  private readonly memo = new Map<string, boolean>();
  private work = 0;

  constructor(
    private readonly a: Tok[],
    private readonly b: Tok[],
    private readonly ci: boolean,
  ) {}

  possible(): boolean {
    return this.match(0, 0);
  }

  private begin(t: Tok): Progress {
    return progressOf(t as Hole, this.ci);
  }

  private match(i: number, j: number, pa?: Progress, pb?: Progress): boolean {
    if (++this.work > SEARCH_BUDGET) return true;
    const key = `${i},${j},${pa?.key ?? "-"},${pb?.key ?? "-"}`;
    let result = this.memo.get(key);
    if (result === undefined) {
      result = this.step(i, j, pa, pb);
      this.memo.set(key, result);
    }
    return result;
  }

  private step(i: number, j: number, pa: Progress | undefined, pb: Progress | undefined): boolean {
    const { a, b } = this;
    // A begun hole may end here.
    if (pa?.canEnd() && this.match(i + 1, j, undefined, pb)) return true;
    if (pb?.canEnd() && this.match(i, j + 1, pa, undefined)) return true;
    while (i < a.length && j < b.length && typeof a[i] === "string" && typeof b[j] === "string") {
      if (!sameChar(a[i] as string, b[j] as string, this.ci)) return false;
      i++;
      j++;
    }
    if (i === a.length && j === b.length) return true;
    // One side is used up: the other's next hole must be able to end (empty, or already begun).
    if (j === b.length) return typeof a[i] !== "string" && (pa ?? this.begin(a[i])).canEnd() && this.match(i + 1, j);
    if (i === a.length) return typeof b[j] !== "string" && (pb ?? this.begin(b[j])).canEnd() && this.match(i, j + 1);
    if (typeof a[i] !== "string") {
      return this.hole(pa ?? this.begin(a[i]), i, b, j, pb, (own, op, other, otp) => this.match(own, other, op, otp));
    }
    return this.hole(pb ?? this.begin(b[j]), j, a, i, pa, (own, op, other, otp) => this.match(other, own, otp, op));
  }

  /** The hole at index `own` (matched as far as `p`) facing `other[o…]`. */
  private hole(p: Progress, own: number, other: Tok[], o: number, op: Progress | undefined, next: Next): boolean {
    if (typeof other[o] !== "string") {
      // Hole facing hole: both take the same unknown text; one of them ends first.
      const mine = p.skip();
      const theirs = (op ?? this.begin(other[o])).skip();
      if (mine.canEnd() && next(own + 1, undefined, o, theirs)) return true;
      return theirs.canEnd() && next(own, mine, o + 1, undefined);
    }
    let end = o;
    while (end < other.length && typeof other[end] === "string") end++;
    let cur: Progress | undefined = p;
    for (let k = o; ; k++) {
      if (cur.canEnd() && next(own + 1, undefined, k, undefined)) return true;
      if (k === end) break;
      cur = cur.feed(other[k] as string);
      if (!cur) return false;
    }
    // The hole runs on into the next hole on the other side.
    return end < other.length && next(own, cur, end, undefined);
  }
}
