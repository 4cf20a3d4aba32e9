import type { Severity } from "../report/finding.js";

/**
 * Findings the engine itself reports, besides the rules in `src/rules/index.ts`. Each has a docs page
 * `docs/rules/<id>.md` and a SARIF rule descriptor like a rule.
 */
export interface DiagnosticMeta {
  id: string;
  severity: Severity;
  description: string;
  /** Whether `.github/tagguard.yml` may turn it off or change its severity. */
  configurable: boolean;
}

export const PARSE_ERROR = "parse-error";
export const INVALID_CONFIG = "invalid-config";
export const INVALID_IGNORE = "invalid-ignore";
export const UNUSED_IGNORE = "unused-ignore";
export const ANALYSIS_LIMIT = "analysis-limit";

export const DIAGNOSTICS: readonly DiagnosticMeta[] = [
  {
    id: PARSE_ERROR,
    severity: "error",
    description: "A workflow or action file is not valid YAML or not a valid workflow, so it was not analysed",
    configurable: false,
  },
  {
    id: INVALID_CONFIG,
    severity: "error",
    description: "The configuration file .github/tagguard.yml is invalid, so the defaults were used",
    configurable: false,
  },
  {
    id: INVALID_IGNORE,
    severity: "warning",
    description: "A '# tagguard: ignore[...]' comment is malformed, names an unknown rule or gives no reason, so it ignores nothing",
    configurable: false,
  },
  {
    id: UNUSED_IGNORE,
    severity: "warning",
    description: "A '# tagguard: ignore[...]' comment ignores nothing: the rule reports no finding there",
    configurable: true,
  },
  {
    id: ANALYSIS_LIMIT,
    severity: "error",
    description: "The repository asks for more work than one analysis may do (expansion, values that grow exponentially), so the analysis stopped early",
    configurable: false,
  },
];
