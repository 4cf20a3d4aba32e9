/**
 * Runs the engine's parsing work off the event loop. An analysis is pure and synchronous and can take a
 * few hundred milliseconds on a large repository, and finding the files a set of files references parses
 * them all; on the main thread either would hold up every other delivery's acknowledgement. One worker
 * thread (by default) takes the jobs in turn; the main thread keeps answering webhooks and only checks paths.
 * A worker that dies is replaced, and the analyses it held fail with the reason (the run is then failed
 * and logged like any other, and completes on redelivery).
 */

import { Worker } from "node:worker_threads";
import * as engine from "../../engine/index.js";
import type { AnalysisResult, AnalyzeOptions, Engine, SourceFile } from "./engine-port.js";

export type AnalysisJob = { id: number; kind: "analyze"; files: SourceFile[]; options?: AnalyzeOptions } | { id: number; kind: "references"; files: SourceFile[] };

export type AnalysisReply = { id: number; result: AnalysisResult | string[] } | { id: number; error: string };

interface Pending {
  resolve(result: AnalysisResult | string[]): void;
  reject(err: Error): void;
}

class AnalysisThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly script: URL) {}

  get load(): number {
    return this.pending.size;
  }

  run(job: AnalysisJob): Promise<AnalysisResult | string[]> {
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      const worker = this.started();
      worker.ref();
      worker.postMessage(job);
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.unref();
    worker.on("message", (reply: AnalysisReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ("error" in reply) p.reject(new Error(`the analysis failed: ${reply.error}`));
      else p.resolve(reply.result);
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(`the analysis thread ${reason}`));
      this.pending.clear();
    };
    worker.on("error", (err) => fail(`failed: ${err.message}`));
    worker.on("exit", (code) => fail(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }
}

/** The engine with `analyze` and `referencedPaths` in worker threads (`threads` of them, jobs to the least loaded). */
export class WorkerEngine implements Engine {
  private readonly threads: AnalysisThread[];
  private nextId = 1;

  constructor(threads = 1, script = new URL("./engine-worker.js", import.meta.url)) {
    this.threads = Array.from({ length: Math.max(1, threads) }, () => new AnalysisThread(script));
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

  private leastLoaded(): AnalysisThread {
    return this.threads.reduce((a, b) => (b.load < a.load ? b : a));
  }

  /** Ends the worker threads. Idle threads do not keep the process alive. */
  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }
}
