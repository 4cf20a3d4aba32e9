/**
 * Expression functions over symbolic values. Each decides what it can and says "cannot tell" (undefined) or
 * returns a hole otherwise; the evaluator supplies hole names.
 */

import { toUpperSpecial } from "@actions/expressions/result";
import { compare, toTemplate } from "./coerce.js";
import { unify } from "./unify.js";
import type { Hole, Template, Val } from "./value.js";
import { isLit, lit, normalizeTemplate, templateLiteral } from "./value.js";

/**
 * `format(fmt, args…)` with `{N}` placeholders and `{{`/`}}` escapes. Like Actions, anything between the index
 * digits and the next `}` is ignored (`{0:x}` is `{0}`). A format string Actions rejects at run time gives
 * `{ error }` with Actions' message.
 */
export function formatTemplate(fmt: string, args: Template[]): { parts: Template } | { error: string } {
  const out: Template = [];
  let i = 0;
  while (i < fmt.length) {
    const brace = fmt.slice(i).search(/[{}]/);
    if (brace < 0) {
      out.push({ lit: fmt.slice(i) });
      break;
    }
    out.push({ lit: fmt.slice(i, i + brace) });
    i += brace;
    if (fmt[i + 1] === fmt[i]) {
      out.push({ lit: fmt[i] });
      i += 2;
      continue;
    }
    const index = fmt[i] === "{" ? /^\{(\d+)/.exec(fmt.slice(i)) : null;
    const close = fmt.indexOf("}", i);
    if (!index || close < 0) return { error: `The following format string is invalid: ${fmt}` };
    const n = Number(index[1]);
    if (n >= args.length) {
      return { error: `The following format string references more arguments than were supplied: ${fmt}` };
    }
    out.push(...args[n]);
    i = close + 1;
  }
  return { parts: normalizeTemplate(out) };
}

/** A wildcard hole that may stand for any text, used to phrase substring questions as unification. */
const anyText = (source: string): Template => [{ hole: { source, multiline: true } }];

/** `contains(search, item)`: substring (ignoring case) for primitives, element equality for arrays. */
export function containsVal(search: Val, item: Val): boolean | undefined {
  if (search.kind === "array") {
    const results = search.items.map((it) => compare("==", it, item));
    if (results.includes(true)) return true;
    return results.includes(undefined) ? undefined : false;
  }
  if (search.kind === "unknown") return undefined;
  if (search.kind === "object" || item.kind === "array" || item.kind === "object") return false;
  const s = toTemplate(search);
  const t = toTemplate(item);
  const needle = templateLiteral(t);
  if (needle !== undefined) {
    const wanted = toUpperSpecial(needle);
    if (s.some((p) => isLit(p) && toUpperSpecial(p.lit).includes(wanted)) || needle === "") return true;
  }
  const shape = [...anyText("\0before"), ...t, ...anyText("\0after")];
  return unify(s, shape, { caseInsensitive: true }) === "never" ? false : undefined;
}

/** `startsWith` (ignoring case); non-primitive arguments give false. */
export function startsWithVal(search: Val, prefix: Val): boolean | undefined {
  return affix(search, prefix, "start");
}

/** `endsWith` (ignoring case); non-primitive arguments give false. */
export function endsWithVal(search: Val, suffix: Val): boolean | undefined {
  return affix(search, suffix, "end");
}

function affix(search: Val, fix: Val, side: "start" | "end"): boolean | undefined {
  const nonPrimitive = (v: Val) => v.kind === "array" || v.kind === "object";
  if (nonPrimitive(search) || nonPrimitive(fix)) return false;
  const s = toTemplate(search);
  const f = toTemplate(fix);
  const wanted = templateLiteral(f);
  const edge = s[side === "start" ? 0 : s.length - 1];
  if (wanted !== undefined) {
    if (wanted === "") return true;
    if (edge && isLit(edge)) {
      const [have, want] = [toUpperSpecial(edge.lit), toUpperSpecial(wanted)];
      if (side === "start" ? have.startsWith(want) : have.endsWith(want)) return true;
    }
  }
  const shape = side === "start" ? [...f, ...anyText("\0rest")] : [...anyText("\0rest"), ...f];
  return unify(s, shape, { caseInsensitive: true }) === "never" ? false : undefined;
}

/** `join(value, separator)`; undefined when the value's items are unknown. */
export function joinVal(value: Val, separator: Val | undefined): Template | undefined {
  if (value.kind === "unknown") return undefined;
  if (value.kind === "object") return [];
  if (value.kind !== "array") return toTemplate(value);
  const sep =
    separator && separator.kind !== "array" && separator.kind !== "object" ? toTemplate(separator) : [{ lit: "," }];
  return normalizeTemplate(value.items.flatMap((item, i) => [...(i === 0 ? [] : sep), ...toTemplate(item)]));
}

/** The plain JSON value of a fully known value; undefined when any part is a hole. */
export function toPlain(v: Val): unknown {
  switch (v.kind) {
    case "str":
      return templateLiteral(v.parts);
    case "bool":
    case "num":
      return v.value;
    case "null":
      return null;
    case "unknown":
      return undefined;
    case "array": {
      const items = v.items.map(toPlain);
      return items.includes(undefined) ? undefined : items;
    }
    case "object": {
      const entries = Object.entries(v.fields).map(([k, f]) => [k, toPlain(f)] as const);
      return entries.some(([, f]) => f === undefined) ? undefined : Object.fromEntries(entries);
    }
  }
}

/** A value for parsed JSON. */
export function fromPlain(x: unknown): Val {
  if (x === null) return { kind: "null" };
  if (typeof x === "string") return lit(x);
  if (typeof x === "number") return { kind: "num", value: x };
  if (typeof x === "boolean") return { kind: "bool", value: x };
  if (Array.isArray(x)) return { kind: "array", items: x.map(fromPlain) };
  return {
    kind: "object",
    fields: Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, fromPlain(v)])),
  };
}

/** Parses JSON text like `fromJSON`; undefined when Actions would fail (empty or invalid text). */
export function parseJson(text: string): Val | undefined {
  if (text.trim() === "") return undefined;
  try {
    return fromPlain(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Field lookup ignoring case (Actions dictionaries are case-insensitive); own properties only. */
export function field(fields: Record<string, Val>, key: string): Val | undefined {
  if (Object.hasOwn(fields, key)) return fields[key];
  const lower = key.toLowerCase();
  const match = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : fields[match];
}

/** The hole a `hashFiles()` call evaluates to: a SHA-256 in hex, or '' when no file matched. */
export function hashHole(source: string): Hole {
  return { source, pattern: "(?:[0-9a-f]{64})?" };
}
