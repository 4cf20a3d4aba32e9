import { Parser } from "yaml";
import { LineIndex, type Span } from "../workflow/span.js";

/**
 * One `# tagguard: ignore[rule-id,...] reason` comment. Only real YAML comments count: text inside a
 * block scalar (a `run: |` script) is part of the value, not a comment.
 */
export interface IgnoreDirective {
  file: string;
  /** The whole comment. */
  span: Span;
  /** 1-based line of the comment. */
  line: number;
  /** The comment text, `#` included. */
  text: string;
  /** The rule ids between the brackets, each with its exact span. */
  ids: { id: string; span: Span }[];
  /** The text after `]`, without leading punctuation; empty when missing. */
  reason: string;
  /** Set when the comment starts with `tagguard:` but is not a well-formed ignore. */
  malformed?: string;
}

const DIRECTIVE = /^#\s*tagguard\s*:/i;
/** Text that every directive contains: files without it are not parsed for comments. */
const MENTION = /tagguard\s*:/i;
const IGNORE = /^#\s*tagguard\s*:\s*ignore\s*\[([^\]]*)\](.*)$/is;
export const IGNORE_SYNTAX = "# tagguard: ignore[rule-id,...] reason";

interface CommentToken {
  offset: number;
  source: string;
}

/** Every comment token of a YAML CST, in source order. */
function comments(text: string): CommentToken[] {
  const out: CommentToken[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const token = node as { type?: unknown; offset?: unknown; source?: unknown };
    if (token.type === "comment" && typeof token.offset === "number" && typeof token.source === "string") {
      out.push({ offset: token.offset, source: token.source });
      return;
    }
    for (const value of Object.values(node)) walk(value);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return out.sort((a, b) => a.offset - b.offset);
}

function reasonOf(rest: string): string {
  return rest.trim().replace(/^[-–—:;,.\s]+/u, "").trim();
}

/** The ignore directives among the comments of one YAML file. */
export function scanIgnoreDirectives(file: string, text: string): IgnoreDirective[] {
  if (!MENTION.test(text)) return [];
  const index = new LineIndex(text);
  const out: IgnoreDirective[] = [];
  for (const c of comments(text)) {
    if (!DIRECTIVE.test(c.source)) continue;
    const span = index.span(file, c.offset, c.offset + c.source.length, []);
    const base = { file, span, line: span.start.line, text: c.source };
    const m = IGNORE.exec(c.source);
    if (!m) {
      out.push({ ...base, ids: [], reason: "", malformed: `expected "${IGNORE_SYNTAX}"` });
      continue;
    }
    const listStart = c.offset + c.source.indexOf("[") + 1;
    const ids: IgnoreDirective["ids"] = [];
    let at = 0;
    for (const raw of m[1].split(",")) {
      const lead = raw.length - raw.trimStart().length;
      const id = raw.trim();
      const start = listStart + at + lead;
      if (id) ids.push({ id, span: index.span(file, start, start + id.length, []) });
      at += raw.length + 1;
    }
    const directive: IgnoreDirective = { ...base, ids, reason: reasonOf(m[2]) };
    if (ids.length === 0) directive.malformed = `no rule id between the brackets; expected "${IGNORE_SYNTAX}"`;
    out.push(directive);
  }
  return out;
}
