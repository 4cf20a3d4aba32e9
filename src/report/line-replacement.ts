import type { Fix } from "./finding.js";
import type { Span } from "../workflow/span.js";

/** A fix expressed as a replacement of whole lines `startLine..endLine` (1-based, inclusive). */
export interface LineReplacement {
  path: string;
  startLine: number;
  endLine: number;
  /** The original lines, without line endings. */
  before: string[];
  /** The replacement lines, without line endings; empty when the fix deletes the lines. */
  after: string[];
}

/** The last line a span touches; an exclusive end at column 1 of a later line ends on the line before. */
export function lastLine(span: Span): number {
  return span.end.line > span.start.line && span.end.col === 1 ? span.end.line - 1 : span.end.line;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function splitLines(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/\r$/, ""));
}

/**
 * Rewrites a fix's edits as a replacement of the whole lines they touch, which is what a review
 * suggestion needs. Returns undefined when the edits span several files, overlap, do not match the
 * file text, or would join the last touched line with the next one.
 */
export function toLineReplacement(fix: Fix, text: string): LineReplacement | undefined {
  if (fix.edits.length === 0) return undefined;
  const path = fix.edits[0].span.file;
  if (fix.edits.some((e) => e.span.file !== path)) return undefined;
  const edits = [...fix.edits].sort((a, b) => a.span.start.offset - b.span.start.offset);
  for (let i = 0; i < edits.length; i++) {
    const { start, end } = edits[i].span;
    if (start.offset > end.offset || end.offset > text.length) return undefined;
    if (i > 0 && start.offset < edits[i - 1].span.end.offset) return undefined;
  }
  const starts = lineStarts(text);
  const startLine = Math.min(...edits.map((e) => e.span.start.line));
  const endLine = Math.max(...edits.map((e) => lastLine(e.span)));
  if (startLine < 1 || endLine > starts.length) return undefined;
  const from = starts[startLine - 1];
  const to = endLine < starts.length ? starts[endLine] : text.length;
  for (const e of edits) if (e.span.start.offset < from || e.span.end.offset > to) return undefined;

  let rewritten = "";
  let cursor = from;
  for (const e of edits) {
    rewritten += text.slice(cursor, e.span.start.offset) + e.text;
    cursor = e.span.end.offset;
  }
  rewritten += text.slice(cursor, to);

  const region = text.slice(from, to);
  let after: string[];
  if (region.endsWith("\n")) {
    if (rewritten === "") after = [];
    else if (rewritten.endsWith("\n")) after = splitLines(rewritten.slice(0, -1));
    else return undefined;
  } else {
    after = splitLines(rewritten.endsWith("\n") ? rewritten.slice(0, -1) : rewritten);
  }
  const before = splitLines(region.endsWith("\n") ? region.slice(0, -1) : region);
  return { path, startLine, endLine, before, after };
}

/** True when applying the replacement leaves the lines as they were. */
export function isNoOp(r: LineReplacement): boolean {
  return r.before.length === r.after.length && r.before.every((line, i) => line === r.after[i]);
}
