import { ruleDocsUrl } from "../../report/docs-url.js";
import type { Finding, Severity } from "../../report/finding.js";
import type { Span } from "../../workflow/span.js";
import { DiffMap } from "./diff.js";
import { isNoOp, lastLine, type LineReplacement, toLineReplacement } from "../../report/line-replacement.js";
import { allClearMarker, findingMarker } from "./markers.js";

/** GitHub review comments are capped well below what reviewdog allows: the rest goes to the check run (or the body without one). */
export const MAX_INLINE_COMMENTS = 20;
/** GitHub rejects bodies above 65,536 characters; stay clear of it. */
export const MAX_BODY_CHARS = 60_000;
/** An inline comment has fewer words than this before its suggestion (a reviewer reads it in seconds). */
export const MAX_WORDS_BEFORE_SUGGESTION = 80;
/** Sentences of a finding's explanation shown in the first comment on its rule. */
export const MAX_WHY_SENTENCES = 2;
/** A why cut to fit the word limit keeps at least this many words, or is left out. */
const MIN_WHY_WORDS = 8;

export interface ReviewComment {
  path: string;
  line: number;
  side: "RIGHT";
  start_line?: number;
  start_side?: "RIGHT";
  body: string;
}

export interface ReviewDraft {
  body: string;
  comments: ReviewComment[];
}

/** Builds permalinks to the analysed revision: `<html_url>/blob/<sha>/<path>#L<n>`. */
export class Permalinks {
  constructor(
    private readonly repoHtmlUrl: string,
    private readonly sha: string,
  ) {}

  lines(path: string, start: number, end: number): string {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    const anchor = end > start ? `#L${start}-L${end}` : `#L${start}`;
    return `${this.repoHtmlUrl}/blob/${this.sha}/${encoded}${anchor}`;
  }

  span(span: Span): string {
    return `[${span.file}:${span.start.line}](${this.lines(span.file, span.start.line, lastLine(span))})`;
  }
}

export interface ReviewInput {
  findings: readonly Finding[];
  /** The `html_url` of the tagguard check run for this head, which lists every finding; absent when no check run was written. */
  checkUrl?: string;
  diff: DiffMap;
  /** File contents at the head commit, by repository path (used to render fixes). */
  texts: ReadonlyMap<string, string>;
  links: Permalinks;
  /** The docs base rule pages are linked under (see report/docs-url.ts). */
  docsBase: string;
  headSha: string;
  notes: readonly string[];
  maxInline?: number;
  maxBodyChars?: number;
}

/** A fenced code block whose fence is longer than any run of backticks in the content. */
export function fenced(info: string, lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...lines, fence].join("\n");
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** The first finding of each fingerprint (the engine may report one subject from several evaluations). */
export function uniqueByFingerprint(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.fingerprint) && seen.add(f.fingerprint));
}

/** Errors first, then by position: the order of inline comments, body lists and check annotations. */
export function byImportance(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.primary.file < b.primary.file ? -1 : a.primary.file > b.primary.file ? 1 : 0) ||
    a.primary.start.line - b.primary.start.line ||
    a.primary.start.col - b.primary.start.col ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

/** Engine text as Markdown: no HTML comments (they could forge a marker), no line breaks in list items. */
export function markdownText(s: string, oneLine = false): string {
  const safe = s.replaceAll("<!--", "&lt;!--");
  return oneLine ? safe.replace(/\s*\n\s*/g, " ") : safe;
}

export function heading(f: Finding): string {
  return `**${f.severity}** \`${f.ruleId}\` (${f.confidence})`;
}

/** The sentences of engine text: a break after `.`, `!` or `?` and blank space, except after "e.g." and the like. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.trim().split(/(?<=[.!?])\s+/)) {
    if (out.length > 0 && /\b(e\.g|i\.e|vs|etc|cf)\.$/i.test(out[out.length - 1])) out[out.length - 1] += ` ${piece}`;
    else if (piece !== "") out.push(piece);
  }
  return out;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w !== "").length;
}

/** The first `n` words of `text`, with "…" when words were left out. */
function firstWords(text: string, n: number): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  return words.length <= n ? words.join(" ") : `${words.slice(0, Math.max(1, n)).join(" ")}…`;
}

const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** "2 errors (1 possible), 1 warning, 1 info": counts by severity, with how many are only possible. */
export function counts(findings: readonly Finding[]): string {
  const parts: string[] = [];
  for (const severity of SEVERITIES) {
    const of = findings.filter((f) => f.severity === severity);
    if (of.length === 0) continue;
    const possible = of.filter((f) => f.confidence === "possible").length;
    parts.push(`${severity === "info" ? `${of.length} info` : plural(of.length, severity)}${possible > 0 ? ` (${possible} possible)` : ""}`);
  }
  return parts.join(", ");
}

function fixTitle(f: Finding): string {
  if (!f.fix) return "";
  return f.fix.safe ? `**Fix:** ${markdownText(f.fix.title, true)}` : `**Fix (review before applying):** ${markdownText(f.fix.title, true)}`;
}

interface Placement {
  line: number;
  startLine?: number;
}

/** Where a finding can be commented: its whole primary range, else its first line, else nowhere. */
function placement(f: Finding, diff: DiffMap): Placement | undefined {
  const first = f.primary.start.line;
  const last = lastLine(f.primary);
  if (diff.commentable(f.primary.file, first, last)) return last > first ? { line: last, startLine: first } : { line: last };
  if (last > first && diff.commentable(f.primary.file, first, first)) return { line: first };
  return undefined;
}

function replacementOf(f: Finding, texts: ReadonlyMap<string, string>): LineReplacement | undefined {
  if (!f.fix) return undefined;
  const text = texts.get(f.fix.edits[0]?.span.file ?? "");
  if (text === undefined) return undefined;
  const r = toLineReplacement(f.fix, text);
  return r && !isNoOp(r) ? r : undefined;
}

function diffBlock(r: LineReplacement): string {
  return fenced("diff", [...r.before.map((l) => `-${l}`), ...r.after.map((l) => `+${l}`)]);
}

/** How a comment explains its finding: with the why (the first comment on its rule in a review), or by pointing to that comment. */
export type Why = { kind: "explain" } | { kind: "see"; first: Finding };

function docsLink(f: Finding, docsBase: string): string {
  return `[\`${f.ruleId}\` docs](${ruleDocsUrl(f.ruleId, docsBase)})`;
}

/**
 * The body of one inline comment: the headline (the message's first sentence), at most two sentences of
 * why — or, after the first comment on the same rule, a link to it —, the related sites, the fix title,
 * then the suggestion (used only when the fix rewrites exactly the commented lines), the docs link and
 * the marker. Fewer than `MAX_WORDS_BEFORE_SUGGESTION` words precede the suggestion: the related sites
 * are left out, then the second sentence of why, then the why is cut short (or left out), then the
 * headline is cut, until they fit. The check run's annotation has the whole message.
 */
export function commentBody(f: Finding, where: Placement, input: Pick<ReviewInput, "texts" | "links" | "docsBase">, why: Why = { kind: "explain" }): string {
  return renderComment(f, where, input, why).body;
}

/** The comment's body, and whether it gives the why itself (so later comments on the rule can point to it). */
function renderComment(f: Finding, where: Placement, input: Pick<ReviewInput, "texts" | "links" | "docsBase">, why: Why): { body: string; explains: boolean } {
  const [headline = "", ...rest] = sentences(markdownText(f.message, true));
  const title = (text: string) => `**${f.severity}** \`${f.ruleId}\`${f.confidence === "possible" ? " (possible)" : ""}: ${text}`;
  let explanation =
    why.kind === "explain"
      ? rest.slice(0, MAX_WHY_SENTENCES)
      : rest.length > 0
        ? [`Why: see the first \`${f.ruleId}\` comment, on ${input.links.span(why.first.primary)}.`]
        : [];
  let related = f.related.length > 0 ? ["Related:", ...f.related.map((r) => `- ${input.links.span(r.span)}: ${markdownText(r.message, true)}`)].join("\n") : "";
  const fix = f.fix ? fixTitle(f) : "";
  const budget = MAX_WORDS_BEFORE_SUGGESTION - 1;
  const words = () => wordCount([title(headline), ...explanation, related, fix].join(" "));
  if (words() > budget) related = "";
  while (words() > budget && explanation.length > 1) explanation = explanation.slice(0, -1);
  if (words() > budget && why.kind === "explain" && explanation.length === 1) {
    const room = budget - wordCount([title(headline), fix].join(" "));
    explanation = room >= MIN_WHY_WORDS ? [firstWords(explanation[0], room)] : [];
  }
  if (words() > budget) explanation = [];
  const head = words() > budget ? title(firstWords(headline, budget - wordCount([title(""), fix].join(" ")))) : title(headline);

  const parts = [head];
  if (explanation.length > 0) parts.push(explanation.join(" "));
  if (related) parts.push(related);
  if (f.fix) {
    parts.push(fix);
    const r = replacementOf(f, input.texts);
    if (r && r.path === f.primary.file && r.startLine === (where.startLine ?? where.line) && r.endLine === where.line) {
      parts.push(fenced("suggestion", r.after));
    } else if (r) {
      parts.push(`In ${input.links.span(f.fix.edits[0].span)}:\n\n${diffBlock(r)}`);
    }
  }
  parts.push(docsLink(f, input.docsBase));
  parts.push(findingMarker(f.fingerprint, f.ruleId));
  return { body: parts.join("\n\n"), explains: why.kind === "explain" && explanation.length > 0 };
}

function listItem(f: Finding, links: Permalinks, docsBase: string): string {
  const lines = [`- ${heading(f)} at ${links.span(f.primary)}: ${markdownText(f.message, true)} ${docsLink(f, docsBase)} ${findingMarker(f.fingerprint, f.ruleId)}`];
  for (const r of f.related) lines.push(`  - related: ${links.span(r.span)}: ${markdownText(r.message, true)}`);
  if (f.fix) lines.push(`  - ${fixTitle(f)}`);
  return lines.join("\n");
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One review for a batch of new findings: up to `maxInline` inline comments on commentable lines,
 * the findings outside the diff listed in the body, and the findings over the cap pointed to the check
 * run (listed in the body when there is none). Each posted finding carries its marker, so it counts as
 * posted.
 */
export function buildReview(input: ReviewInput): ReviewDraft {
  const maxInline = input.maxInline ?? MAX_INLINE_COMMENTS;
  const maxBody = input.maxBodyChars ?? MAX_BODY_CHARS;
  const comments: ReviewComment[] = [];
  const outside: Finding[] = [];
  const overCap: Finding[] = [];
  /** The first inline comment on each rule that gives the why. */
  const firstOfRule = new Map<string, Finding>();
  for (const f of [...input.findings].sort(byImportance)) {
    const where = placement(f, input.diff);
    if (!where) outside.push(f);
    else if (comments.length >= maxInline) overCap.push(f);
    else {
      const first = firstOfRule.get(f.ruleId);
      const rendered = renderComment(f, where, input, first ? { kind: "see", first } : { kind: "explain" });
      if (!first && rendered.explains) firstOfRule.set(f.ruleId, f);
      comments.push({
        path: f.primary.file,
        ...(where.startLine === undefined ? {} : { start_line: where.startLine, start_side: "RIGHT" as const }),
        line: where.line,
        side: "RIGHT",
        body: rendered.body,
      });
    }
  }

  const summary = `**tagguard** found ${plural(input.findings.length, "new problem")} in the workflows at \`${input.headSha.slice(0, 7)}\`: ${counts(input.findings)}.`;
  const sections: string[] = [
    input.checkUrl === undefined ? summary : `${summary} The [tagguard check](${input.checkUrl}) lists every finding.`,
  ];
  const notes = input.notes.length > 0 ? ["**Notes**", input.notes.map((n) => `- ${markdownText(n, true)}`).join("\n")] : [];
  /** Room kept for the notes and the line about omitted findings. */
  const reserve = notes.reduce((n, s) => n + s.length + 2, 0) + 120 + (input.checkUrl === undefined ? 0 : input.checkUrl.length + 50);
  let length = sections[0].length;
  let omitted = 0;
  const addList = (title: string, items: Finding[]): void => {
    const lines: string[] = [];
    for (const f of items) {
      const item = listItem(f, input.links, input.docsBase);
      if (omitted > 0 || length + title.length + item.length + 4 + reserve > maxBody) {
        omitted++;
        continue;
      }
      if (lines.length === 0) length += title.length + 2;
      lines.push(item);
      length += item.length + 1;
    }
    if (lines.length > 0) sections.push(title, lines.join("\n"));
  };
  /**
   * With a check run, findings over the inline cap are not listed: one line points to the check, and
   * their hidden markers record them as posted (the check run annotates them on every run).
   */
  const pointToCheck = (url: string, items: Finding[]): void => {
    const pointer = (n: number) =>
      `${plural(n, "more finding")} in the diff ${n === 1 ? "is" : "are"} over the limit of ${maxInline} inline comments: the [tagguard check](${url}) annotates every finding.`;
    const markers: string[] = [];
    let size = pointer(items.length).length + 2;
    for (const f of items) {
      const marker = findingMarker(f.fingerprint, f.ruleId);
      if (omitted > 0 || length + size + marker.length + 1 + reserve > maxBody) {
        omitted++;
        continue;
      }
      markers.push(marker);
      size += marker.length + 1;
    }
    if (markers.length === 0) return;
    sections.push(`${pointer(markers.length)} ${markers.join(" ")}`);
    length += size;
  };
  addList("**Outside the diff**", outside);
  if (input.checkUrl === undefined) addList(`**Over the limit of ${maxInline} inline comments**`, overCap);
  else pointToCheck(input.checkUrl, overCap);
  if (omitted > 0) {
    const check = input.checkUrl === undefined ? "" : ` The [tagguard check](${input.checkUrl}) lists every finding.`;
    sections.push(`${plural(omitted, "more finding")} did not fit into this review and will be reported on the next run.${check}`);
  }
  sections.push(...notes);
  return { body: sections.join("\n\n"), comments };
}

/** The review posted once when a push fixes every finding reported earlier on the pull request. */
export function allClearReview(headSha: string): ReviewDraft {
  return {
    body: `**tagguard**: every problem reported earlier on this pull request is fixed at \`${headSha.slice(0, 7)}\`.\n\n${allClearMarker()}`,
    comments: [],
  };
}

/** The same review with every finding listed in the body (used when GitHub rejects an inline comment). */
export function withoutInlineComments(input: ReviewInput, reason: string): ReviewDraft {
  return buildReview({ ...input, diff: new DiffMap([]), notes: [...input.notes, reason] });
}
