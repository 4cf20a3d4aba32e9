/**
 * Repository configuration (`.github/tagguard.yml`) and inline ignore comments. Pure: the CLI reads
 * the file from disk, the App from `context.config`, and both pass the result to `analyze`.
 */
export { cacheTagMatcher, DEFAULT_CACHE_TAGS, type CacheTagMatcher } from "./cache-tags.js";
export { ANALYSIS_LIMIT, DIAGNOSTICS, INVALID_CONFIG, INVALID_IGNORE, PARSE_ERROR, UNUSED_IGNORE, type DiagnosticMeta } from "./diagnostics.js";
export { CONFIG_SCHEMA, configFromValue, configurableRuleIds, defaultConfig, parseConfig } from "./load.js";
export { BUILTIN_DEPLOY_TARGETS, CONFIG_PATH, type Config, type DeployTarget, type RuleSettings, type VerifyEntry } from "./types.js";
