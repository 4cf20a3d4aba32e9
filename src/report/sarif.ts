import { DIAGNOSTICS } from "../config/diagnostics.js";
import { rules } from "../rules/index.js";
import { docsUrlFor } from "../rule-kit/rule.js";
import type { Span } from "../workflow/span.js";
import type { Finding, Severity } from "./finding.js";

/** SARIF `level` for each severity. */
const LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI = "https://github.com/tagguard/tagguard";
/** Key of tagguard's line-free fingerprint in `partialFingerprints`. */
export const FINGERPRINT_KEY = "tagguardFingerprint/v1";

interface Descriptor {
  id: string;
  description: string;
  severity: Severity;
}

function descriptors(): Descriptor[] {
  return [
    ...rules.map((r) => ({ id: r.meta.id, description: r.meta.description, severity: r.meta.severity })),
    ...DIAGNOSTICS.map((d) => ({ id: d.id, description: d.description, severity: d.severity })),
  ];
}

function artifact(file: string) {
  return { uri: file.split("/").map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
}

/** SARIF regions are 1-based with an exclusive end column, like tagguard's spans. */
function region(s: Span) {
  return { startLine: s.start.line, startColumn: s.start.col, endLine: s.end.line, endColumn: s.end.col };
}

function physical(s: Span) {
  return { artifactLocation: artifact(s.file), region: region(s) };
}

function fixes(f: Finding) {
  if (!f.fix) return undefined;
  const byFile = new Map<string, { deletedRegion: ReturnType<typeof region>; insertedContent: { text: string } }[]>();
  for (const e of f.fix.edits) {
    const list = byFile.get(e.span.file) ?? [];
    list.push({ deletedRegion: region(e.span), insertedContent: { text: e.text } });
    byFile.set(e.span.file, list);
  }
  if (byFile.size === 0) return undefined;
  return [
    {
      description: { text: f.fix.title },
      artifactChanges: [...byFile].map(([file, replacements]) => ({ artifactLocation: artifact(file), replacements })),
    },
  ];
}

/**
 * A SARIF 2.1.0 log with one run: a rule descriptor (with `helpUri` to its docs page) for every
 * rule and built-in diagnostic, and one result per finding with its related locations, confidence,
 * fix and line-free fingerprint. Columns are UTF-16 code units.
 */
export function toSarif(findings: Finding[], toolVersion?: string): string {
  const all = descriptors();
  const indexOf = new Map(all.map((d, i) => [d.id, i]));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "tagguard",
            ...(toolVersion ? { version: toolVersion, semanticVersion: toolVersion } : {}),
            informationUri: INFORMATION_URI,
            rules: all.map((d) => ({
              id: d.id,
              name: d.id,
              shortDescription: { text: d.description },
              helpUri: docsUrlFor(d.id),
              help: { text: `${d.description}. Documentation: ${docsUrlFor(d.id)}`, markdown: `${d.description}. [Documentation](${docsUrlFor(d.id)})` },
              defaultConfiguration: { level: LEVEL[d.severity] },
            })),
          },
        },
        columnKind: "utf16CodeUnits",
        results: findings.map((f) => {
          const index = indexOf.get(f.ruleId);
          const fix = fixes(f);
          return {
            ruleId: f.ruleId,
            ...(index === undefined ? {} : { ruleIndex: index }),
            level: LEVEL[f.severity],
            message: { text: f.message },
            locations: [{ physicalLocation: physical(f.primary) }],
            ...(f.related.length
              ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, physicalLocation: physical(r.span), message: { text: r.message } })) }
              : {}),
            partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
            properties: { confidence: f.confidence },
            ...(fix ? { fixes: fix } : {}),
          };
        }),
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
