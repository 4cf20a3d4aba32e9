/**
 * Parsing GitHub Actions expressions with GitHub's own lexer and parser (`@actions/expressions`), plus what the
 * parser does not keep: source offsets of every node (for branch conditions and error positions) and the
 * splitting of a YAML string into literal text and `${{ … }}` segments.
 */

import { Lexer, Parser } from "@actions/expressions";
import type { Expr, ExprVisitor, Literal, Logical, Unary } from "@actions/expressions/ast";
import { Binary, ContextAccess, FunctionCall, Grouping, IndexAccess, Star } from "@actions/expressions/ast";
import { ExpressionError } from "@actions/expressions/errors";
import type { Token } from "@actions/expressions/lexer";
import { TokenType } from "@actions/expressions/lexer";

/** A malformed expression; `offset` is the position of the problem inside the string handed to the evaluator. */
export class ExpressionSyntaxError extends Error {
  offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = "ExpressionSyntaxError";
    this.offset = offset;
  }
}

/** Context names the parser accepts. */
export const CONTEXTS = [
  "github",
  "env",
  "inputs",
  "matrix",
  "steps",
  "needs",
  "vars",
  "secrets",
  "job",
  "jobs",
  "runner",
  "strategy",
];

/** Functions beyond the parser's built-in ones (format, case, contains, …). */
const EXTRA_FUNCTIONS = [
  { name: "success", minArgs: 0, maxArgs: 0 },
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "failure", minArgs: 0, maxArgs: 0 },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];

/** Characters the lexer skips between tokens. */
const LEXER_WHITESPACE = new Set([" ", "\t", "\r", "\n"]);

/** A parsed expression that can answer where each node came from. */
export class ParsedExpression {
  readonly ast: Expr;
  private readonly offsets = new Map<Token, number>();
  private readonly ranges: TokenRanges;

  /**
   * @param source the expression text (inside `${{ }}`)
   * @param base offset of `source` inside the caller's text; all reported offsets include it
   */
  constructor(
    readonly source: string,
    readonly base: number,
  ) {
    const tokens = lex(source, base);
    let cursor = 0;
    for (const token of tokens) {
      while (LEXER_WHITESPACE.has(source[cursor])) cursor++;
      this.offsets.set(token, cursor);
      cursor += token.lexeme.length;
    }
    this.ranges = new TokenRanges(tokens);
    let ast: Expr | undefined;
    try {
      ast = new Parser(tokens, CONTEXTS, EXTRA_FUNCTIONS).parse();
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      // Every parser error names one of the tokens, by its start position.
      const at = tokens.find((t) => t.range.start.line === e.pos.line && t.range.start.column === e.pos.column)!;
      throw new ExpressionSyntaxError(e.message, base + this.offsets.get(at)!);
    }
    if (!ast) throw new ExpressionSyntaxError("An expression was expected", base);
    this.ast = ast;
  }

  /** The exact source text of a node. */
  text(node: Expr): string {
    const [first, last] = this.ranges.of(node);
    return this.source.slice(this.offsets.get(first)!, this.offsets.get(last)! + last.lexeme.length);
  }

  /** Offset of a node's first character in the caller's text. */
  start(node: Expr): number {
    return this.base + this.offsets.get(this.ranges.of(node)[0])!;
  }
}

function lex(source: string, base: number): Token[] {
  try {
    return new Lexer(source).lex().tokens;
  } catch (e) {
    const message = (e as Error).message;
    const at = /Located at position (\d+)/.exec(message);
    throw new ExpressionSyntaxError(message, base + (at ? Number(at[1]) - 1 : 0));
  }
}

/** First and last token of every node; the AST keeps only some tokens, the rest are found by neighbourhood. */
class TokenRanges implements ExprVisitor<[number, number]> {
  private readonly index = new Map<Token, number>();

  constructor(private readonly tokens: Token[]) {
    tokens.forEach((t, i) => this.index.set(t, i));
  }

  of(node: Expr): [Token, Token] {
    const [first, last] = node.accept(this);
    return [this.tokens[first], this.tokens[last]];
  }

  private at(token: Token): number {
    return this.index.get(token)!;
  }

  visitLiteral(literal: Literal): [number, number] {
    const i = this.at(literal.token);
    return [i, i];
  }

  visitUnary(unary: Unary): [number, number] {
    return [this.at(unary.operator), unary.expr.accept(this)[1]];
  }

  visitBinary(binary: Binary): [number, number] {
    return [binary.left.accept(this)[0], binary.right.accept(this)[1]];
  }

  visitLogical(logical: Logical): [number, number] {
    return [logical.args[0].accept(this)[0], logical.args[logical.args.length - 1].accept(this)[1]];
  }

  visitGrouping(grouping: Grouping): [number, number] {
    const [first, last] = grouping.group.accept(this);
    return [first - 1, last + 1];
  }

  visitContextAccess(contextAccess: ContextAccess): [number, number] {
    const i = this.at(contextAccess.name);
    return [i, i];
  }

  visitIndexAccess(indexAccess: IndexAccess): [number, number] {
    const [first, last] = indexAccess.expr.accept(this);
    // `.name` / `.*` end one token after the dot; `[*]` ends at its bracket; `[expr]` right after expr.
    if (this.tokens[last + 1].type === TokenType.DOT) return [first, last + 2];
    if (indexAccess.index instanceof Star) return [first, last + 3];
    return [first, indexAccess.index.accept(this)[1] + 1];
  }

  visitFunctionCall(functionCall: FunctionCall): [number, number] {
    const first = this.at(functionCall.functionName);
    const args = functionCall.args;
    let close = args.length ? args[args.length - 1].accept(this)[1] + 1 : first + 2;
    if (this.tokens[close].type === TokenType.COMMA) close++;
    return [first, close];
  }
}

/** A piece of a YAML string: literal text or the expression inside one `${{ … }}`. */
export type Piece = { lit: string } | { expr: string; offset: number };

/**
 * Splits text into literal pieces and `${{ … }}` expressions. The closing `}}` is searched outside of
 * single-quoted strings, so `${{ format('{{0}}', x) }}` is one expression.
 */
export function splitInterpolation(text: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf("${{", i);
    if (open < 0) break;
    if (open > i) pieces.push({ lit: text.slice(i, open) });
    let j = open + 3;
    let quoted = false;
    while (j < text.length && (quoted || !text.startsWith("}}", j))) {
      if (text[j] === "'") quoted = !quoted;
      j++;
    }
    if (j >= text.length) throw new ExpressionSyntaxError("Unterminated expression: '${{' without '}}'", open);
    pieces.push({ expr: text.slice(open + 3, j), offset: open + 3 });
    i = j + 2;
  }
  if (i < text.length) pieces.push({ lit: text.slice(i) });
  return pieces;
}
