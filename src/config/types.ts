import type { Finding, Severity } from "../report/finding.js";

/** Where the configuration lives, relative to the repository root. */
export const CONFIG_PATH = ".github/tagguard.yml";

export interface RuleSettings {
  enabled: boolean;
  /** Replaces the rule's own severity for its findings. */
  severity?: Severity;
  /** Path globs of files where the rule's findings are dropped. */
  ignore: string[];
}

/**
 * A place images are deployed to. Built-in names (`BUILTIN_DEPLOY_TARGETS`) override what the rules
 * assume about that target; other names define a target recognised by `uses` or `run`.
 */
export interface DeployTarget {
  name: string;
  /** Platforms the target can run (`linux/amd64`); undefined: the rule's built-in knowledge. */
  platforms?: string[];
  /** false: the target rejects an OCI image index; undefined: the rule's built-in knowledge. */
  acceptsIndex?: boolean;
  /** `owner/repo@ref` patterns of actions that deploy to the target. */
  uses: string[];
  /** Command prefixes in `run:` scripts that deploy to the target. */
  run: string[];
}

/** Deploy targets the rules know by name. */
export const BUILTIN_DEPLOY_TARGETS: readonly string[] = [
  "aws-lambda",
  "aws-app-runner",
  "azure-app-service",
  "azure-container-instances",
  "fly",
  "google-cloud-run",
  "docker-manifest-inspect",
];

/** The validated `.github/tagguard.yml`, with defaults filled in. */
export interface Config {
  /** Settings of known rules by id; rules without an entry use their defaults. */
  rules: Record<string, RuleSettings>;
  /** Path globs of files whose findings are dropped, whatever the rule. */
  ignore: string[];
  /** Patterns of tags meant to hold a cache (see `cacheTagMatcher`). */
  cacheTags: string[];
  deployTargets: DeployTarget[];
  /** false: the App's publish watcher opens no incident issue in the repository. */
  incidents: boolean;
  /**
   * Findings about the configuration file itself (rule `invalid-config`), which `analyze` reports
   * with the others. Empty for a valid file.
   */
  diagnostics: Finding[];
}
