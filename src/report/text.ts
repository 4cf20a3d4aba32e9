import { createColors } from "picocolors";
import wrapAnsi from "wrap-ansi";
import { docsUrlFor } from "../rule-kit/rule.js";
import type { LineIndex } from "../workflow/span.js";
import type { Finding, Severity } from "./finding.js";

export interface TextOptions {
  /** Source text by file, for snippets. */
  sources: Map<string, LineIndex>;
  /** ANSI colours (only on a terminal, never with NO_COLOR or --no-color). */
  color: boolean;
  /** Columns to wrap to. */
  width: number;
}

/**
 * Control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides, which could move the
 * cursor, retitle the terminal or reorder what is shown.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One visible character per control character, so snippet columns stay aligned; tabs become spaces. */
export function sanitize(s: string): string {
  return s.replace(CONTROL, "\uFFFD").replace(/\t/g, " ");
}

/** Splits a message into its first sentence and the rest. */
export function headline(message: string): { headline: string; rest: string } {
  const m = /\.\s+(?=\S)/.exec(message);
  if (!m) return { headline: message, rest: "" };
  return { headline: message.slice(0, m.index + 1), rest: message.slice(m.index + m[0].length) };
}

const MIN_SNIPPET = 20;

/**
 * The part of a snippet line that fits `room` columns, cut around the span: `…` marks what was cut
 * (and counts in `room`).
 * Returns the visible text and the 0-based column of the span start within it.
 */
export function cutAround(text: string, startCol: number, room: number): { text: string; col: number } {
  const col = Math.min(startCol - 1, text.length);
  if (text.length <= room) return { text, col };
  room -= 2;
  const from = Math.max(0, Math.min(col - Math.floor(room / 3), text.length - room));
  const to = Math.min(text.length, from + room);
  const head = from > 0 ? "…" : "";
  return { text: `${head}${text.slice(from, to)}${to < text.length ? "…" : ""}`, col: col - from + head.length };
}

function palette(color: boolean) {
  const c = createColors(color);
  const severity: Record<Severity, (s: string) => string> = {
    error: (s) => c.bold(c.red(s)),
    warning: (s) => c.bold(c.yellow(s)),
    info: (s) => c.bold(c.cyan(s)),
  };
  return { ...c, severity };
}

/**
 * Findings as a terminal reads them: one headline line `file:line:col: severity rule: first sentence`,
 * then, indented and wrapped to `width`, the source snippet (cut around the span), the rest of the
 * message, related sites, the fix with its edits, confidence and the rule's docs page.
 */
export function toText(findings: Finding[], options: TextOptions): string {
  const c = palette(options.color);
  const width = Math.max(40, options.width);
  const para = (label: string, text: string, indent = 2): string[] => {
    const lines = wrapAnsi(`${label}${sanitize(text)}`, width - indent - 2, { hard: true }).split("\n");
    return lines.map((l, i) => `${" ".repeat(i === 0 ? indent : indent + 2)}${i === 0 && label ? l.replace(label, c.dim(label)) : l}`);
  };
  const blocks: string[] = [];
  for (const f of findings) {
    const out: string[] = [];
    const { file, start, end } = f.primary;
    const { headline: head, rest } = headline(f.message);
    out.push(`${c.bold(sanitize(`${file}:${start.line}:${start.col}:`))} ${c.severity[f.severity](f.severity)} ${c.bold(f.ruleId)}: ${sanitize(head)}`);
    const source = options.sources.get(file);
    if (source && start.line <= source.lineCount) {
      const gutter = String(start.line).length;
      const room = Math.max(MIN_SNIPPET, width - gutter - 5);
      const line = sanitize(source.lineText(start.line));
      const span = end.line === start.line ? Math.max(1, end.col - start.col) : Math.max(1, line.length - start.col + 1);
      const cut = cutAround(line, start.col, room);
      const underline = Math.max(1, Math.min(span, cut.text.length - cut.col));
      out.push(`  ${c.dim(`${start.line} |`)} ${cut.text}`);
      out.push(`  ${c.dim(`${" ".repeat(gutter)} |`)} ${" ".repeat(cut.col)}${c.severity[f.severity](`^${"~".repeat(underline - 1)}`)}`);
    }
    if (rest !== "") out.push(...para("", rest));
    for (const r of f.related) out.push(...para("related: ", `${r.span.file}:${r.span.start.line}:${r.span.start.col}: ${r.message}`));
    if (f.fix) {
      out.push(...para("fix: ", f.fix.title));
      for (const e of f.fix.edits) {
        const lines = e.text.replace(/\n$/, "").split("\n");
        // An edit that replaces nothing inserts: its lines are shown as added ones.
        const insert = e.span.start.offset === e.span.end.offset;
        const where = `${e.span.file}:${e.span.start.line}:${e.span.start.col}: ${insert ? "insert " : ""}`;
        out.push(...lines.map((l, i) => `    ${c.green(sanitize(`${i === 0 ? where : " ".repeat(where.length)}${insert ? "+ " : ""}${l}`))}`));
      }
    }
    out.push(`  ${c.dim("confidence:")} ${f.confidence}, ${c.dim("docs:")} ${docsUrlFor(f.ruleId)}`);
    blocks.push(out.join("\n"));
  }
  return blocks.map((b) => `${b}\n\n`).join("");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export interface Summary {
  findings: Finding[];
  files: number;
  skipped: number;
  /** Findings left out because their fingerprint is in the baseline. */
  inBaseline: number;
  /** Findings left out by --min-severity. */
  belowMinimum: number;
}

/** The text format's last line, e.g. `2 findings (1 error, 1 warning, 0 info) in 3 files; 1 file skipped`. */
export function summaryLine(s: Summary): string {
  const count = (sev: Severity) => s.findings.filter((f) => f.severity === sev).length;
  const head =
    s.findings.length === 0
      ? `no findings in ${plural(s.files, "file")}`
      : `${plural(s.findings.length, "finding")} (${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}, ${count("info")} info) in ${plural(s.files, "file")}`;
  const tail = [
    ...(s.skipped > 0 ? [`${plural(s.skipped, "file")} skipped (see the notes)`] : []),
    ...(s.inBaseline > 0 ? [`${s.inBaseline} in the baseline not shown`] : []),
    ...(s.belowMinimum > 0 ? [`${s.belowMinimum} below --min-severity not shown`] : []),
  ];
  return `${[head, ...tail].join("; ")}\n`;
}
