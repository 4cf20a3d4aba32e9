import type { Finding, Severity } from "../../report/finding.js";
import type { Span } from "../../workflow/span.js";
import { DiffMap } from "./diff.js";
import { isNoOp, lastLine, type LineReplacement, toLineReplacement } from "../../report/line-replacement.js";
import { allClearMarker, findingMarker } from "./markers.js";

/** GitHub review comments are capped well below what reviewdog allows: the rest goes to the check run (or the body without one). */
export const MAX_INLINE_COMMENTS = 20;
/** GitHub rejects bodies above 65,536 characters; stay clear of it. */
export const MAX_BODY_CHARS = 60_000;

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

/** The body of one inline comment. A suggestion is used only when the fix rewrites exactly the commented lines. */
export function commentBody(f: Finding, where: Placement, input: Pick<ReviewInput, "texts" | "links">): string {
  const parts = [heading(f), markdownText(f.message)];
  if (f.related.length > 0) {
    parts.push(["Related:", ...f.related.map((r) => `- ${input.links.span(r.span)}: ${markdownText(r.message, true)}`)].join("\n"));
  }
  if (f.fix) {
    parts.push(fixTitle(f));
    const r = replacementOf(f, input.texts);
    if (r && r.path === f.primary.file && r.startLine === (where.startLine ?? where.line) && r.endLine === where.line) {
      parts.push(fenced("suggestion", r.after));
    } else if (r) {
      parts.push(`In ${input.links.span(f.fix.edits[0].span)}:\n\n${diffBlock(r)}`);
    }
  }
  parts.push(findingMarker(f.fingerprint, f.ruleId));
  return parts.join("\n\n");
}

function listItem(f: Finding, links: Permalinks): string {
  const lines = [`- ${heading(f)} at ${links.span(f.primary)}: ${markdownText(f.message, true)} ${findingMarker(f.fingerprint, f.ruleId)}`];
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
  for (const f of [...input.findings].sort(byImportance)) {
    const where = placement(f, input.diff);
    if (!where) outside.push(f);
    else if (comments.length >= maxInline) overCap.push(f);
    else {
      comments.push({
        path: f.primary.file,
        ...(where.startLine === undefined ? {} : { start_line: where.startLine, start_side: "RIGHT" as const }),
        line: where.line,
        side: "RIGHT",
        body: commentBody(f, where, input),
      });
    }
  }

  const sections: string[] = [
    `**tagguard** found ${plural(input.findings.length, "new problem")} in the workflows at \`${input.headSha.slice(0, 7)}\`.`,
  ];
  const notes = input.notes.length > 0 ? ["**Notes**", input.notes.map((n) => `- ${markdownText(n, true)}`).join("\n")] : [];
  /** Room kept for the notes and the line about omitted findings. */
  const reserve = notes.reduce((n, s) => n + s.length + 2, 0) + 120 + (input.checkUrl === undefined ? 0 : input.checkUrl.length + 50);
  let length = sections[0].length;
  let omitted = 0;
  const addList = (title: string, items: Finding[]): void => {
    const lines: string[] = [];
    for (const f of items) {
      const item = listItem(f, input.links);
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
