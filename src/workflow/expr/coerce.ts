/**
 * Actions coercion rules over symbolic values: string conversion, truthiness and comparison, each answering
 * "cannot tell" (undefined) when holes leave the result open.
 */

import { toUpperSpecial } from "@actions/expressions/result";
import { holeAccepts, unify } from "./unify.js";
import type { Hole, Template, Val } from "./value.js";
import { isLit, normalizeTemplate, templateLiteral } from "./value.js";

/** Pattern of a hole standing for an undecided boolean. */
export const BOOL_PATTERN = "true|false";

export const NULL: Val = { kind: "null" };

export function bool(value: boolean): Val {
  return { kind: "bool", value };
}

/** An undecided boolean, named by the expression that produced it. */
export function boolHole(source: string): Val {
  return { kind: "unknown", hole: { source, pattern: BOOL_PATTERN } };
}

/** A string whose content is one hole. */
export function strHole(hole: Hole): Val {
  return { kind: "str", parts: [{ hole }] };
}

/** Number to string as Actions does it: at most 15 decimals, no trailing zeros. */
export function numberToString(n: number): string {
  if (n === 0) return "0";
  return String(+n.toFixed(15));
}

/**
 * String coercion: null → '', booleans → 'true'/'false', arrays/objects → 'Array'/'Object', unknown → its hole.
 */
export function toTemplate(v: Val): Template {
  switch (v.kind) {
    case "str":
      return normalizeTemplate(v.parts);
    case "null":
      return [];
    case "bool":
      return [{ lit: v.value ? "true" : "false" }];
    case "num":
      return [{ lit: numberToString(v.value) }];
    case "array":
      return [{ lit: "Array" }];
    case "object":
      return [{ lit: "Object" }];
    case "unknown":
      return [{ hole: v.hole }];
  }
}

/** Truthiness per Actions; undefined when it depends on hole values. */
export function truthiness(v: Val): boolean | undefined {
  switch (v.kind) {
    case "null":
      return false;
    case "bool":
      return v.value;
    case "num":
      return v.value !== 0 && !Number.isNaN(v.value);
    case "array":
    case "object":
      return true;
    case "unknown":
      return undefined;
    case "str": {
      const parts = normalizeTemplate(v.parts);
      if (parts.length === 0) return false;
      return parts.some((p) => isLit(p) || !holeAccepts(p.hole, "")) ? true : undefined;
    }
  }
}

/** Whether the string form of a value may contain a line break. */
export function mayContainNewline(v: Val): boolean {
  if (v.kind !== "str" && v.kind !== "unknown") return false;
  return toTemplate(v).some((p) => (isLit(p) ? p.lit.includes("\n") : p.hole.multiline === true));
}

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** Actions comparison; string comparison ignores case. */
export function compare(op: CompareOp, a: Val, b: Val): boolean | undefined {
  switch (op) {
    case "==":
      return equals(a, b);
    case "!=":
      return not(equals(a, b));
    case "<":
      return lessThan(a, b);
    case ">":
      return lessThan(b, a);
    case "<=":
      return or(equals(a, b), lessThan(a, b));
    case ">=":
      return or(equals(a, b), lessThan(b, a));
  }
}

function not(x: boolean | undefined): boolean | undefined {
  return x === undefined ? undefined : !x;
}

function or(x: boolean | undefined, y: boolean | undefined): boolean | undefined {
  if (x === true || y === true) return true;
  return x === false && y === false ? false : undefined;
}

/** Two values known to be the same string hole. */
function sameHole(a: Val, b: Val): boolean {
  const [x, y] = [toTemplate(a), toTemplate(b)];
  return x.length === 1 && y.length === 1 && !isLit(x[0]) && !isLit(y[0]) && x[0].hole.source === y[0].hole.source && x[0].hole.scope === y[0].hole.scope;
}

type Primitive = Extract<Val, { kind: "bool" | "null" | "str" }>;

/** Number of a primitive; undefined when a string still has holes. */
function toNumber(v: Primitive): number | undefined {
  if (v.kind === "bool") return v.value ? 1 : 0;
  if (v.kind === "null") return 0;
  const s = templateLiteral(v.parts);
  return s === undefined ? undefined : Number(s);
}

function withNumber(v: Primitive, then: (n: Val) => [Val, Val] | undefined): [Val, Val] | undefined {
  const n = toNumber(v);
  return n === undefined ? undefined : then({ kind: "num", value: n });
}

/**
 * Brings both sides to one kind like Actions does: number vs string compares numbers, booleans and null become
 * numbers; other mixes stay as they are (and compare unequal). Undefined when a needed number is unknown.
 */
function coerce(a: Val, b: Val): [Val, Val] | undefined {
  if (a.kind === b.kind) return [a, b];
  if (a.kind === "num" && b.kind === "str") return withNumber(b, (n) => [a, n]);
  if (a.kind === "str" && b.kind === "num") return withNumber(a, (n) => [n, b]);
  if (a.kind === "bool" || a.kind === "null") return withNumber(a, (n) => coerce(n, b));
  if (b.kind === "bool" || b.kind === "null") return withNumber(b, (n) => coerce(a, n));
  return [a, b];
}

function equals(a: Val, b: Val): boolean | undefined {
  if (a.kind === "unknown" || b.kind === "unknown") return sameHole(a, b) ? true : undefined;
  const pair = coerce(a, b);
  if (!pair) return undefined;
  const [x, y] = pair;
  if (x.kind === "num" && y.kind === "num") return x.value === y.value;
  if (x.kind === "bool" && y.kind === "bool") return x.value === y.value;
  if (x.kind === "null" && y.kind === "null") return true;
  if (x.kind === "str" && y.kind === "str") {
    const m = unify(x.parts, y.parts, { caseInsensitive: true });
    return m === "definite" ? true : m === "never" ? false : undefined;
  }
  if (x.kind !== y.kind) return false;
  // Arrays and objects compare by reference.
  return x === y ? true : undefined;
}

function lessThan(a: Val, b: Val): boolean | undefined {
  if (a.kind === "unknown" || b.kind === "unknown") return sameHole(a, b) ? false : undefined;
  const pair = coerce(a, b);
  if (!pair) return undefined;
  const [x, y] = pair;
  if (x.kind === "num" && y.kind === "num") return x.value < y.value;
  if (x.kind === "bool" && y.kind === "bool") return !x.value && y.value;
  if (x.kind === "str" && y.kind === "str") {
    const [s, t] = [templateLiteral(x.parts), templateLiteral(y.parts)];
    if (s === undefined || t === undefined) return sameHole(x, y) ? false : undefined;
    return toUpperSpecial(s) < toUpperSpecial(t);
  }
  return false;
}
