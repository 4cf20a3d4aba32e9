import { classify, missingContent, type Classification } from "./classify.js";
import type { FetchOptions, FetchedManifest, ManifestSource } from "./source.js";

export interface InspectTarget {
  /** Repository name, e.g. `acme/app` (validated by the source). */
  name: string;
  /** Tag or `sha256:` digest. */
  reference: string;
}

export interface InspectOptions {
  /** Overall budget for the whole inspection (all requests and waits), default 60 s. */
  budgetMs?: number;
  /** Caller cancellation. */
  signal?: AbortSignal;
  /** Parallel child/config fetches, default 4. */
  concurrency?: number;
  /** The budget's clock: the signal that aborts when `ms` have passed (default `AbortSignal.timeout`), and the time. */
  clock?: { timeout(ms: number): AbortSignal; now(): number };
}

const WALL_CLOCK = { timeout: (ms: number) => AbortSignal.timeout(ms), now: Date.now };

export interface InspectResult extends Classification {
  /** sha256 of the root document. */
  digest: string;
}

export const DEFAULT_INSPECT_BUDGET_MS = 60_000;

/**
 * Fetches `target`, walks it (children concurrently, each verified against its descriptor's digest and size; index
 * depth ≤ 2; ≤ 32 children) and classifies it. Throws RegistryError when it cannot inspect.
 */
export async function inspect(source: ManifestSource, target: InspectTarget, options: InspectOptions = {}): Promise<InspectResult> {
  const budgetMs = options.budgetMs ?? DEFAULT_INSPECT_BUDGET_MS;
  const clock = options.clock ?? WALL_CLOCK;
  const budget = clock.timeout(budgetMs);
  const call: FetchOptions = {
    signal: options.signal === undefined ? budget : AbortSignal.any([budget, options.signal]),
    deadline: clock.now() + budgetMs,
  };
  const root = await source.getManifest(target.name, target.reference, call);
  const children = new Map<string, FetchedManifest>();
  const configs = new Map<string, Uint8Array>();
  for (;;) {
    const missing = missingContent({ root, children, configs });
    if (missing.manifests.length === 0 && missing.configs.length === 0) break;
    await runLimited(
      [
        ...missing.manifests.map((d) => async () => {
          children.set(d.digest, await source.getManifest(target.name, d.digest, { ...call, expectedSize: d.size }));
        }),
        ...missing.configs.map((d) => async () => {
          configs.set(d.digest, await source.getBlob(target.name, d, call));
        }),
      ],
      options.concurrency ?? 4,
    );
  }
  return { ...classify({ root, children, configs }), digest: root.digest };
}

/** Runs jobs with at most `limit` in flight; stops starting new ones after a failure and rethrows the first. */
async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      const job = jobs[next]!;
      next += 1;
      try {
        await job();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
