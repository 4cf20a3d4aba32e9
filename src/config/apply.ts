import type { Finding } from "../report/finding.js";
import { fingerprint } from "../report/fingerprint.js";
import type { Span } from "../workflow/span.js";
import { closest } from "./closest.js";
import { DIAGNOSTICS, INVALID_IGNORE, UNUSED_IGNORE } from "./diagnostics.js";
import { pathMatcher } from "./glob.js";
import { IGNORE_SYNTAX, type IgnoreDirective } from "./ignores.js";
import type { Config } from "./types.js";

/** The last line a span covers: an end at column 1 of a later line stops at the line before. */
function lastLine(s: Span): number {
  return s.end.line > s.start.line && s.end.col === 1 ? s.end.line - 1 : s.end.line;
}

/**
 * Whether an ignore comment covers a finding: the comment sits on a line of the finding's primary,
 * related or hidden spans (in the same file), or on the line just above the primary span.
 */
function covers(d: IgnoreDirective, f: Finding): boolean {
  const spans = [f.primary, ...f.related.map((r) => r.span), ...f.hidden];
  if (spans.some((s) => s.file === d.file && s.start.line <= d.line && d.line <= lastLine(s))) return true;
  return f.primary.file === d.file && d.line === f.primary.start.line - 1;
}

function diagnostic(ruleId: string, message: string, primary: Span, subject: string, severity: Finding["severity"]): Finding {
  return {
    ruleId,
    severity,
    confidence: "definite",
    message,
    primary,
    related: [],
    hidden: [],
    fingerprint: fingerprint(ruleId, primary.file, subject),
  };
}

const severityOf = (id: string) => DIAGNOSTICS.find((d) => d.id === id)?.severity ?? "warning";

interface Active {
  directive: IgnoreDirective;
  id: string;
  span: Span;
  used: boolean;
}

/** Checks the ignore comments; returns the usable (directive, id) pairs and findings about the rest. */
function activeIgnores(directives: IgnoreDirective[], ignorable: readonly string[]): { active: Active[]; problems: Finding[] } {
  const active: Active[] = [];
  const problems: Finding[] = [];
  const report = (message: string, span: Span, subject: string) =>
    problems.push(diagnostic(INVALID_IGNORE, message, span, subject, severityOf(INVALID_IGNORE)));
  for (const d of directives) {
    if (d.malformed) {
      report(`This tagguard comment is malformed, so it ignores nothing: ${d.malformed}.`, d.span, d.text);
      continue;
    }
    if (!/[\p{L}\p{N}]/u.test(d.reason)) {
      const ids = d.ids.map((i) => i.id).join(",");
      report(
        `This tagguard ignore comment gives no reason, so it ignores nothing. Say why the finding is safe to ignore after the brackets: "# tagguard: ignore[${ids}] <reason>".`,
        d.span,
        d.text,
      );
      continue;
    }
    for (const { id, span } of d.ids) {
      if (ignorable.includes(id)) {
        active.push({ directive: d, id, span, used: false });
        continue;
      }
      const builtin = DIAGNOSTICS.some((x) => x.id === id);
      const guess = builtin ? undefined : closest(id, ignorable);
      report(
        builtin
          ? `${id} is reported by tagguard itself and cannot be ignored with a comment, so this entry ignores nothing.`
          : `Unknown rule id "${id}" in this tagguard ignore comment, so it ignores nothing.${guess ? ` Did you mean ${guess}?` : ""} The syntax is "${IGNORE_SYNTAX}".`,
        span,
        `${d.text}|${id}`,
      );
    }
  }
  return { active, problems };
}

/**
 * Applies `.github/tagguard.yml` and the inline ignore comments to raw findings, in this order: rules
 * turned off are dropped; findings covered by an ignore comment are dropped; ignore ids that covered
 * nothing become `unused-ignore` findings and broken comments `invalid-ignore` findings; findings in
 * ignored paths (everywhere, or for their rule) are dropped; severities are remapped. `ignorable` are
 * the rule ids a comment may name (the registered rules).
 */
export function applyConfig(findings: Finding[], directives: IgnoreDirective[], config: Config, ignorable: readonly string[]): Finding[] {
  const enabled = (id: string) => config.rules[id]?.enabled !== false;
  const ignoredEverywhere = pathMatcher(config.ignore);
  const ignoredFor = new Map(Object.entries(config.rules).map(([id, r]) => [id, pathMatcher(r.ignore)]));
  const pathIgnored = (id: string, file: string) => ignoredEverywhere(file) || (ignoredFor.get(id)?.(file) ?? false);

  const { active, problems } = activeIgnores(directives, ignorable);
  const kept: Finding[] = [];
  for (const f of findings) {
    if (!enabled(f.ruleId)) continue;
    const covering = active.filter((a) => a.id === f.ruleId && covers(a.directive, f));
    for (const a of covering) a.used = true;
    if (covering.length === 0) kept.push(f);
  }
  const unused = active
    .filter((a) => !a.used && enabled(a.id) && !pathIgnored(a.id, a.directive.file))
    .map((a) =>
      diagnostic(
        UNUSED_IGNORE,
        `This comment ignores ${a.id}, but ${a.id} reports nothing on this line, on the line below it or on a span that includes it, so the entry has no effect. Remove it: a stale ignore would hide a future finding here.`,
        a.span,
        `${a.id}|${a.directive.text}`,
        severityOf(UNUSED_IGNORE),
      ),
    );
  return [...kept, ...problems, ...unused]
    .filter((f) => enabled(f.ruleId) && !pathIgnored(f.ruleId, f.primary.file))
    .map((f) => {
      const severity = config.rules[f.ruleId]?.severity;
      return severity && severity !== f.severity ? { ...f, severity } : f;
    });
}
