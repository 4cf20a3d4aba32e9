/**
 * Character-level helpers over templates for the Docker parsers: a template is cut into single
 * literal characters and whole holes, so split points can be searched in literal text only.
 */

import type { Hole, Template } from "../workflow/expr/value.js";
import { isLit, normalizeTemplate, TemplateWriter } from "../workflow/expr/value.js";

export type Tok = string | Hole;

export function isHoleTok(t: Tok): t is Hole {
  return typeof t !== "string";
}

export function toTokens(t: Template): Tok[] {
  return t.flatMap((p): Tok[] => (isLit(p) ? p.lit.split("") : [p.hole]));
}

export function fromTokens(toks: Tok[]): Template {
  const out = new TemplateWriter();
  for (const t of toks) {
    if (typeof t === "string") out.text(t);
    else out.part({ hole: t });
  }
  return out.done();
}

export function hasHoles(t: Template): boolean {
  return t.some((p) => !isLit(p));
}

/** The template with its literal text lowercased; holes are kept. */
export function lowerLiterals(t: Template): Template {
  return normalizeTemplate(t.map((p) => (isLit(p) ? { lit: p.lit.toLowerCase() } : p)));
}

export function concat(...ts: (Template | string)[]): Template {
  const out = new TemplateWriter();
  for (const t of ts) {
    if (typeof t === "string") out.text(t);
    else out.template(t);
  }
  return out.done();
}

/** Whether the template starts with the literal text `prefix`; returns the rest, or undefined. */
export function stripLiteralPrefix(t: Template, prefix: string): Template | undefined {
  const toks = toTokens(t);
  for (let i = 0; i < prefix.length; i++) if (toks[i] !== prefix[i]) return undefined;
  return fromTokens(toks.slice(prefix.length));
}

/** Characters a hole may contain: undefined means any character. */
type CharTest = (c: string) => boolean;

const charsetCache = new Map<string, CharTest | undefined>();

const CLASS_ESCAPES: Record<string, CharTest> = {
  d: (c) => c >= "0" && c <= "9",
  w: (c) => /\w/.test(c),
  s: (c) => /\s/.test(c),
};
const CONTROL_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", f: "\f", v: "\v", "0": "\0" };

/**
 * Over-approximates the characters a regular expression can match: the union of every character,
 * class and escape it mentions. Negated classes, `.`, `\S`/`\W`/`\D`, Unicode escapes and back
 * references make it "any character".
 */
function patternCharset(pattern: string): CharTest | undefined {
  if (charsetCache.has(pattern)) return charsetCache.get(pattern);
  const tests: CharTest[] = [];
  let unbounded = false;
  let i = 0;
  const escape = (e: string | undefined): CharTest | "skip" | undefined => {
    if (e === undefined) return undefined;
    if (CLASS_ESCAPES[e]) return CLASS_ESCAPES[e];
    if (e === "b" || e === "B") return "skip";
    if (/[DWSuxcpPk1-9]/.test(e)) return undefined;
    const ch = CONTROL_ESCAPES[e] ?? e;
    return (c) => c === ch;
  };
  while (i < pattern.length && !unbounded) {
    const c = pattern[i];
    if (c === "\\") {
      const t = escape(pattern[i + 1]);
      i += 2;
      if (t === undefined) unbounded = true;
      else if (t !== "skip") tests.push(t);
    } else if (c === "[") {
      i++;
      if (pattern[i] === "^") {
        unbounded = true;
        break;
      }
      const members: CharTest[] = [];
      let prev: string | undefined;
      while (i < pattern.length && pattern[i] !== "]") {
        if (pattern[i] === "\\") {
          const t = escape(pattern[i + 1]);
          i += 2;
          if (t === undefined) unbounded = true;
          else if (t !== "skip") members.push(t);
          prev = undefined;
        } else if (pattern[i] === "-" && prev !== undefined && pattern[i + 1] !== undefined && pattern[i + 1] !== "]") {
          const lo = prev;
          const hi = pattern[i + 1] === "\\" ? (CONTROL_ESCAPES[pattern[i + 2]] ?? pattern[i + 2]) : pattern[i + 1];
          members.push((ch) => ch >= lo && ch <= hi);
          i += pattern[i + 1] === "\\" ? 3 : 2;
          prev = undefined;
        } else {
          const ch = pattern[i];
          members.push((x) => x === ch);
          prev = ch;
          i++;
        }
      }
      i++;
      tests.push((ch) => members.some((m) => m(ch)));
    } else if (c === ".") {
      unbounded = true;
    } else if (c === "(") {
      i++;
      if (pattern[i] === "?") {
        const named = /^\?<([A-Za-z_$][\w$]*)>/.exec(pattern.slice(i));
        if (named) i += named[0].length;
        else i += pattern[i + 1] === "<" ? 3 : 2;
      }
    } else if (c === "{") {
      const quant = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (quant) i += quant[0].length;
      else {
        tests.push((x) => x === "{");
        i++;
      }
    } else if (")|*+?^$".includes(c)) {
      i++;
    } else {
      tests.push((x) => x === c);
      i++;
    }
  }
  const result = unbounded ? undefined : (ch: string) => tests.some((t) => t(ch));
  charsetCache.set(pattern, result);
  return result;
}

/** Whether a hole's value may contain any of `chars` (newlines only when the hole is multiline). */
export function holeMayContain(hole: Hole, chars: string): boolean {
  const set = hole.pattern === undefined ? undefined : patternCharset(hole.pattern);
  return chars.split("").some((c) => (c === "\n" && !hole.multiline ? false : set === undefined || set(c)));
}

/** Whether any hole among the tokens may contain one of `chars`. */
export function holesMayContain(toks: Tok[], chars: string): boolean {
  return toks.some((t) => isHoleTok(t) && holeMayContain(t, chars));
}

/** The ASCII characters of a charset, listed once per charset. */
const asciiMembers = new WeakMap<CharTest, string>();

function asciiOf(set: CharTest): string {
  let members = asciiMembers.get(set);
  if (members === undefined) {
    members = "";
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      if (set(c)) members += c;
    }
    asciiMembers.set(set, members);
  }
  return members;
}

/** Whether every character a hole may contain matches `allowed` (a one-character test). */
export function holeWithin(hole: Hole, allowed: RegExp): boolean {
  if (hole.pattern === undefined || /[^\x00-\x7f]/.test(hole.pattern)) return false;
  const set = patternCharset(hole.pattern);
  if (set === undefined) return false;
  for (const c of asciiOf(set)) if (!allowed.test(c)) return false;
  return true;
}
