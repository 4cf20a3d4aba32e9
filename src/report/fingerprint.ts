import { createHash } from "node:crypto";

/**
 * A stable identity for a finding: rule id, file and a semantic subject (job, step, normalised ref),
 * never line numbers, so unrelated edits that shift lines do not make a finding look new.
 */
export function fingerprint(ruleId: string, file: string, subject: string): string {
  return createHash("sha256").update(`${ruleId}\0${file}\0${subject}`).digest("hex").slice(0, 16);
}
