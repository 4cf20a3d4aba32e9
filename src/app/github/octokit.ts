import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { parseRetryAfterHeader } from "../../registry/durations.js";
import { positiveIntegerFromEnv } from "../runtime/queue.js";
import { summarizeError } from "../runtime/keyed.js";

type Octokit = InstanceType<typeof ProbotOctokit>;
type Env = Readonly<Record<string, string | undefined>>;

/**
 * How the App retries GitHub API faults that Probot does not: secondary rate limits (Probot only logs them) and
 * 5xx/network faults (retried here instead of by Probot's retry plugin, which ignores `retry-after` and would also
 * repeat writes whose outcome is unknown).
 */
export interface GitHubRetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** Pause after the first 5xx or failed exchange, doubled per retry up to `maxBackoffMs`, ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Longest `retry-after` honoured; a rate limit asking for more fails at once. */
  maxRetryAfterMs: number;
  /** Limit for one HTTP exchange with GitHub, from sending the request to the last byte of the response. */
  timeoutMs: number;
  /** Runs of a whole handler, the first included, when it fails on a transient fault. */
  runAttempts: number;
  sleep(ms: number): Promise<void>;
  /** Jitter source in [0, 1). */
  random(): number;
  now(): number;
}

export const DEFAULT_GITHUB_RETRY_POLICY: GitHubRetryPolicy = {
  attempts: 4,
  backoffMs: 1000,
  maxBackoffMs: 10_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 20_000,
  runAttempts: 2,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

/** GitHub's advice for a secondary rate limit without `retry-after`: wait at least one minute. */
const SECONDARY_LIMIT_DEFAULT_WAIT_MS = 60_000;

/** The policy with `TAGGUARD_GITHUB_TIMEOUT_MS` (default 20000) and `TAGGUARD_GITHUB_BACKOFF_MS` (default 1000). */
export function githubRetryPolicyFromEnv(env: Env): GitHubRetryPolicy {
  return {
    ...DEFAULT_GITHUB_RETRY_POLICY,
    timeoutMs: positiveIntegerFromEnv(env, "TAGGUARD_GITHUB_TIMEOUT_MS", DEFAULT_GITHUB_RETRY_POLICY.timeoutMs),
    backoffMs: positiveIntegerFromEnv(env, "TAGGUARD_GITHUB_BACKOFF_MS", DEFAULT_GITHUB_RETRY_POLICY.backoffMs),
  };
}

/**
 * What a failed GitHub call was: `rate-limited` (refused by a secondary rate limit, nothing happened; `waitMs` from
 * `retry-after`), `exhausted` (the primary rate limit is used up until `resetAt`, epoch ms), `server` (5xx, a network
 * fault or a timeout: a write may or may not have happened), or `final` (4xx, or not a request error at all).
 */
export type GitHubFault = { kind: "rate-limited"; waitMs: number } | { kind: "exhausted"; resetAt: number } | { kind: "server" } | { kind: "final" };

interface RequestFailure {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
}

export function classifyGitHubFault(err: unknown, now: number): GitHubFault {
  if (typeof err !== "object" || err === null) return { kind: "final" };
  const { status, message, response } = err as RequestFailure;
  if (typeof status !== "number") return { kind: "final" };
  if (status >= 500) return { kind: "server" };
  if (status !== 403 && status !== 429) return { kind: "final" };
  const headers = response?.headers ?? {};
  const retryAfter = parseRetryAfterHeader(headers["retry-after"] === undefined ? null : String(headers["retry-after"]), now);
  if (retryAfter !== undefined) return { kind: "rate-limited", waitMs: retryAfter };
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    return Number.isFinite(reset) && reset > 0 ? { kind: "exhausted", resetAt: reset * 1000 } : { kind: "final" };
  }
  if (status === 429 || /secondary rate limit/i.test(String(message))) {
    return { kind: "rate-limited", waitMs: SECONDARY_LIMIT_DEFAULT_WAIT_MS };
  }
  return { kind: "final" };
}

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** Whether a request only reads: an idempotent method, or a GraphQL query (a POST to /graphql whose `query` is not a mutation). */
function isRepeatable(method: string, url: unknown, body: unknown): boolean {
  if (IDEMPOTENT_METHODS.has(method)) return true;
  const query = (body as { query?: unknown } | null | undefined)?.query;
  return method === "POST" && String(url).endsWith("/graphql") && typeof query === "string" && /^\s*query\b/.test(query);
}

/** Exponential backoff before retry number `retry` (1 for the first), with ±20 % jitter. */
function backoffMs(policy: GitHubRetryPolicy, retry: number): number {
  const base = Math.min(policy.backoffMs * 2 ** (retry - 1), policy.maxBackoffMs);
  return Math.round(base * (0.8 + 0.4 * policy.random()));
}

/**
 * The pause before trying again after `fault`, or undefined when it must not be retried: rate limits are retried
 * for any method (GitHub refused the request) when the wait is within bounds; 5xx and failed exchanges only when
 * `repeatable` (an idempotent request, or a whole run that first reads what it posted before).
 */
export function retryPause(fault: GitHubFault, retry: number, repeatable: boolean, policy: GitHubRetryPolicy): number | undefined {
  if (fault.kind === "rate-limited") return fault.waitMs <= policy.maxRetryAfterMs ? Math.max(fault.waitMs, backoffMs(policy, retry)) : undefined;
  if (fault.kind === "server" && repeatable) return backoffMs(policy, retry);
  return undefined;
}

type FetchImpl = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Responses that must not carry a body when rebuilt. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` bounded to `timeoutMs` per exchange, body included (it is read within the limit and handed on in memory).
 * A timeout fails like a network error: Octokit reports it as a request error with status 500.
 */
function timedFetch(fetchImpl: FetchImpl, timeoutMs: number): FetchImpl {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const response = await fetchImpl(input, { ...init, signal });
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(copy, "url", { value: response.url });
      return copy;
    } catch (err) {
      if (timeout.aborted && !init?.signal?.aborted) throw new Error(`GitHub did not answer within ${timeoutMs} ms`, { cause: err });
      throw err;
    }
  };
}

const withRetries = new WeakSet<object>();

/**
 * Makes every request of `octokit` time out after `policy.timeoutMs` and retries it on rate limits (honouring
 * `retry-after`) and, for idempotent methods, on 5xx and failed exchanges with exponential backoff. Never retries
 * 404, 422 or other 4xx. Installed once per Octokit instance (Probot creates one per delivery); retries are logged
 * on `log`.
 */
export function retryGitHubFaults(octokit: Octokit, policy: GitHubRetryPolicy, log: Logger): void {
  if (withRetries.has(octokit)) return;
  withRetries.add(octokit);
  octokit.hook.wrap("request", async (request, options) => {
    const fetchImpl: FetchImpl = options.request.fetch ?? ((input, init) => globalThis.fetch(input, init));
    // The inner hooks see this very options object (before-after-hook binds it), so its `request` is replaced here;
    // the object itself may be shared with the instance defaults. `retries: 0` turns off Probot's retry plugin, and a
    // `retryCount` past Probot's limit (2) keeps its throttling plugin from sleeping until a used-up rate limit
    // resets: the job is released until then instead (see dispatch.ts).
    options.request = { ...options.request, retries: 0, retryCount: 3, fetch: timedFetch(fetchImpl, policy.timeoutMs) };
    const repeatable = isRepeatable(options.method.toUpperCase(), options.url, options);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request(options);
      } catch (err) {
        const fault = classifyGitHubFault(err, policy.now());
        const pause = attempt < policy.attempts ? retryPause(fault, attempt, repeatable, policy) : undefined;
        if (pause === undefined) throw err;
        log.warn({ attempt, pauseMs: pause, fault: fault.kind, error: summarizeError(err) }, "tagguard: GitHub request failed, retrying");
        await policy.sleep(pause);
      }
    }
  });
}
