import { docsUrlFor } from "../rule-kit/rule.js";
import type { Finding, Severity } from "./finding.js";

/** Workflow command per severity: GitHub has no "info" annotation, `notice` is the closest. */
const COMMAND: Record<Severity, "error" | "warning" | "notice"> = { error: "error", warning: "warning", info: "notice" };
const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Escapes a command's message (the Actions toolkit's `escapeData`). */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a command property value (the Actions toolkit's `escapeProperty`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * One annotation per finding as GitHub Actions workflow commands
 * (`::error file=…,line=…,endLine=…,col=…,endColumn=…,title=<rule>::message`). Columns are sent only
 * for single-line spans (GitHub ignores them otherwise) and `endColumn` is inclusive. Errors come
 * first, because GitHub shows only the first few annotations of each kind per step.
 */
export function toGithubCommands(findings: Finding[]): string {
  const ordered = findings.map((f, i) => ({ f, i })).sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i);
  return ordered
    .map(({ f }) => {
      const { file, start, end } = f.primary;
      const props: [string, string][] = [
        ["file", file],
        ["line", String(start.line)],
        ["endLine", String(end.line)],
      ];
      if (start.line === end.line) {
        props.push(["col", String(start.col)], ["endColumn", String(Math.max(start.col, end.col - 1))]);
      }
      props.push(["title", f.ruleId]);
      const body = [
        f.message,
        ...f.related.map((r) => `related: ${r.span.file}:${r.span.start.line}:${r.span.start.col}: ${r.message}`),
        ...(f.fix ? [`fix: ${f.fix.title}`] : []),
        `confidence: ${f.confidence}; docs: ${docsUrlFor(f.ruleId)}`,
      ].join("\n");
      const properties = props.map(([k, v]) => `${k}=${escapeProperty(v)}`).join(",");
      return `::${COMMAND[f.severity]} ${properties}::${escapeData(body)}\n`;
    })
    .join("");
}

/** A file the CLI did not analyse, as an error annotation on the file: the run fails because of it. */
export function skipCommand(file: string, message: string): string {
  return `::error file=${escapeProperty(file)},title=tagguard::${escapeData(message)}\n`;
}
