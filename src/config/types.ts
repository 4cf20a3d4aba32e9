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

/**
 * An image whose published files the App verifies against the repository at the image's revision
 * (`tagguard verify` on every publish).
 */
export interface VerifyEntry {
  /** Image pattern without tag (`ghcr.io/acme/*`, `*` any run of characters), or with `:tag` to match `image:tag`. */
  image: string;
  /** Absolute directory in the image, e.g. `/app`. */
  path: string;
  /** The build context, relative to the repository root (default `.`). */
  context: string;
  /** The Dockerfile, relative to the repository root (default `<context>/Dockerfile`). */
  dockerfile: string;
  /** Context path → image path; replaces the Dockerfile's mapping when given. */
  map: { from: string; to: string }[];
  /** Which image of a multi-platform tag (default linux/amd64). */
  platform?: string;
}

/** The validated `.github/tagguard.yml`, with defaults filled in. */
export interface Config {
  /** Settings of known rules by id; rules without an entry use their defaults. */
  rules: Record<string, RuleSettings>;
  /** Path globs of files whose findings are dropped, whatever the rule. */
  ignore: string[];
  /** Patterns of tags meant to hold a cache (see `cacheTagMatcher`). */
  cacheTags: string[];
  deployTargets: DeployTarget[];
  /** Overrides of the analysis budget (`limitsFor`); empty: the defaults. */
  limits: { steps?: number; builds?: number };
  /** false: the App's publish watcher opens no incident issue in the repository. */
  incidents: boolean;
  /** Images to verify against their source on every publish (the App); empty: none. */
  verify: VerifyEntry[];
  /**
   * Findings about the configuration file itself (rule `invalid-config`), which `analyze` reports
   * with the others. Empty for a valid file.
   */
  diagnostics: Finding[];
}
