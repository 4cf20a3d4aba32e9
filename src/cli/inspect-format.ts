import { formatPlatform, type InspectResult } from "../registry/index.js";

/** `tagguard inspect --format json` document; `problems` items are `{id, severity, message}`. */
export interface InspectJson {
  ref: string;
  digest: string;
  mediaType: string | null;
  verdict: string;
  form: string | null;
  platforms: { os: string; architecture: string; variant: string | null; digest: string }[];
  attestations: number;
  problems: { id: string; severity: string; message: string }[];
}

export function inspectJson(ref: string, result: InspectResult): InspectJson {
  return {
    ref,
    digest: result.digest,
    mediaType: result.mediaType,
    verdict: result.verdict,
    form: result.form,
    platforms: result.platforms.map((p) => ({ os: p.os, architecture: p.architecture, variant: p.variant, digest: p.digest })),
    attestations: result.attestations,
    problems: result.problems.map((p) => ({ id: p.id, severity: p.severity, message: p.message })),
  };
}

export function formatJson(ref: string, result: InspectResult): string {
  return `${JSON.stringify(inspectJson(ref, result), null, 2)}\n`;
}

const LABEL_WIDTH = 14;

export function formatText(ref: string, result: InspectResult): string {
  const lines: string[] = [];
  const field = (label: string, values: string[]): void => {
    values.forEach((value, i) => lines.push(`${(i === 0 ? `${label}:` : "").padEnd(LABEL_WIDTH)}${value}`));
  };
  const qualifier = result.form ?? result.artifactKind;
  field("ref", [ref]);
  field("digest", [result.digest]);
  field("media type", [result.mediaType ?? "unknown"]);
  field("verdict", [qualifier === null ? result.verdict : `${result.verdict} (${qualifier})`]);
  const names = result.platforms.map(formatPlatform);
  const width = Math.max(0, ...names.map((n) => n.length)) + 2;
  field("platforms", names.length === 0 ? ["none"] : result.platforms.map((p, i) => `${names[i]!.padEnd(width)}${p.digest}`));
  field("attestations", [String(result.attestations)]);
  field("problems", result.problems.length === 0 ? ["none"] : result.problems.map((p) => `${p.severity} ${p.id}: ${p.message}`));
  return `${lines.join("\n")}\n`;
}
