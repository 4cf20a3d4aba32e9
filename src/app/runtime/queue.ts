import { DEFAULT_JOB_OPTIONS, type JobOptions } from "./jobs.js";

/** Serialisation key for work on a repository (pull request reviews): one run per repository at a time. */
export function repositoryKey(owner: string, repo: string): string {
  return `repo:${owner}/${repo}`.toLowerCase();
}

/**
 * Serialisation key for work on an image tag (package events), e.g. `imageTagKey("ghcr.io/acme/app", "1.2.3")`:
 * one run per image tag at a time. The image name is case-insensitive, the tag is not.
 */
export function imageTagKey(image: string, tag: string): string {
  return `image:${image.toLowerCase()}:${tag}`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A positive integer from the environment, `fallback` when unset or empty; anything else is a startup error. */
export function positiveIntegerFromEnv(env: Env, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(env[name])}`);
  }
  return value;
}

/**
 * Job options from `TAGGUARD_CONCURRENCY` (jobs at once, default 4), `TAGGUARD_LEASE_MS` (default 30000) and
 * `TAGGUARD_SHUTDOWN_TIMEOUT_MS` (default 8000). `soleUser`: the store is embedded, so no other process uses it.
 */
export function jobOptionsFromEnv(env: Env, soleUser: boolean): JobOptions {
  return {
    ...DEFAULT_JOB_OPTIONS,
    concurrency: positiveIntegerFromEnv(env, "TAGGUARD_CONCURRENCY", DEFAULT_JOB_OPTIONS.concurrency),
    leaseMs: positiveIntegerFromEnv(env, "TAGGUARD_LEASE_MS", DEFAULT_JOB_OPTIONS.leaseMs),
    shutdownMs: positiveIntegerFromEnv(env, "TAGGUARD_SHUTDOWN_TIMEOUT_MS", DEFAULT_JOB_OPTIONS.shutdownMs),
    soleUser,
  };
}
