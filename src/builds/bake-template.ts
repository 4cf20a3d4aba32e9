/**
 * Values of bake file strings: HCL templates (`"${REPO}:${TAG}"`, `%{ if … }…%{ else }…%{ endif }`, the
 * `$${`/`%%{` escapes) as bake evaluates them in HCL and JSON files, and Compose interpolation
 * (`${VAR:-default}`, `$VAR`, `$$`).
 *
 * Inside `${ }` a small expression language is evaluated: string literals, numbers, booleans, variables,
 * `==`/`!=`/`!`/`&&`/`||`, `c ? a : b` and the functions `equal`, `notequal`, `and`, `or`, `not`, `lower`,
 * `upper`. Anything else (other functions, attribute references, arithmetic, `for`) is a hole named by
 * its source text. An undecidable condition keeps both branches, each recording the condition taken.
 */

import { unify } from "../workflow/expr/unify.js";
import { type Alt, type Template, templateLiteral } from "../workflow/expr/value.js";
import { concatAlternatives, only, type TemplateAlt } from "./alternatives.js";

export interface BakeScope {
  /** The value of a bake variable; undefined when there is no such variable. */
  variable(name: string): TemplateAlt[] | undefined;
}

type Value = { kind: "str"; t: Template } | { kind: "bool"; v: boolean } | { kind: "unknown"; source: string };
type Values = Alt<Value>[];

const MAX = 64;

/** Template pieces: literal text, `${ expr }`, or an `if` directive with both branches. */
type Node = { lit: string } | { interp: string } | { cond: string; then: Node[]; else: Node[] } | { opaque: string };

/** Index after the `}` that closes the `${`/`%{` opened before `k`, skipping nested strings and braces. */
function closeBrace(text: string, k: number): number {
  let depth = 1;
  for (let j = k; j < text.length; j++) {
    const c = text[j];
    if (c === '"') {
      j++;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j + 1;
  }
  return text.length;
}

function strip(directive: string): string {
  return directive.replace(/^~/, "").replace(/~$/, "").trim();
}

/** Parses template text into nodes; `if` directives nest. */
function parseTemplate(text: string): Node[] {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { cond: string }>; inElse: boolean }[] = [];
  const out = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.else : top.node.then) : root;
  };
  let lit = "";
  const flush = () => {
    if (lit) out().push({ lit });
    lit = "";
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      lit += `${text[i]}{`;
      i += 3;
    } else if (text.startsWith("${", i)) {
      flush();
      const end = closeBrace(text, i + 2);
      out().push({ interp: strip(text.slice(i + 2, end - 1)) });
      i = end;
    } else if (text.startsWith("%{", i)) {
      flush();
      const end = closeBrace(text, i + 2);
      const d = strip(text.slice(i + 2, end - 1));
      i = end;
      if (/^if\s/.test(d)) {
        const node = { cond: d.slice(3).trim(), then: [] as Node[], else: [] as Node[] };
        out().push(node);
        stack.push({ node, inElse: false });
      } else if (d === "else" && stack.length) stack[stack.length - 1].inElse = true;
      else if (d === "endif") stack.pop();
      else out().push({ opaque: `%{${d}}` });
    } else {
      lit += text[i++];
    }
  }
  flush();
  return root;
}

function toTemplate(v: Value): Template {
  if (v.kind === "str") return v.t;
  if (v.kind === "bool") return [{ lit: String(v.v) }];
  return [{ hole: { source: v.source, display: `\${${v.source}}` } }];
}

function mergeConds(a: string[], b: string[]): string[] | undefined {
  const out = [...a];
  for (const c of b) if (!out.includes(c)) out.push(c);
  return out.some((c) => out.includes(`!(${c})`)) ? undefined : out;
}

function withConds<T>(alts: Alt<T>[], conds: string[]): Alt<T>[] {
  return alts.flatMap((a) => {
    const merged = mergeConds(conds, a.conds);
    return merged ? [{ value: a.value, conds: merged }] : [];
  });
}

function truth(v: Value): boolean | undefined {
  if (v.kind === "bool") return v.v;
  if (v.kind === "str") {
    const s = templateLiteral(v.t);
    return s === "true" ? true : s === "false" ? false : undefined;
  }
  return undefined;
}

function evalNodes(nodes: Node[], scope: BakeScope): TemplateAlt[] {
  const pieces = nodes.map((n): TemplateAlt[] => {
    if ("lit" in n) return only([{ lit: n.lit }]);
    if ("opaque" in n) return only([{ hole: { source: n.opaque, display: n.opaque } }]);
    if ("interp" in n) return evaluateExpression(n.interp, scope).map((a) => ({ value: toTemplate(a.value), conds: a.conds }));
    const branches = choose(evaluateExpression(n.cond, scope), n.cond, evalNodes(n.then, scope), evalNodes(n.else, scope));
    return branches.map((a) => ({ value: toTemplate(a.value), conds: a.conds }));
  });
  return concatAlternatives(pieces, (i) => ({ source: nodeSource(nodes[i]), display: nodeSource(nodes[i]) }));
}

function nodeSource(n: Node): string {
  if ("lit" in n) return n.lit;
  if ("opaque" in n) return n.opaque;
  return "interp" in n ? `\${${n.interp}}` : `%{if ${n.cond}}`;
}

/** Every value an HCL template string may take. */
export function evaluateHclTemplate(text: string, scope: BakeScope): TemplateAlt[] {
  return evalNodes(parseTemplate(text), scope);
}

/** Picks the branch a condition selects, or keeps both with the condition each takes. */
function choose<T extends Template | Value>(cond: Values, source: string, a: Alt<T>[], b: Alt<T>[]): Alt<Value>[] {
  const asValue = (x: T): Value => (Array.isArray(x) ? { kind: "str", t: x } : (x as Value));
  const lift = (alts: Alt<T>[]) => alts.map((x) => ({ value: asValue(x.value), conds: x.conds }));
  return cond.flatMap((c) => {
    const t = truth(c.value);
    if (t !== undefined) return withConds(lift(t ? a : b), c.conds);
    return [...withConds(lift(a), [...c.conds, source]), ...withConds(lift(b), [...c.conds, `!(${source})`])];
  });
}

// ---------------------------------------------------------------------------------------------
// Expressions

type Tok = { t: "str"; raw: string; start: number; end: number } | { t: "num" | "id" | "op"; v: string; start: number; end: number };

class Unsupported extends Error {}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      let depth = 0;
      while (j < src.length && (src[j] !== '"' || depth > 0)) {
        if (src[j] === "\\") j++;
        else if ((src[j] === "$" || src[j] === "%") && src[j + 1] === "{") {
          j = closeBrace(src, j + 2) - 1;
        }
        j++;
      }
      out.push({ t: "str", raw: src.slice(i + 1, j), start: i, end: j + 1 });
      i = j + 1;
    } else {
      const m = /^(?:([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|([A-Za-z_][A-Za-z0-9_-]*)|(==|!=|&&|\|\||<=|>=|=>|\.\.\.|[!?:(),.[\]<>+\-*/%{}=]))/.exec(src.slice(i));
      if (!m) throw new Unsupported(src);
      const t = m[1] ? "num" : m[2] ? "id" : "op";
      out.push({ t, v: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    }
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

function unescape(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}

class ExprParser {
  private pos = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
    private readonly scope: BakeScope,
  ) {}

  parse(): Values {
    const v = this.cond();
    if (this.pos < this.toks.length) throw new Unsupported(this.src);
    return v;
  }

  private peek(v: string): boolean {
    const t = this.toks[this.pos];
    return !!t && t.t === "op" && t.v === v;
  }

  private expect(v: string): void {
    if (!this.peek(v)) throw new Unsupported(this.src);
    this.pos++;
  }

  private text(from: number, to: number): string {
    return this.src.slice(this.toks[from].start, this.toks[to - 1].end).trim();
  }

  private cond(): Values {
    const from = this.pos;
    const c = this.or();
    if (!this.peek("?")) return c;
    const source = this.text(from, this.pos);
    this.pos++;
    const a = this.cond();
    this.expect(":");
    const b = this.cond();
    return choose(c, source, a, b);
  }

  private or(): Values {
    return this.chain("||", () => this.and());
  }

  private and(): Values {
    return this.chain("&&", () => this.cmp());
  }

  /** Operands joined by `&&` or `||`. */
  private chain(op: "&&" | "||", operand: () => Values): Values {
    const from = this.pos;
    let left = operand();
    while (this.peek(op)) {
      this.pos++;
      const right = operand();
      left = this.logical(left, right, op === "&&", this.text(from, this.pos));
    }
    return left;
  }

  private cmp(): Values {
    const from = this.pos;
    const left = this.unary();
    if (!this.peek("==") && !this.peek("!=")) return left;
    const negate = this.peek("!=");
    this.pos++;
    const right = this.unary();
    return this.pairs(left, right, this.text(from, this.pos), (a, b) => {
      const eq = equal(a, b);
      return eq === undefined ? undefined : eq !== negate;
    });
  }

  private unary(): Values {
    if (!this.peek("!")) return this.postfix();
    const from = this.pos++;
    const v = this.unary();
    const source = this.text(from, this.pos);
    return v.map((a) => {
      const t = truth(a.value);
      return { value: t === undefined ? { kind: "unknown", source } : { kind: "bool", v: !t }, conds: a.conds };
    });
  }

  private postfix(): Values {
    const from = this.pos;
    const v = this.primary();
    if (!this.peek(".") && !this.peek("[")) return v;
    while (this.peek(".") || this.peek("[")) {
      if (this.peek(".")) {
        this.pos += 2;
      } else {
        this.pos++;
        this.cond();
        this.expect("]");
      }
    }
    return unknown(this.text(from, this.pos));
  }

  private primary(): Values {
    const tok = this.toks[this.pos++];
    if (!tok) throw new Unsupported(this.src);
    if (tok.t === "str") return evaluateHclTemplate(unescape(tok.raw), this.scope).map((a) => ({ value: { kind: "str", t: a.value }, conds: a.conds }));
    if (tok.t === "num") return [{ value: { kind: "str", t: [{ lit: tok.v }] }, conds: [] }];
    if (tok.t === "op") {
      if (tok.v !== "(") throw new Unsupported(this.src);
      const v = this.cond();
      this.expect(")");
      return v;
    }
    if (tok.v === "true" || tok.v === "false") return [{ value: { kind: "bool", v: tok.v === "true" }, conds: [] }];
    if (tok.v === "null") return [{ value: { kind: "str", t: [] }, conds: [] }];
    if (this.peek("(")) return this.call(tok.v, this.pos - 1);
    const value = this.scope.variable(tok.v);
    return value ? value.map((a) => ({ value: { kind: "str", t: a.value }, conds: a.conds })) : unknown(tok.v);
  }

  private call(name: string, from: number): Values {
    this.pos++;
    const args: Values[] = [];
    while (!this.peek(")")) {
      args.push(this.cond());
      if (this.peek(",")) this.pos++;
      else break;
    }
    this.expect(")");
    const source = this.text(from, this.pos);
    const [a, b] = args;
    switch (args.length === 2 ? name : args.length === 1 ? `${name}/1` : "") {
      case "equal":
      case "notequal":
        return this.pairs(a, b, source, (x, y) => {
          const eq = equal(x, y);
          return eq === undefined ? undefined : eq === (name === "equal");
        });
      case "and":
        return this.logical(a, b, true, source);
      case "or":
        return this.logical(a, b, false, source);
      case "not/1":
        return a.map((x) => {
          const t = truth(x.value);
          return { value: t === undefined ? { kind: "unknown", source } : { kind: "bool", v: !t }, conds: x.conds };
        });
      case "lower/1":
      case "upper/1":
        return a.map((x) => {
          const s = x.value.kind === "str" ? templateLiteral(x.value.t) : undefined;
          if (s === undefined) return { value: { kind: "unknown", source }, conds: x.conds };
          return { value: { kind: "str", t: [{ lit: name === "lower" ? s.toLowerCase() : s.toUpperCase() }] }, conds: x.conds };
        });
      default:
        return unknown(source);
    }
  }

  private pairs(a: Values, b: Values, source: string, op: (x: Value, y: Value) => boolean | undefined): Values {
    if (a.length * b.length > MAX) return unknown(source);
    return a.flatMap((x) =>
      b.flatMap((y): Values => {
        const conds = mergeConds(x.conds, y.conds);
        if (!conds) return [];
        const r = op(x.value, y.value);
        return [{ value: r === undefined ? { kind: "unknown", source } : { kind: "bool", v: r }, conds }];
      }),
    );
  }

  private logical(a: Values, b: Values, isAnd: boolean, source: string): Values {
    return this.pairs(a, b, source, (x, y) => {
      const tx = truth(x);
      const ty = truth(y);
      if (tx === !isAnd || ty === !isAnd) return !isAnd;
      return tx === undefined || ty === undefined ? undefined : isAnd;
    });
  }
}

function unknown(source: string): Values {
  return [{ value: { kind: "unknown", source }, conds: [] }];
}

function equal(a: Value, b: Value): boolean | undefined {
  if (a.kind === "unknown" || b.kind === "unknown") return undefined;
  if (a.kind === "bool" && b.kind === "bool") return a.v === b.v;
  if (a.kind === "str" && b.kind === "str") {
    const m = unify(a.t, b.t);
    return m === "definite" ? true : m === "never" ? false : undefined;
  }
  return false;
}

function evaluateExpression(src: string, scope: BakeScope): Values {
  try {
    return new ExprParser(lex(src), src, scope).parse();
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    return unknown(src.trim());
  }
}

// ---------------------------------------------------------------------------------------------
// Compose

/**
 * Every value a Compose string may take after interpolation. `lookup` gives a variable's value, or
 * undefined when it is unset (then `${VAR:-default}`'s default, else '').
 */
export function interpolateCompose(text: string, lookup: (name: string) => TemplateAlt[] | undefined): TemplateAlt[] {
  const pieces: TemplateAlt[][] = [];
  let lit = "";
  const flush = () => {
    if (lit) pieces.push(only([{ lit }]));
    lit = "";
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$$", i)) {
      lit += "$";
      i += 2;
      continue;
    }
    const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/.exec(text.slice(i));
    const bare = braced ? undefined : /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    const m = braced ?? bare;
    if (!m) {
      lit += text[i++];
      continue;
    }
    flush();
    const [, name, op = "", arg = ""] = m;
    const value = lookup(name);
    const empty = value !== undefined && value.every((a) => templateLiteral(a.value) === "");
    const unset = value === undefined || (op.startsWith(":") && empty);
    if (op.endsWith("-")) pieces.push(unset ? interpolateCompose(arg, lookup) : (value as TemplateAlt[]));
    else if (op.endsWith("+")) pieces.push(unset ? only([]) : interpolateCompose(arg, lookup));
    else pieces.push(value ?? only([]));
    i += m[0].length;
  }
  flush();
  return concatAlternatives(pieces, () => ({ source: text, display: text }));
}
