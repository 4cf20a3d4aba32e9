import type { LineIndex } from "../workflow/span.js";
import type { Finding } from "./finding.js";
import { docsUrlFor } from "../rule-kit/rule.js";

/** Renders findings the way compilers do: `file:line:col: severity message [rule]` plus a snippet. */
export function toText(findings: Finding[], sources: Map<string, LineIndex>): string {
  const out: string[] = [];
  for (const f of findings) {
    const { file, start, end } = f.primary;
    out.push(`${file}:${start.line}:${start.col}: ${f.severity} ${f.message} [${f.ruleId}]`);
    const source = sources.get(file);
    if (source && start.line <= source.lineCount) {
      const text = source.lineText(start.line);
      const gutter = String(start.line).length;
      const width = end.line === start.line ? Math.max(1, end.col - start.col) : Math.max(1, text.length - start.col + 1);
      out.push(`  ${start.line} | ${text}`);
      out.push(`  ${" ".repeat(gutter)} | ${" ".repeat(start.col - 1)}^${"~".repeat(width - 1)}`);
    }
    for (const r of f.related) {
      out.push(`  = related: ${r.span.file}:${r.span.start.line}:${r.span.start.col}: ${r.message}`);
    }
    if (f.fix) {
      out.push(`  = fix: ${f.fix.title}`);
      for (const e of f.fix.edits) out.push(`    ${e.span.file}:${e.span.start.line}: ${e.text}`);
    }
    out.push(`  = confidence: ${f.confidence}; docs: ${docsUrlFor(f.ruleId)}`);
  }
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  const infos = findings.length - errors - warnings;
  out.push(
    findings.length === 0
      ? "no findings"
      : `${findings.length} finding${findings.length === 1 ? "" : "s"}: ${errors} error(s), ${warnings} warning(s), ${infos} info`,
  );
  return out.join("\n") + "\n";
}
