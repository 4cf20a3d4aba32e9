import { PARSE_ERROR } from "../config/diagnostics.js";
import type { Finding } from "../report/finding.js";
import { isNoOp, type LineReplacement, toLineReplacement } from "../report/line-replacement.js";

export interface PlannedFix {
  finding: Finding;
  replacement: LineReplacement;
}

export interface FixPlan {
  /** New text by file, for the files that change. */
  texts: Map<string, string>;
  applied: PlannedFix[];
  /** Fixes not applied, with why. */
  refused: { finding: Finding; reason: string }[];
}

/** Replaces whole lines `startLine..endLine`, keeping the line ending the file uses there. */
function replaceLines(text: string, r: LineReplacement): string {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const region = lines.slice(r.startLine - 1, r.endLine);
  const eol = region[0]?.endsWith("\r\n") ? "\r\n" : "\n";
  const lastHasEol = region.length > 0 && region[region.length - 1]!.endsWith("\n");
  const after = r.after.map((l, i) => (i < r.after.length - 1 || lastHasEol ? `${l}${eol}` : l));
  return [...lines.slice(0, r.startLine - 1), ...after, ...lines.slice(r.endLine)].join("");
}

/**
 * Which fixes `--fix` applies, and the files they produce: only safe fixes that replace whole lines of
 * one file (what a review suggestion shows), never in a file that has a syntax error or that `editable`
 * refuses, and of two fixes touching the same lines only the first.
 */
export function planFixes(findings: Finding[], texts: Map<string, string>, editable: (file: string) => string | undefined): FixPlan {
  const broken = new Set(findings.filter((f) => f.ruleId === PARSE_ERROR).map((f) => f.primary.file));
  const refused: FixPlan["refused"] = [];
  const byFile = new Map<string, PlannedFix[]>();
  for (const finding of findings) {
    if (!finding.fix) continue;
    const file = finding.fix.edits[0]?.span.file ?? finding.primary.file;
    const text = texts.get(file);
    const replacement = finding.fix.safe && text !== undefined ? toLineReplacement(finding.fix, text) : undefined;
    if (replacement === undefined) {
      const reason =
        finding.fix.edits.length === 0
          ? "tagguard has no automatic edit for it; follow the fix's advice by hand"
          : "its edit is not a replacement of whole lines; apply it by hand";
      refused.push({ finding, reason });
      continue;
    }
    const why = broken.has(file) ? "the file has a syntax error" : editable(file);
    if (why !== undefined) {
      refused.push({ finding, reason: why });
      continue;
    }
    if (isNoOp(replacement)) continue;
    const planned = byFile.get(file) ?? [];
    const same = planned.find((p) => p.replacement.startLine === replacement.startLine && p.replacement.endLine === replacement.endLine);
    if (same && same.replacement.after.join("\n") === replacement.after.join("\n")) continue;
    if (planned.some((p) => p.replacement.startLine <= replacement.endLine && replacement.startLine <= p.replacement.endLine)) {
      refused.push({ finding, reason: "another fix changes the same lines; run --fix again" });
      continue;
    }
    planned.push({ finding, replacement });
    byFile.set(file, planned);
  }
  const out = new Map<string, string>();
  const applied: PlannedFix[] = [];
  for (const [file, planned] of byFile) {
    let text = texts.get(file)!;
    for (const p of [...planned].sort((a, b) => b.replacement.startLine - a.replacement.startLine)) text = replaceLines(text, p.replacement);
    out.set(file, text);
    applied.push(...planned.sort((a, b) => a.replacement.startLine - b.replacement.startLine));
  }
  return { texts: out, applied, refused };
}
