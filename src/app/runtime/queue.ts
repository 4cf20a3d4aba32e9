import { KeyedQueue } from "./keyed.js";

export interface WorkQueueOptions {
  /** Tasks running at once, all keys together. */
  concurrency: number;
  /** Tasks accepted and not yet finished (queued or running) beyond which new ones are refused. */
  capacity: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_CAPACITY = 1000;

/**
 * The in-process queue webhook work runs in, after the delivery was acknowledged: tasks with the same key run one
 * at a time in arrival order, at most `concurrency` tasks run at once, and at most `capacity` are held. Once closed
 * (shutdown) it accepts nothing new and `drain` waits for what it holds.
 */
export class WorkQueue {
  readonly concurrency: number;
  readonly capacity: number;
  private readonly keyed = new KeyedQueue();
  /** Label (delivery id) of every accepted, unfinished task. */
  private readonly held = new Map<symbol, string>();
  private running = 0;
  private readonly waitingForSlot: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(options: WorkQueueOptions) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`WorkQueue ${name} must be a positive integer, got ${value}`);
    }
    this.concurrency = options.concurrency;
    this.capacity = options.capacity;
  }

  /** Accepted tasks that have not finished (queued or running). */
  get size(): number {
    return this.held.size;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /**
   * Queues `task` behind the earlier tasks with the same key. Returns its outcome, or undefined when the queue is
   * closed or full (nothing was queued).
   */
  offer<T>(key: string, label: string, task: () => Promise<T>): Promise<T> | undefined {
    if (this.closed || this.held.size >= this.capacity) return undefined;
    const token = Symbol(label);
    this.held.set(token, label);
    const finish = (): void => {
      this.held.delete(token);
      if (this.held.size === 0) this.wakeIdle();
    };
    const outcome = this.keyed.run(key, () => this.withSlot(task));
    outcome.then(finish, finish);
    return outcome;
  }

  /** Resolves once nothing is queued or running (at once when that is already so). */
  idle(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting tasks; resolves true once everything held has finished, false if `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.idle().then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Labels of the tasks not finished yet, oldest first. */
  unfinished(): string[] {
    return [...this.held.values()];
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running += 1;
    else await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waitingForSlot.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

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

/** `TAGGUARD_CONCURRENCY` (default 4) and `TAGGUARD_QUEUE_CAPACITY` (default 1000). */
export function workQueueOptionsFromEnv(env: Env): WorkQueueOptions {
  return {
    concurrency: positiveIntegerFromEnv(env, "TAGGUARD_CONCURRENCY", DEFAULT_CONCURRENCY),
    capacity: positiveIntegerFromEnv(env, "TAGGUARD_QUEUE_CAPACITY", DEFAULT_CAPACITY),
  };
}
