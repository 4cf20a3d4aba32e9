import type { Finding } from "./finding.js";
import { docsUrlFor } from "../rule-kit/rule.js";

/** The CLI's JSON document. Lines and columns are 1-based; end positions are exclusive columns. */
export function toJson(findings: Finding[]): string {
  return JSON.stringify(
    {
      findings: findings.map((f) => ({
        rule: f.ruleId,
        severity: f.severity,
        confidence: f.confidence,
        file: f.primary.file,
        line: f.primary.start.line,
        column: f.primary.start.col,
        endLine: f.primary.end.line,
        endColumn: f.primary.end.col,
        message: f.message,
        docsUrl: docsUrlFor(f.ruleId),
        fix: f.fix
          ? {
              title: f.fix.title,
              edits: f.fix.edits.map((e) => ({
                file: e.span.file,
                line: e.span.start.line,
                column: e.span.start.col,
                endLine: e.span.end.line,
                endColumn: e.span.end.col,
                text: e.text,
              })),
            }
          : null,
        related: f.related.map((r) => ({
          file: r.span.file,
          line: r.span.start.line,
          column: r.span.start.col,
          message: r.message,
        })),
        fingerprint: f.fingerprint,
      })),
    },
    null,
    2,
  );
}
