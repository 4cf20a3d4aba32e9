/**
 * Incremental matching of hole values against `Hole.pattern`.
 *
 * Unification needs more than "does this whole string match": a hole may cover some literal text and then run
 * on into another hole whose value is unknown. Patterns are therefore compiled into a small NFA (a subset of
 * JavaScript regular expressions: literals, classes, `.`, escapes like `\d`, groups, alternation and
 * quantifiers), which can be fed literal text, fed unknown text (every state still reachable), and asked whether
 * the value may end. Patterns outside the subset (anchors, lookaround, back-references) fall back to testing the
 * full value with `RegExp` and lose their constraint once the value includes unknown text.
 */

import type { Hole } from "./value.js";

/** How far a hole's value has been matched. */
export interface Progress {
  /** Identifies the state for memoisation (stable for one hole). */
  readonly key: string;
  /** The value continues with this literal text; undefined when no allowed value does. */
  feed(text: string): Progress | undefined;
  /** The value continues with some unknown text. */
  skip(): Progress;
  /** Whether the value may end here. */
  canEnd(): boolean;
}

/** Matching state of a hole whose value has not begun. */
export function progressOf(hole: Hole, caseInsensitive: boolean): Progress {
  const multiline = hole.multiline === true;
  if (hole.pattern === undefined) return new Free(multiline);
  const compiled = compile(hole.pattern, caseInsensitive);
  if (!compiled.re) return new Free(multiline);
  if (compiled.nfa) return new NfaProgress(compiled.nfa, compiled.nfa.start, caseInsensitive, multiline);
  return new Exact(compiled.re, "", multiline);
}

/** No pattern (or an invalid one): any text without line breaks, or any text at all when multiline. */
class Free implements Progress {
  readonly key = "f";

  constructor(private readonly multiline: boolean) {}

  feed(text: string): Progress | undefined {
    return !this.multiline && text.includes("\n") ? undefined : this;
  }

  skip(): Progress {
    return this;
  }

  canEnd(): boolean {
    return true;
  }
}

class NfaProgress implements Progress {
  readonly key: string;

  constructor(
    private readonly nfa: Nfa,
    private readonly states: number[],
    private readonly ci: boolean,
    private readonly multiline: boolean,
  ) {
    this.key = `n${states.join(",")}`;
  }

  feed(text: string): Progress | undefined {
    let states = this.states;
    for (let k = 0; k < text.length; k++) {
      if (text[k] === "\n" && !this.multiline) return undefined;
      states = this.nfa.step(states, text[k], this.ci);
      if (states.length === 0) return undefined;
    }
    return new NfaProgress(this.nfa, states, this.ci, this.multiline);
  }

  skip(): Progress {
    return new NfaProgress(this.nfa, this.nfa.anyText(this.states), this.ci, this.multiline);
  }

  canEnd(): boolean {
    return this.nfa.accepts(this.states);
  }
}

/** A pattern outside the NFA subset: exact while the value is known text, unconstrained after unknown text. */
class Exact implements Progress {
  readonly key: string;

  constructor(
    private readonly re: RegExp,
    private readonly text: string,
    private readonly multiline: boolean,
  ) {
    this.key = `r${text}`;
  }

  feed(text: string): Progress | undefined {
    return !this.multiline && text.includes("\n") ? undefined : new Exact(this.re, this.text + text, this.multiline);
  }

  skip(): Progress {
    return new Free(this.multiline);
  }

  canEnd(): boolean {
    return this.re.test(this.text);
  }
}

interface Compiled {
  /** The anchored pattern; undefined when it is not a valid regular expression. */
  re?: RegExp;
  /** The NFA; undefined when the pattern is outside the supported subset. */
  nfa?: Nfa;
}

const cache = new Map<string, Compiled>();

function compile(pattern: string, ci: boolean): Compiled {
  const key = `${ci ? "i" : "-"}${pattern}`;
  let compiled = cache.get(key);
  if (!compiled) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(`^(?:${pattern})$`, ci ? "i" : "");
    } catch {
      // Not a valid regular expression: no constraint.
    }
    compiled = re ? { re, nfa: compilePattern(pattern) } : {};
    cache.set(key, compiled);
  }
  return compiled;
}

/** A set of UTF-16 code units: inclusive ranges, possibly negated. */
interface CharSet {
  ranges: Array<[number, number]>;
  negated: boolean;
}

type Node =
  | { kind: "chars"; set: CharSet }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "repeat"; item: Node; min: number; max: number };

/** Raised while compiling a pattern outside the supported subset. */
class Unsupported extends Error {}

const DIGIT: Array<[number, number]> = [[48, 57]];
const WORD: Array<[number, number]> = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const SPACE: Array<[number, number]> = [
  [9, 13],
  [32, 32],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Array<[number, number]> = [
  [10, 10],
  [13, 13],
  [0x2028, 0x2029],
];
const SIMPLE_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

/** Largest NFA built; bigger patterns (e.g. `x{1,5000}`) use the RegExp fallback. */
const MAX_STATES = 4000;

const single = (code: number): Array<[number, number]> => [[code, code]];

/**
 * Compiles a valid JavaScript regular expression source (no flags) into an NFA, or undefined when it uses
 * syntax outside the subset.
 */
export function compilePattern(pattern: string): Nfa | undefined {
  try {
    const builder = new NfaBuilder();
    const [start, accept] = builder.build(new PatternParser(pattern).parse());
    return new Nfa(builder.eps, builder.edges, start, accept);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** Recursive-descent parser for the supported subset; the source is known to be a valid RegExp. */
class PatternParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new Unsupported();
    return node;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { kind: "alt", options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      items.push(this.quantified());
    }
    return { kind: "seq", items };
  }

  private quantified(): Node {
    const item = this.atom();
    const bounds = this.quantifier();
    if (!bounds) return item;
    // A lazy quantifier matches the same language.
    if (this.src[this.pos] === "?") this.pos++;
    return { kind: "repeat", item, min: bounds[0], max: bounds[1] };
  }

  private quantifier(): [number, number] | undefined {
    const simple: Record<string, [number, number]> = { "*": [0, Infinity], "+": [1, Infinity], "?": [0, 1] };
    const c = this.src[this.pos];
    if (c in simple) {
      this.pos++;
      return simple[c];
    }
    const braces = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!braces) return undefined;
    this.pos += braces[0].length;
    const min = Number(braces[1]);
    if (!braces[2]) return [min, min];
    return [min, braces[3] ? Number(braces[3]) : Infinity];
  }

  private atom(): Node {
    const c = this.src[this.pos++];
    switch (c) {
      case "(": {
        if (this.src.startsWith("?:", this.pos)) this.pos += 2;
        else if (this.src[this.pos] === "?") throw new Unsupported();
        const inner = this.alternation();
        this.pos++;
        return inner;
      }
      case "[":
        return { kind: "chars", set: this.charClass() };
      case ".":
        return { kind: "chars", set: { ranges: LINE_TERMINATORS, negated: true } };
      case "\\":
        return { kind: "chars", set: this.escape(false) };
      case "^":
      case "$":
        throw new Unsupported();
      default:
        return { kind: "chars", set: { ranges: single(c.charCodeAt(0)), negated: false } };
    }
  }

  private escape(inClass: boolean): CharSet {
    const c = this.src[this.pos++];
    const set = (ranges: Array<[number, number]>, negated = false): CharSet => ({ ranges, negated });
    const classes: Record<string, Array<[number, number]>> = { d: DIGIT, w: WORD, s: SPACE };
    if (c in classes) return set(classes[c]);
    if (c.toLowerCase() in classes) {
      if (inClass) throw new Unsupported();
      return set(classes[c.toLowerCase()], true);
    }
    if (c in SIMPLE_ESCAPES) return set(single(SIMPLE_ESCAPES[c]));
    if (c === "b" && inClass) return set(single(8));
    if (c === "0" && !/[0-9]/.test(this.src[this.pos] ?? "")) return set(single(0));
    const hex = c === "x" ? 2 : c === "u" ? 4 : 0;
    if (hex) {
      const digits = this.src.slice(this.pos, this.pos + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw new Unsupported();
      this.pos += hex;
      return set(single(parseInt(digits, 16)));
    }
    if (/[A-Za-z0-9]/.test(c)) throw new Unsupported();
    return set(single(c.charCodeAt(0)));
  }

  private charClass(): CharSet {
    const negated = this.src[this.pos] === "^";
    if (negated) this.pos++;
    const ranges: Array<[number, number]> = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "]") {
      const low = this.classAtom();
      if (this.src[this.pos] === "-" && this.pos + 1 < this.src.length && this.src[this.pos + 1] !== "]") {
        this.pos++;
        const high = this.classAtom();
        if (!isChar(low) || !isChar(high)) throw new Unsupported();
        ranges.push([low[0][0], high[0][0]]);
      } else {
        ranges.push(...low);
      }
    }
    this.pos++;
    return { ranges, negated };
  }

  private classAtom(): Array<[number, number]> {
    const c = this.src[this.pos++];
    return c === "\\" ? this.escape(true).ranges : single(c.charCodeAt(0));
  }
}

function isChar(ranges: Array<[number, number]>): boolean {
  return ranges.length === 1 && ranges[0][0] === ranges[0][1];
}

function setHas(set: CharSet, code: number): boolean {
  return set.ranges.some(([lo, hi]) => code >= lo && code <= hi) !== set.negated;
}

class NfaBuilder {
  readonly eps: number[][] = [];
  readonly edges: Array<Array<{ set: CharSet; to: number }>> = [];

  private state(): number {
    if (this.eps.length >= MAX_STATES) throw new Unsupported();
    this.eps.push([]);
    this.edges.push([]);
    return this.eps.length - 1;
  }

  /** Thompson construction: returns [start, end] of a fragment. */
  build(node: Node): [number, number] {
    const start = this.state();
    let end = start;
    const append = (item: Node) => {
      const [a, b] = this.build(item);
      this.eps[end].push(a);
      end = b;
    };
    switch (node.kind) {
      case "chars":
        end = this.state();
        this.edges[start].push({ set: node.set, to: end });
        break;
      case "seq":
        node.items.forEach(append);
        break;
      case "alt":
        end = this.state();
        for (const option of node.options) {
          const [a, b] = this.build(option);
          this.eps[start].push(a);
          this.eps[b].push(end);
        }
        break;
      case "repeat":
        for (let k = 0; k < node.min; k++) append(node.item);
        if (node.max === Infinity) {
          const hub = this.state();
          this.eps[end].push(hub);
          const [a, b] = this.build(node.item);
          this.eps[hub].push(a);
          this.eps[b].push(hub);
          end = hub;
        } else {
          for (let k = node.min; k < node.max; k++) {
            const skip = this.state();
            this.eps[end].push(skip);
            const [a, b] = this.build(node.item);
            this.eps[end].push(a);
            this.eps[b].push(skip);
            end = skip;
          }
        }
        break;
    }
    return [start, end];
  }
}

/** A nondeterministic automaton; state sets are sorted arrays of states that can still reach acceptance. */
export class Nfa {
  readonly start: number[];
  private readonly live: boolean[];

  constructor(
    private readonly eps: number[][],
    private readonly edges: Array<Array<{ set: CharSet; to: number }>>,
    start: number,
    private readonly accept: number,
  ) {
    const reverse: number[][] = eps.map(() => []);
    eps.forEach((targets, from) => targets.forEach((to) => reverse[to].push(from)));
    edges.forEach((out, from) => out.forEach(({ to }) => reverse[to].push(from)));
    this.live = eps.map(() => false);
    const stack = [accept];
    this.live[accept] = true;
    while (stack.length) {
      for (const from of reverse[stack.pop()!]) {
        if (!this.live[from]) {
          this.live[from] = true;
          stack.push(from);
        }
      }
    }
    this.start = this.reach([start], false);
  }

  /** Whether the whole text is accepted (used to check the compiler against RegExp). */
  matches(text: string, ci = false): boolean {
    let states = this.start;
    for (let k = 0; k < text.length; k++) states = this.step(states, text[k], ci);
    return this.accepts(states);
  }

  accepts(states: number[]): boolean {
    return states.includes(this.accept);
  }

  /** States after one more character. */
  step(states: number[], ch: string, ci: boolean): number[] {
    const variants = ci ? [ch, ch.toLowerCase(), ch.toUpperCase()] : [ch];
    const codes = variants.filter((v) => v.length === 1).map((v) => v.charCodeAt(0));
    const next = states.flatMap((s) =>
      this.edges[s].filter((e) => codes.some((c) => setHas(e.set, c))).map((e) => e.to),
    );
    return this.reach(next, false);
  }

  /** States after any further text (possibly none). */
  anyText(states: number[]): number[] {
    return this.reach(states, true);
  }

  /** Closure over empty moves (and character moves when `anyChar`), restricted to live states. */
  private reach(from: number[], anyChar: boolean): number[] {
    const seen = new Set<number>();
    const stack = from.filter((s) => this.live[s]);
    stack.forEach((s) => seen.add(s));
    while (stack.length) {
      const s = stack.pop()!;
      const targets = anyChar ? [...this.eps[s], ...this.edges[s].map((e) => e.to)] : this.eps[s];
      for (const t of targets) {
        if (this.live[t] && !seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }
}
