/**
 * Symbolic evaluation of GitHub Actions expressions.
 *
 * Expressions are parsed by GitHub's own parser (`@actions/expressions`); this module walks the AST and computes,
 * instead of one value, the set of values the expression may take ({@link Sym}). Values the workflow does not fix
 * are holes named by their source (`github.ref_name`, `fromJSON(steps.meta.outputs.json).tags[0]`). When a
 * branch (`&&`, `||`, `case()`) depends on a hole, both sides are kept and each alternative records the branch
 * conditions taken: the operand's source text, or `!(text)` for its negation.
 */

import { createHash } from "node:crypto";
import type { Expr, ExprVisitor, Literal } from "@actions/expressions/ast";
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Logical,
  Star,
  Unary,
} from "@actions/expressions/ast";
import { TokenType } from "@actions/expressions/lexer";
import type { CompareOp } from "./coerce.js";
import {
  BOOL_PATTERN,
  NULL,
  bool,
  boolHole,
  compare,
  mayContainNewline,
  numberToString,
  strHole,
  toTemplate,
  truthiness,
} from "./coerce.js";
import {
  containsVal,
  endsWithVal,
  field,
  formatTemplate,
  hashHole,
  joinVal,
  parseJson,
  startsWithVal,
  toPlain,
} from "./functions.js";
import { runWide } from "./conditions.js";
import { ExpressionSyntaxError, ParsedExpression, splitInterpolation } from "./syntax.js";
import type { Alt, Hole, Sym, Template, Val } from "./value.js";
import { derivedScope, hole, isDistinct, isLit, lit, normalizeTemplate, templateLiteral } from "./value.js";

export { ExpressionSyntaxError } from "./syntax.js";
export { toTemplate, truthiness } from "./coerce.js";

export interface Scope {
  /** Resolve a context path like ['steps','meta','outputs','tags'] or ['inputs','publish'].
   *  Return undefined when this exact path is not known (the evaluator then tries shorter prefixes and indexes
   *  into what they return; if nothing is known, the result is a hole whose source is the dotted path). */
  resolve(path: string[]): Sym | undefined;
  /**
   * The identity of the unknown value at a path nothing resolves (see `Hole.scope`): which step instance,
   * job instance or run produced it. Undefined for values that are the same wherever they are read.
   */
  holeScope?(path: string[]): string | undefined;
  /**
   * The identity of this evaluation (the job instance), for values it computes from unknowns that cannot be kept
   * apart (alternatives too many to enumerate): another job or matrix leg may compute other values.
   */
  evaluationScope?(): string | undefined;
}

/** The scope of a hole, to carry over to a value derived from it. */
function scoped(h: Hole): Omit<Hole, "source"> {
  return h.scope === undefined ? {} : { scope: h.scope };
}

/**
 * The identity of one value standing for alternatives too many to keep: which alternatives they were (their unknowns
 * keep their own identities) and, when a condition that picks one reads values of the job (a step output, a matrix
 * or env value), the evaluation that computed them: another job or matrix leg may pick another alternative.
 */
function collapsedScope(scope: Scope, alts: Alt<unknown>[]): Pick<Hole, "scope"> {
  let found = collapsed.get(alts);
  if (!found) {
    const digest = createHash("sha256")
      .update(JSON.stringify(alts.map((a) => [a.value, a.conds])))
      .digest("hex")
      .slice(0, 16);
    found = { digest, runWide: alts.every((a) => a.conds.every(runWide)) };
    collapsed.set(alts, found);
  }
  return { scope: `${found.runWide ? "" : (scope.evaluationScope?.() ?? "")}#${found.digest}` };
}

/** `collapsedScope`'s digest by alternatives: a step output read in every leg and event case is one list. */
const collapsed = new WeakMap<Alt<unknown>[], { digest: string; runWide: boolean }>();

/** Most alternatives kept for one expression (or one interpolated string); beyond it they collapse into a hole. */
export const MAX_ALTERNATIVES = 64;

/**
 * Parsed expressions by text and position, so that text evaluated in many scopes (every event case and matrix
 * leg of a workflow) is parsed once. One belongs to one analysis; evaluations without one parse every time.
 */
export class ExpressionCache {
  private readonly parsed = new Map<string, ParsedExpression>();

  parse(expr: string, base: number): ParsedExpression {
    const key = `${base}:${expr}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      parsed = new ParsedExpression(expr, base);
      this.parsed.set(key, parsed);
    }
    return parsed;
  }
}

/** Evaluates the text inside `${{ }}`. */
export function evaluateExpression(expr: string, scope: Scope): Sym {
  return finish(run(expr, 0, scope));
}

/**
 * Evaluates a YAML string that may contain any number of `${{ }}` segments; every alternative is a string.
 * A string that is exactly one segment keeps the segment's string value as is (including its `json`).
 */
export function evaluateInterpolated(text: string, scope: Scope, cache?: ExpressionCache): Sym {
  // Text without expressions is itself, in every scope.
  if (!text.includes("${{")) return [{ value: str(text === "" ? [] : [{ lit: text }]), conds: [] }];
  const pieces = splitInterpolation(text);
  if (pieces.length === 1 && "expr" in pieces[0]) {
    const whole = run(pieces[0].expr, pieces[0].offset, scope, cache);
    return finish(whole.map((b) => ({ value: asString(b.value), conds: b.conds })));
  }
  const segments = pieces.map((p) => {
    if (!("expr" in p)) return { source: "", alts: [{ value: [{ lit: p.lit }], conds: [] }] };
    const alts = finish(run(p.expr, p.offset, scope, cache));
    return { source: p.expr.trim(), alts: alts.map((a) => ({ value: toTemplate(a.value), conds: a.conds })) };
  });
  const combos = product(segments.map((s) => s.alts));
  if (!combos) {
    // Too many: one alternative that keeps the literal text and every segment that has a single value.
    const conds = mergeAll(segments.filter((s) => s.alts.length === 1).map((s) => s.alts[0].conds));
    const parts = segments.flatMap(({ source, alts }): Template => {
      if (alts.length === 1) return alts[0].value;
      return [{ hole: namedHole(source, alts.some((a) => mayContainNewline(str(a.value))), collapsedScope(scope, alts)) }];
    });
    return [{ value: str(parts), conds: conds ?? [] }];
  }
  return finish(combos.map((c) => ({ value: str(c.value.flat()), conds: c.conds })));
}

/**
 * Evaluates an `if:` value: a bare expression, or one wrapped in `${{ }}`. Text mixing `${{ }}` with other text
 * is a string (truthy unless empty), as in Actions. Values are booleans, or unknown when undecided.
 * `success()` and `always()` are taken as true; `failure()` and `cancelled()` are undecided.
 */
export function evaluateCondition(text: string, scope: Scope, cache?: ExpressionCache): Sym {
  const pieces = splitInterpolation(text);
  const exprs = pieces.filter((p) => "expr" in p);
  let branches: Branch[];
  let source = text.trim();
  if (exprs.length === 0) branches = run(text, 0, scope, cache);
  else if (exprs.length === 1 && pieces.every((p) => "expr" in p || p.lit.trim() === "")) {
    branches = run(exprs[0].expr, exprs[0].offset, scope, cache);
    source = exprs[0].expr.trim();
  } else branches = evaluateInterpolated(text, scope, cache);
  return finish(
    branches.map((b) => {
      const t = truthOf(b);
      const value = t !== undefined ? bool(t) : b.value.kind === "unknown" ? b.value : boolHole(source);
      return { value, conds: b.conds };
    }),
  );
}

/** An alternative during evaluation; `truth` is set when a branch condition fixed the value's truthiness. */
interface Branch extends Alt {
  truth?: boolean;
  /** The value of a ternary idiom's `cond && value`, presumed set (see `Evaluation.logical`). */
  presumed?: boolean;
}

/** The `&&` expression a node is, through parentheses. */
function andExpression(node: Expr): Logical | undefined {
  const inner = node instanceof Grouping ? andExpression(node.group) : node;
  return inner instanceof Logical && inner.operator.type === TokenType.AND ? inner : undefined;
}

/** A known index key, with its canonical spelling in hole sources (`.name`, `[0]`, `['a b']`). */
interface Key {
  str: string;
  num: number;
  display: string;
}

/** An index that is not a single known key. */
type OpenKey = "star" | "unknown" | "invalid";

/** A context path not resolved yet: `steps.meta.outputs.tags` is looked up as a whole before its prefixes. */
interface Ref {
  context: string;
  keys: Key[];
}

type Item = Branch | { ref: Ref; conds: string[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function run(expr: string, base: number, scope: Scope, cache?: ExpressionCache): Branch[] {
  const parsed = cache ? cache.parse(expr, base) : new ParsedExpression(expr, base);
  return new Evaluation(parsed, scope).eval(parsed.ast);
}

function finish(branches: Branch[]): Sym {
  return dedupe(branches.map(({ value, conds }) => ({ value, conds })));
}

/**
 * Drops repeated alternatives (same value, conditions and truth); a single alternative, or a list known to have
 * no repeats (a step's outputs, read as they are), is returned as is.
 */
function dedupe<T extends Branch>(branches: T[]): T[] {
  if (branches.length < 2 || isDistinct(branches)) return branches;
  const seen = new Set<string>();
  return branches.filter((b) => {
    const key = JSON.stringify([b.value, b.conds, b.truth]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const negate = (cond: string) => `!(${cond})`;

/** Union of condition lists in order; undefined when they contradict (`c` and `!(c)`). */
function mergeConds(a: string[], b: string[]): string[] | undefined {
  const out = [...a];
  for (const c of b) if (!out.includes(c)) out.push(c);
  return out.some((c) => out.includes(negate(c))) ? undefined : out;
}

function mergeAll(lists: string[][]): string[] | undefined {
  return lists.reduce<string[] | undefined>((acc, l) => acc && mergeConds(acc, l), []);
}

/** Cross product of alternative lists; undefined when it would exceed {@link MAX_ALTERNATIVES}. */
function product<T>(lists: Alt<T>[][]): Alt<T[]>[] | undefined {
  if (lists.reduce((n, l) => n * l.length, 1) > MAX_ALTERNATIVES) return undefined;
  let combos: Alt<T[]>[] = [{ value: [], conds: [] }];
  for (const list of lists) {
    combos = combos.flatMap((c) =>
      list.flatMap((alt) => {
        const conds = mergeConds(c.conds, alt.conds);
        return conds ? [{ value: [...c.value, alt.value], conds }] : [];
      }),
    );
  }
  return combos;
}

function str(parts: Template): Val {
  return { kind: "str", parts: normalizeTemplate(parts) };
}

function asString(v: Val): Val {
  return v.kind === "str" ? v : str(toTemplate(v));
}

function namedHole(source: string, multiline: boolean, identity: Pick<Hole, "scope"> = {}): Hole {
  return { source, ...(multiline ? { multiline } : {}), ...identity };
}

/**
 * Truthiness of an alternative under its conditions: a value that is a single hole is truthy where the
 * conditions already say so (`inputs.tag && inputs.tag` decides the second operand).
 */
function truthOf(b: Branch, conds = b.conds): boolean | undefined {
  const t = b.truth ?? truthiness(b.value);
  if (t !== undefined) return t;
  const parts = toTemplate(b.value);
  if (parts.length !== 1 || isLit(parts[0])) return undefined;
  const source = parts[0].hole.source;
  if (conds.includes(source)) return true;
  return conds.includes(negate(source)) ? false : undefined;
}

/** The value of `alt` on the branch where its truthiness is `truthy`. */
function assume(alt: Branch, truthy: boolean, conds: string[]): Branch {
  const v = alt.value;
  if (v.kind === "unknown" && v.hole.pattern === BOOL_PATTERN) return { value: bool(truthy), conds };
  // An undecided string is all holes; falsy means empty.
  if (v.kind === "str" && !truthy) return { value: lit(""), conds };
  return { value: v, conds, truth: truthy };
}

function keyOf(v: Val): Key | OpenKey {
  const named = (s: string, num: number): Key => ({
    str: s,
    num,
    display: IDENTIFIER.test(s) ? `.${s}` : `['${s.replaceAll("'", "''")}']`,
  });
  switch (v.kind) {
    case "str": {
      const s = templateLiteral(v.parts);
      return s === undefined ? "unknown" : named(s, Number(s));
    }
    case "num": {
      const s = numberToString(v.value);
      return { str: s, num: v.value, display: `[${s}]` };
    }
    case "bool":
      return named(String(v.value), v.value ? 1 : 0);
    case "null":
      return named("", 0);
    case "unknown":
      return "unknown";
    default:
      return "invalid";
  }
}

/** `v[key]` per Actions: objects by name (ignoring case), arrays by integer index, anything else null. */
function indexKey(v: Val, key: Key): Val {
  switch (v.kind) {
    case "unknown":
      return hole(v.hole.source + key.display, scoped(v.hole));
    case "object":
      return field(v.fields, key.str) ?? NULL;
    case "array": {
      const i = Math.floor(key.num);
      return Number.isFinite(i) && i >= 0 && i < v.items.length ? v.items[i] : NULL;
    }
    default:
      return NULL;
  }
}

/** `v.*` or `v[<unknown>]`; `name` names `v` when it has no hole of its own. */
function indexOpen(v: Val, key: OpenKey, name: string): Val {
  if (key === "invalid") return NULL;
  const suffix = key === "star" ? ".*" : "[*]";
  if (v.kind === "unknown") return hole(v.hole.source + suffix, scoped(v.hole));
  if (v.kind === "object" || v.kind === "array") return hole(name + suffix);
  return key === "star" ? { kind: "array", items: [] } : NULL;
}

function refSource(ref: Ref, length = ref.keys.length): string {
  return ref.context + ref.keys.slice(0, length).map((k) => k.display).join("");
}

class Evaluation implements ExprVisitor<Branch[]> {
  private readonly memo = new Map<Expr, Branch[]>();

  constructor(
    private readonly parsed: ParsedExpression,
    private readonly scope: Scope,
  ) {}

  eval(node: Expr): Branch[] {
    let result = this.memo.get(node);
    if (!result) {
      result = dedupe(node.accept(this));
      if (result.length > MAX_ALTERNATIVES) result = [this.collapse(node, result)];
      this.memo.set(node, result);
    }
    return result;
  }

  private text(node: Expr): string {
    return this.parsed.text(node);
  }

  /** One hole for a node with too many alternatives. */
  private collapse(node: Expr, alts: Branch[]): Branch {
    const multiline = alts.some((a) => mayContainNewline(a.value));
    return { value: { kind: "unknown", hole: namedHole(this.text(node), multiline, collapsedScope(this.scope, alts)) }, conds: [] };
  }

  /** Applies `f` to every combination of the arguments' alternatives. */
  private combine(node: Expr, args: Expr[], f: (vals: Val[]) => Val): Branch[] {
    const lists = args.map((a) => this.eval(a));
    const combos = product(lists);
    if (!combos) return [this.collapse(node, lists.flat())];
    return combos.map((c) => ({ value: f(c.value), conds: c.conds }));
  }

  visitLiteral(literal: Literal): Branch[] {
    const token = literal.token;
    const just = (value: Val): Branch[] => [{ value, conds: [] }];
    switch (token.type) {
      case TokenType.STRING:
        // From the lexeme: the lexer's own value unescapes only the first ''.
        return just(lit(token.lexeme.slice(1, -1).replaceAll("''", "'")));
      case TokenType.IDENTIFIER:
        return just(lit(token.lexeme));
      case TokenType.NUMBER:
        return just({ kind: "num", value: Number(token.value) });
      case TokenType.TRUE:
      case TokenType.FALSE:
        return just(bool(token.type === TokenType.TRUE));
      default:
        return just(NULL);
    }
  }

  visitUnary(unary: Unary): Branch[] {
    return this.eval(unary.expr).map((alt) => {
      const t = truthOf(alt);
      return { value: t === undefined ? boolHole(this.text(unary)) : bool(!t), conds: alt.conds };
    });
  }

  visitBinary(binary: Binary): Branch[] {
    const op = binary.operator.lexeme as CompareOp;
    return this.combine(binary, [binary.left, binary.right], ([l, r]) => {
      const result = compare(op, l, r);
      return result === undefined ? boolHole(this.text(binary)) : bool(result);
    });
  }

  visitLogical(logical: Logical): Branch[] {
    return this.logical(logical, false);
  }

  /**
   * `&&` and `||`, operand by operand. `ternaryHead`: this `&&` is the left operand of an `||`, the ternary idiom
   * `cond && value || fallback`; a `value` whose truthiness is unknown (a step output, an input) is presumed set, as
   * the idiom is written for, so the fallback is not taken on the strength of it being empty. The value's branch
   * keeps its condition.
   */
  private logical(logical: Logical, ternaryHead: boolean): Branch[] {
    const isAnd = logical.operator.type === TokenType.AND;
    const args = logical.args;
    const out: Branch[] = [];
    const walk = (i: number, conds: string[]): void => {
      const text = this.text(args[i]);
      const head = !isAnd && i < args.length - 1 ? andExpression(args[i]) : undefined;
      for (const alt of head ? this.logical(head, true) : this.eval(args[i])) {
        if (out.length > MAX_ALTERNATIVES) return;
        const c = mergeConds(conds, alt.conds);
        if (!c) continue;
        const t = truthOf(alt, c);
        if (i === args.length - 1) {
          const presumed = ternaryHead && t === undefined && !(alt.value.kind === "unknown" && alt.value.hole.pattern === BOOL_PATTERN);
          out.push(presumed ? { ...alt, conds: c, presumed } : { ...alt, conds: c });
        } else if (t === isAnd) walk(i + 1, c);
        else if (t !== undefined) out.push(alt.presumed ? { value: alt.value, conds: c, truth: t } : { ...alt, conds: c });
        else if (isAnd) {
          // Undecided `&&`: the next operand when truthy, this value when falsy.
          const truthy = mergeConds(c, [text]);
          if (truthy) walk(i + 1, truthy);
          const falsy = mergeConds(c, [negate(text)]);
          if (falsy) out.push(assume(alt, false, falsy));
        } else {
          // Undecided `||`: this value when truthy, the next operand when falsy (not for a ternary's presumed value).
          const truthy = mergeConds(c, [text]);
          if (truthy) out.push(assume(alt, true, truthy));
          const falsy = alt.presumed ? undefined : mergeConds(c, [negate(text)]);
          if (falsy) walk(i + 1, falsy);
        }
      }
    };
    walk(0, []);
    return out;
  }

  visitGrouping(grouping: Grouping): Branch[] {
    return this.eval(grouping.group);
  }

  visitContextAccess(contextAccess: ContextAccess): Branch[] {
    return this.resolveItems(this.access(contextAccess));
  }

  visitIndexAccess(indexAccess: IndexAccess): Branch[] {
    return this.resolveItems(this.access(indexAccess));
  }

  visitFunctionCall(call: FunctionCall): Branch[] {
    const text = this.text(call);
    const decide = (f: (a: Val, b: Val) => boolean | undefined) =>
      this.combine(call, call.args, ([a, b]) => {
        const result = f(a, b);
        return result === undefined ? boolHole(text) : bool(result);
      });
    // The parser admits only these names (case-insensitive).
    switch (call.functionName.lexeme.toLowerCase()) {
      case "case":
        return this.caseOf(call);
      case "success":
      case "always":
        return [{ value: bool(true), conds: [] }];
      case "failure":
      case "cancelled":
        return [{ value: boolHole(text), conds: [] }];
      case "hashfiles":
        return [{ value: strHole(hashHole(text)), conds: [] }];
      case "contains":
        return decide(containsVal);
      case "startswith":
        return decide(startsWithVal);
      case "endswith":
        return decide(endsWithVal);
      case "format":
        return this.combine(call, call.args, (vals) => this.format(call, vals));
      case "join":
        return this.combine(call, call.args, ([v, sep]) => {
          const parts = joinVal(v, sep);
          return parts ? str(parts) : strHole(namedHole(text, sep !== undefined && mayContainNewline(sep), derivedScope([v, sep])));
        });
      case "tojson":
        return this.combine(call, call.args, ([v]) => this.toJson(v, call.args[0]));
      default:
        return this.combine(call, call.args, ([v]) => this.fromJson(v, call.args[0]));
    }
  }

  /** `case(pred1, val1, …, default)`: every reachable value, with the predicates taken or skipped. */
  private caseOf(call: FunctionCall): Branch[] {
    const args = call.args;
    const out: Branch[] = [];
    const emit = (node: Expr, conds: string[]) => {
      for (const v of this.eval(node)) {
        const c = mergeConds(conds, v.conds);
        if (c) out.push({ ...v, conds: c });
      }
    };
    const walk = (i: number, conds: string[]): void => {
      if (i === args.length - 1) return emit(args[i], conds);
      const text = this.text(args[i]);
      for (const pred of this.eval(args[i])) {
        if (out.length > MAX_ALTERNATIVES) return;
        const c = mergeConds(conds, pred.conds);
        if (!c) continue;
        const t = truthOf(pred, c);
        const taken = t === undefined ? mergeConds(c, [text]) : c;
        const skipped = t === undefined ? mergeConds(c, [negate(text)]) : c;
        if (t !== false && taken) emit(args[i + 1], taken);
        if (t !== true && skipped) walk(i + 2, skipped);
      }
    };
    walk(0, []);
    return out;
  }

  private format(call: FunctionCall, vals: Val[]): Val {
    const fmt = templateLiteral(toTemplate(vals[0]));
    if (fmt === undefined) return strHole(namedHole(this.text(call), vals.some(mayContainNewline), derivedScope(vals)));
    const result = formatTemplate(fmt, vals.slice(1).map(toTemplate));
    if ("error" in result) throw new ExpressionSyntaxError(result.error, this.parsed.start(call.args[0]));
    return str(result.parts);
  }

  /** How a value is named inside a function-call hole: its own hole, else the argument's text. */
  private nameOf(v: Val, node: Expr): string {
    const t = toTemplate(v);
    return t.length === 1 && !isLit(t[0]) ? t[0].hole.source : this.text(node);
  }

  private toJson(v: Val, arg: Expr): Val {
    const plain = toPlain(v);
    if (plain !== undefined) return { kind: "str", parts: [{ lit: JSON.stringify(plain, null, 2) }], json: v };
    const scalar = v.kind === "str" || v.kind === "num" || v.kind === "bool" || v.kind === "null";
    return { kind: "str", parts: [{ hole: namedHole(`toJSON(${this.nameOf(v, arg)})`, !scalar, derivedScope([v])) }], json: v };
  }

  private fromJson(v: Val, arg: Expr): Val {
    if (v.kind === "str" && v.json) return v.json;
    const text = templateLiteral(toTemplate(v));
    return (text === undefined ? undefined : parseJson(text)) ?? hole(`fromJSON(${this.nameOf(v, arg)})`, derivedScope([v]));
  }

  private resolveItems(items: Item[]): Branch[] {
    // A value read whole is the scope's list itself (no copy to check for repeats again).
    if (items.length === 1 && "ref" in items[0] && items[0].conds.length === 0) return this.resolveRef(items[0].ref);
    return items.flatMap((item) => {
      if (!("ref" in item)) return [item];
      return this.resolveRef(item.ref).flatMap((b) => {
        const conds = mergeConds(item.conds, b.conds);
        return conds ? [{ value: b.value, conds }] : [];
      });
    });
  }

  /** A context access, kept as a path while its keys are known. */
  private access(node: Expr): Item[] {
    if (node instanceof ContextAccess) {
      return [{ ref: { context: node.name.lexeme.toLowerCase(), keys: [] }, conds: [] }];
    }
    if (node instanceof IndexAccess) return this.index(node);
    return this.eval(node);
  }

  private index(node: IndexAccess): Item[] {
    const bases = this.access(node.expr);
    const keys: Alt<Key | OpenKey>[] =
      node.index instanceof Star
        ? [{ value: "star", conds: [] }]
        : this.eval(node.index).map((b) => ({ value: keyOf(b.value), conds: b.conds }));
    if (bases.length * keys.length > MAX_ALTERNATIVES) {
      return [this.collapse(node, bases.filter((b): b is Branch => !("ref" in b)))];
    }
    const out: Item[] = [];
    for (const base of bases) {
      for (const { value: key, conds: keyConds } of keys) {
        const conds = mergeConds(base.conds, keyConds);
        if (!conds) continue;
        if (!("ref" in base)) {
          const value =
            typeof key === "string" ? indexOpen(base.value, key, this.text(node.expr)) : indexKey(base.value, key);
          out.push({ value, conds });
        } else if (typeof key !== "string") {
          out.push({ ref: { context: base.ref.context, keys: [...base.ref.keys, key] }, conds });
        } else {
          for (const b of this.resolveRef(base.ref)) {
            const c = mergeConds(conds, b.conds);
            if (c) out.push({ value: indexOpen(b.value, key, refSource(base.ref)), conds: c });
          }
        }
      }
    }
    return out;
  }

  /** Looks a path up in the scope, longest known prefix first, then indexes into what it returned. */
  private resolveRef(ref: Ref): Branch[] {
    for (let n = ref.keys.length; n >= 0; n--) {
      const sym = this.scope.resolve([ref.context, ...ref.keys.slice(0, n).map((k) => k.str)]);
      if (sym) {
        const rest = ref.keys.slice(n);
        if (rest.length === 0) return sym;
        return sym.map((alt) => ({ value: rest.reduce(indexKey, alt.value), conds: alt.conds }));
      }
    }
    const scope = this.scope.holeScope?.([ref.context, ...ref.keys.map((k) => k.str)]);
    return [{ value: hole(refSource(ref), scope === undefined ? {} : { scope }), conds: [] }];
  }
}
