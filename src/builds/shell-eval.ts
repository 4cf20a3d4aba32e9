import type { StepVisit } from "../engine/walk.js";
import { toTemplate } from "../workflow/expr/evaluate.js";
import { type Hole, splitTemplate, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import type { Pos, Span } from "../workflow/span.js";
import type { ScalarValue, Segment } from "../workflow/yaml.js";
import { concatAlternatives, only, type TemplateAlt } from "./alternatives.js";
import { type Item, subSpan } from "./items.js";
import type { ShellWord, WordPart } from "./shell-words.js";

/**
 * A `run:` script's text with the way back to the workflow file: each line of a literal block scalar
 * is an exact segment, so index i of the script has a precise position; folded or escaped scalars map
 * every index to the whole value.
 */
export class ScriptText {
  readonly text: string;
  private readonly lines: { start: number; segment: Segment }[] = [];

  constructor(private readonly value: ScalarValue) {
    const joined = value.segments.map((s) => s.text).join("\n");
    const segments = joined === value.value.replace(/\n+$/, "") ? value.segments : [{ text: value.value, span: value.span, exact: false }];
    this.text = segments.map((s) => s.text).join("\n");
    let start = 0;
    for (const segment of segments) {
      this.lines.push({ start, segment });
      start += segment.text.length + 1;
    }
  }

  private line(index: number): { start: number; segment: Segment } {
    let k = this.lines.length - 1;
    while (k > 0 && this.lines[k].start > index) k--;
    return this.lines[k];
  }

  private pos(index: number, side: "start" | "end"): Pos {
    const { start, segment } = this.line(index);
    if (!segment.exact) return side === "start" ? segment.span.start : segment.span.end;
    const i = Math.min(index - start, segment.text.length);
    const at = segment.span.start;
    return { line: at.line, col: at.col + i, offset: at.offset + i };
  }

  /** The source span of script characters [start, end). */
  span(start: number, end: number): Span {
    return { file: this.value.span.file, start: this.pos(start, "start"), end: this.pos(Math.max(start, end), "end"), path: this.value.span.path };
  }

  /** Script characters [start, end) as a segment: exact when they sit on one exact line. */
  segment(start: number, end: number): Segment {
    const a = this.line(start);
    const exact = a.segment.exact && a === this.line(Math.max(start, end - 1)) && end - a.start <= a.segment.text.length;
    return { text: this.text.slice(start, end), span: this.span(start, end), exact };
  }
}

/** Where a script's words are evaluated. */
export interface ShellContext {
  visit: StepVisit;
  script: ScriptText;
  /** Shell variables assigned earlier in the script. */
  vars: Map<string, TemplateAlt[]>;
  /** Variables exported to the environment of the commands the script runs. */
  exported: Set<string>;
  /** The working directory, relative to the repository root; undefined when unknown. */
  cwd: string | undefined;
}

/** Runner variables that name files, not values. */
const RUNNER_FILES = new Set(["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE"]);

/** Text with `${{ }}` evaluated in the step's scope, as template alternatives. */
function fromSym(visit: StepVisit, text: string, span: Span): TemplateAlt[] {
  return visit.evaluate(text, span).map((a) => ({ value: toTemplate(a.value), conds: a.conds }));
}

/**
 * A variable of the step's process environment: `env:` of the workflow, job and step (and values earlier
 * steps wrote to `$GITHUB_ENV`), then the runner's `GITHUB_*` defaults, read from the `github` context.
 */
export function processEnv(visit: StepVisit, name: string, span: Span): TemplateAlt[] | undefined {
  const sym = visit.frame.env.get(name);
  if (sym) return sym.map((a) => ({ value: toTemplate(a.value), conds: a.conds }));
  if (name.startsWith("GITHUB_") && !RUNNER_FILES.has(name)) return fromSym(visit, `\${{ github.${name.slice(7).toLowerCase()} }}`, span);
  return undefined;
}

/** Whether a hole stands for text the shell computes (`$(…)`, `${NAME…}`, an unset `$NAME`), not a GitHub value. */
export function isShellHole(hole: Hole): boolean {
  return /^[$`]/.test(hole.source);
}

/** The value of `$name` in the script at this point; unknown variables are holes named `$NAME`. */
function shellVariable(ctx: ShellContext, name: string, span: Span): TemplateAlt[] {
  return ctx.vars.get(name) ?? processEnv(ctx.visit, name, span) ?? only([{ hole: { source: `$${name}`, scope: ctx.visit.instance, display: `$${name}` } }]);
}

function partSource(ctx: ShellContext, p: WordPart): string {
  return ctx.script.text.slice(p.start, p.end);
}

function partAlternatives(ctx: ShellContext, p: WordPart): TemplateAlt[] {
  switch (p.kind) {
    case "lit":
      return only([{ lit: p.text }]);
    case "var":
      return shellVariable(ctx, p.name, ctx.script.span(p.start, p.end));
    case "expr":
      return fromSym(ctx.visit, p.source, ctx.script.span(p.start, p.end));
    case "dynamic":
      return only([{ hole: { source: p.source, scope: ctx.visit.instance, display: p.source } }]);
  }
}

/** Every value a word may take (GitHub substitutes `${{ }}` first, then the shell expands variables). */
export function wordAlternatives(word: ShellWord, ctx: ShellContext): TemplateAlt[] {
  const pieces = word.parts.map((p) => partAlternatives(ctx, p));
  return concatAlternatives(pieces, (i): Hole => ({ source: partSource(ctx, word.parts[i]), scope: ctx.visit.instance, display: partSource(ctx, word.parts[i]) }));
}

/**
 * A word as build model items, one per alternative (and per comma-separated field with `commas`), spanning
 * the word's value without its surrounding quotes.
 */
export function wordItems(word: ShellWord, ctx: ShellContext, commas = false): Item[] {
  const first = word.parts[0];
  const last = word.parts[word.parts.length - 1];
  if (!first || !last) return [];
  const segment = ctx.script.segment(first.start, last.end);
  const derived = word.parts.some((p) => p.kind !== "lit");
  const alts = wordAlternatives(word, ctx);
  return alts.flatMap((alt, index) => {
    const values = (commas ? splitTemplate(alt.value, /,/) : [alt.value]).map(trimTemplate).filter((t) => t.length > 0);
    return values.map((value): Item => {
      const literal = templateLiteral(value);
      const span = !derived && literal !== undefined && commas ? subSpan(segment, literal) : segment.span;
      return { value, conds: alt.conds, span, segment, derived, alt: index, alts: alts.length };
    });
  });
}
