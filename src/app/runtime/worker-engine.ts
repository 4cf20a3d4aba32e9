/**
 * Runs the engine's parsing work off the event loop. An analysis is pure and synchronous and can take a
 * few hundred milliseconds on a large repository, and finding the files a set of files references parses
 * them all; on the main thread either would hold up every other delivery's acknowledgement. One worker
 * thread (by default) takes the jobs in turn; the main thread keeps answering webhooks and only checks paths.
 * Each analysis has a time budget and each thread a memory cap: a thread past either is ended and replaced, and
 * the analysis fails with `AnalysisOverrun` (the check run then concludes neutral with the reason). A thread that
 * dies otherwise is replaced too, and the analysis it held fails with the reason.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { positiveIntegerFromEnv } from "./queue.js";
import * as engine from "../../engine/index.js";
import type { AnalysisResult, AnalyzeOptions, Engine, SourceFile } from "./engine-port.js";

export type AnalysisJob = { id: number; kind: "analyze"; files: SourceFile[]; options?: AnalyzeOptions } | { id: number; kind: "references"; files: SourceFile[] };

export type AnalysisReply = { id: number; result: AnalysisResult | string[] } | { id: number; error: string };

interface Pending {
  job: AnalysisJob;
  resolve(result: AnalysisResult | string[]): void;
  reject(err: Error): void;
}

/** An analysis stopped at its time budget or memory cap; its thread was replaced. */
export class AnalysisOverrun extends Error {
  override readonly name = "AnalysisOverrun";
}

export interface AnalysisLimits {
  /** Time one analysis may take before its thread is ended and replaced (default 20 s). */
  budgetMs: number;
  /** Heap of one analysis thread, in MiB (`resourceLimits.maxOldGenerationSizeMb`, default 512). */
  memoryMb: number;
  now(): number;
}

export const DEFAULT_ANALYSIS_LIMITS: AnalysisLimits = { budgetMs: 20_000, memoryMb: 512, now: Date.now };

/** One worker thread running one job at a time: the job's budget starts when the thread takes it. */
class AnalysisThread {
  private worker: Worker | undefined;
  private readonly queued: Pending[] = [];
  private current: { pending: Pending; since: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly script: URL,
    private readonly limits: AnalysisLimits,
  ) {}

  get load(): number {
    return this.queued.length + (this.current ? 1 : 0);
  }

  /** How long the running job has run (ms), or undefined when idle. */
  busyFor(now: number): number | undefined {
    return this.current ? now - this.current.since : undefined;
  }

  run(job: AnalysisJob): Promise<AnalysisResult | string[]> {
    return new Promise((resolve, reject) => {
      this.queued.push({ job, resolve, reject });
      this.next();
    });
  }

  /** Ends the thread; analyses still held fail. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const pending of this.queued.splice(0)) pending.reject(new Error("the analysis engine stopped"));
    this.finish({ error: new Error("the analysis engine stopped") });
    await worker?.terminate();
  }

  private next(): void {
    if (this.current) return;
    const pending = this.queued.shift();
    if (!pending) {
      this.worker?.unref();
      return;
    }
    const worker = this.started();
    worker.ref();
    const timer = setTimeout(() => this.overrun(worker, `took longer than its budget of ${this.limits.budgetMs / 1000} s`), this.limits.budgetMs);
    this.current = { pending, since: this.limits.now(), timer };
    worker.postMessage(pending.job);
  }

  private finish(outcome: { result: AnalysisResult | string[] } | { error: Error }): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    if ("error" in outcome) current.pending.reject(outcome.error);
    else current.pending.resolve(outcome.result);
    this.next();
  }

  /** Ends the thread holding a job past its limits; the job fails with `AnalysisOverrun`, the next one gets a new thread. */
  private overrun(worker: Worker, reason: string): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
    this.finish({ error: new AnalysisOverrun(`the analysis ${reason}`) });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMb } });
    worker.unref();
    worker.on("message", (reply: AnalysisReply) => {
      if (this.worker !== worker || this.current?.pending.job.id !== reply.id) return;
      this.finish("error" in reply ? { error: new Error(`the analysis failed: ${reply.error}`) } : { result: reply.result });
    });
    const fail = (reason: string, overrun: boolean) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.finish({ error: overrun ? new AnalysisOverrun(`the analysis ${reason}`) : new Error(`the analysis thread ${reason}`) });
    };
    worker.on("error", (err) => {
      const outOfMemory = (err as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      fail(outOfMemory ? `needed more than its memory cap of ${this.limits.memoryMb} MiB` : `failed: ${err.message}`, outOfMemory);
    });
    worker.on("exit", (code) => fail(`exited with code ${code}`, false));
    this.worker = worker;
    return worker;
  }
}

export interface AnalysisHealth {
  budgetMs: number;
  /** Per thread: how long its running analysis has run (ms), null when idle. */
  threads: (number | null)[];
  /** A thread still busy past its budget (ending it failed): not ready. */
  stuck: boolean;
}

/**
 * The engine with `analyze` and `referencedPaths` in worker threads (`threads` of them, jobs to the least loaded),
 * each analysis bounded by `limits`.
 */
export class WorkerEngine implements Engine {
  private readonly threads: AnalysisThread[];
  private nextId = 1;

  constructor(
    threads = 1,
    script = new URL("./engine-worker.js", import.meta.url),
    private readonly limits: AnalysisLimits = DEFAULT_ANALYSIS_LIMITS,
  ) {
    this.threads = Array.from({ length: Math.max(1, threads) }, () => new AnalysisThread(script, limits));
  }

  async analyze(files: SourceFile[], options?: AnalyzeOptions): Promise<AnalysisResult> {
    return (await this.leastLoaded().run({ id: this.nextId++, kind: "analyze", files, ...(options === undefined ? {} : { options }) })) as AnalysisResult;
  }

  isAnalyzablePath(path: string): boolean {
    return engine.isAnalyzablePath(path);
  }

  async referencedPaths(files: SourceFile[]): Promise<string[]> {
    return (await this.leastLoaded().run({ id: this.nextId++, kind: "references", files })) as string[];
  }

  health(): AnalysisHealth {
    const now = this.limits.now();
    const threads = this.threads.map((t) => t.busyFor(now) ?? null);
    // A second past the budget: the timer ends the thread at the budget, so only a thread that would not end is here.
    return { budgetMs: this.limits.budgetMs, threads, stuck: threads.some((ms) => ms !== null && ms > this.limits.budgetMs + 1000) };
  }

  private leastLoaded(): AnalysisThread {
    return this.threads.reduce((a, b) => (b.load < a.load ? b : a));
  }

  /** Ends the worker threads. Idle threads do not keep the process alive. */
  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}

/**
 * The engine of `src/app/index.ts`: `TAGGUARD_ANALYSIS_THREADS` threads (default: one per core but one, at least
 * one), `TAGGUARD_ANALYSIS_BUDGET_MS` (default 20000) and `TAGGUARD_ANALYSIS_MEMORY_MB` (default 512) per analysis.
 */
export function workerEngineFromEnv(env: Readonly<Record<string, string | undefined>>): WorkerEngine {
  const threads = positiveIntegerFromEnv(env, "TAGGUARD_ANALYSIS_THREADS", Math.max(1, availableParallelism() - 1));
  return new WorkerEngine(threads, undefined, {
    ...DEFAULT_ANALYSIS_LIMITS,
    budgetMs: positiveIntegerFromEnv(env, "TAGGUARD_ANALYSIS_BUDGET_MS", DEFAULT_ANALYSIS_LIMITS.budgetMs),
    memoryMb: positiveIntegerFromEnv(env, "TAGGUARD_ANALYSIS_MEMORY_MB", DEFAULT_ANALYSIS_LIMITS.memoryMb),
  });
}
