/**
 * Conditions as text, compared without evaluating them: the `&&` operands of an `if:`, and whether two of them
 * are each other's negation. Steps guarded by complementary conditions never both run, and metadata-action
 * `enable=` values written as complementary expressions are never both true.
 */

/** An `if:` condition or `${{ }}` expression as comparable text: without `${{ }}` and with white space folded. */
export function conditionText(text: string): string {
  return text
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** The binary operators of `text` outside parentheses and quotes, with where they start. */
function operators(text: string): { op: string; at: number }[] {
  const out: { op: string; at: number }[] = [];
  let depth = 0;
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quote = !quote;
    else if (quote) continue;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (depth === 0) {
      const op = ["&&", "||", "==", "!=", "<=", ">=", "<", ">"].find((o) => text.startsWith(o, i));
      if (op) {
        out.push({ op, at: i });
        i += op.length - 1;
      }
    }
  }
  return out;
}

/** The top-level `&&` operands of a condition (outside parentheses, quotes and calls). */
export function conjuncts(text: string): string[] {
  return operands(text, "&&");
}

/** The top-level `||` operands of a condition; `&&` binds tighter, so `a || b && c` is `a` and `b && c`. */
export function disjuncts(text: string): string[] {
  return operands(stripParens(text.trim()), "||");
}

/** The operands of `text` around its top-level `op`s, each without enclosing parentheses. */
function operands(text: string, op: "&&" | "||"): string[] {
  const out: string[] = [];
  let start = 0;
  for (const o of operators(text)) {
    if (o.op !== op) continue;
    out.push(stripParens(text.slice(start, o.at).trim()));
    start = o.at + 2;
  }
  out.push(stripParens(text.slice(start).trim()));
  return out;
}

/** `(x)` as `x` when the parentheses enclose the whole text. */
function stripParens(text: string): string {
  if (!text.startsWith("(") || !text.endsWith(")")) return text;
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    if (depth === 0) return text;
  }
  return stripParens(text.slice(1, -1).trim());
}

/**
 * A condition as a positive form and whether it negates it: `!x` is `x` negated, `a != b` is `a == b` negated.
 * `!` binds tighter than any binary operator, so `!a && !b` is a conjunction, kept whole and not negated.
 */
export function polarity(text: string): { positive: string; negated: boolean } {
  let found = polarities.get(text);
  if (!found) {
    if (polarities.size >= POLARITY_CACHE_SIZE) polarities.clear();
    polarities.set(text, (found = polarityOf(text)));
  }
  return found;
}

/** `polarity` by text: the same conditions are read in every world of a metadata-action and every pair of steps. */
const polarities = new Map<string, { positive: string; negated: boolean }>();
const POLARITY_CACHE_SIZE = 4096;

function polarityOf(text: string): { positive: string; negated: boolean } {
  const t = stripParens(text.trim());
  const ops = operators(t);
  if (ops.length === 0 && t.startsWith("!")) {
    const inner = polarityOf(t.slice(1));
    return { positive: inner.positive, negated: !inner.negated };
  }
  if (ops.length === 1 && (ops[0].op === "==" || ops[0].op === "!=")) {
    const { op, at } = ops[0];
    return { positive: `${t.slice(0, at).trim()} == ${t.slice(at + 2).trim()}`, negated: op === "!=" };
  }
  return { positive: t, negated: false };
}

/** Whether one condition is the negation of the other: `!x` / `x`, `a == b` / `a != b`. */
export function complementary(p: string, q: string): boolean {
  const [a, b] = [polarity(p), polarity(q)];
  return a.positive === b.positive && a.negated !== b.negated;
}

/** `x == 'a'` as its operand and literal (either way round); undefined for any other condition. */
function equalsLiteral(text: string): { operand: string; literal: string } | undefined {
  const { positive, negated } = polarity(text);
  if (negated) return undefined;
  const m = /^(.*?) == (.*)$/.exec(positive);
  if (!m) return undefined;
  const quoted = (t: string) => (/^'(?:[^']|'')*'$/.test(t) ? t.slice(1, -1).replace(/''/g, "'") : undefined);
  const [left, right] = [m[1].trim(), m[2].trim()];
  const [l, r] = [quoted(left), quoted(right)];
  if (r !== undefined && l === undefined) return { operand: left, literal: r };
  if (l !== undefined && r === undefined) return { operand: right, literal: l };
  return undefined;
}

/**
 * Whether two conditions never hold together: one is the other's negation (`complementary`), or both compare the same
 * value with different strings (`x == 'true'` and `x == 'false'`; Actions compares strings ignoring case).
 */
export function incompatible(p: string, q: string): boolean {
  if (complementary(p, q)) return true;
  const [a, b] = [equalsLiteral(p), equalsLiteral(q)];
  return a !== undefined && b !== undefined && a.operand === b.operand && a.literal.toLowerCase() !== b.literal.toLowerCase();
}

/** A condition on values every job of a run sees alike (no step output, matrix value, env or runner value). */
export function runWide(cond: string): boolean {
  return !/\b(?:steps|matrix|env|job|runner|strategy)\./.test(cond);
}
