import { FINGERPRINT_KEY } from "../report/sarif.js";

/**
 * The fingerprints of an earlier run saved with `--format json` or `--format sarif`. Throws with a
 * one-line reason when the text is neither.
 */
export function baselineFingerprints(text: string): Set<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("not JSON; save one with --format json or --format sarif");
  }
  const d = doc as { findings?: unknown; runs?: unknown };
  const strings = (xs: unknown[]) => xs.filter((x): x is string => typeof x === "string");
  if (Array.isArray(d?.findings)) return new Set(strings(d.findings.map((f: { fingerprint?: unknown }) => f?.fingerprint)));
  if (Array.isArray(d?.runs)) {
    const results = d.runs.flatMap((r: { results?: unknown }) => (Array.isArray(r?.results) ? r.results : []));
    return new Set(strings(results.map((r: { partialFingerprints?: Record<string, unknown> }) => r?.partialFingerprints?.[FINGERPRINT_KEY])));
  }
  throw new Error('neither tagguard JSON ({"findings": [...]}) nor SARIF ({"runs": [...]})');
}
