import { globRegExp } from "./glob.js";

/** Tags that by convention hold a BuildKit cache: the default of `cacheTags` in `.github/tagguard.yml`. */
export const DEFAULT_CACHE_TAGS: readonly string[] = ["buildcache", "cache", "*-cache", "buildcache-*"];

/**
 * Whether a pushed tag is one meant to hold a cache. `repository` is the image name without tag
 * (`ghcr.io/acme/app`); patterns containing `:` are matched against `repository:tag`, the others
 * against the tag alone. Matching is case-insensitive.
 */
export type CacheTagMatcher = (tag: string, repository?: string) => boolean;

/** Compiles `cacheTags` patterns once; shared by the publish watcher and the rules. */
export function cacheTagMatcher(patterns: readonly string[] = DEFAULT_CACHE_TAGS): CacheTagMatcher {
  const compiled = patterns.map((p) => ({ re: globRegExp(p, { paths: false, ignoreCase: true }), full: p.includes(":") }));
  return (tag, repository) =>
    compiled.some(({ re, full }) => (full ? repository !== undefined && re.test(`${repository}:${tag}`) : re.test(tag)));
}
