/** A bounded set of recently seen keys (oldest forgotten first), e.g. webhook delivery ids. */
export class RecentSet {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 1000) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    for (const oldest of this.keys) {
      if (this.keys.size <= this.max) break;
      this.keys.delete(oldest);
    }
  }

  delete(key: string): void {
    this.keys.delete(key);
  }
}

/**
 * Runs tasks one at a time per key (e.g. per pull request), so two deliveries for the same pull
 * request never read the posted state concurrently and both post the same findings.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** What is safe to log about an error: never request headers (they carry tokens). */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { status?: unknown; request?: { method?: unknown; url?: unknown } };
  return {
    type: e.name,
    message: e.message,
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(typeof e.request?.method === "string" ? { method: e.request.method } : {}),
    ...(typeof e.request?.url === "string" ? { url: e.request.url } : {}),
    stack: e.stack,
  };
}

/** `describeError` without the stack, for warnings about faults that are handled (retries). */
export function summarizeError(err: unknown): Record<string, unknown> {
  const described = describeError(err);
  delete described.stack;
  return described;
}
