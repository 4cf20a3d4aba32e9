/**
 * What one loaded App runs on: the store, the job runner working stored deliveries off, and the dispatch from
 * event to handler. `src/app/app.ts` registers the handlers, then starts the jobs.
 */

import type { Logger, Probot } from "probot";
import type { GitHubRetryPolicy } from "../github/octokit.js";
import { Dispatch } from "./dispatch.js";
import { DeliveryRecovery } from "./recovery.js";
import { DeliveryJobs, type JobOptions } from "./jobs.js";
import { jobOptionsFromEnv } from "./queue.js";
import { Store } from "./store.js";

export interface RuntimeOptions {
  /** A store opened by the caller, who closes it; by default one is opened from the environment and closed here. */
  store?: Store;
  jobs: Partial<JobOptions>;
}

export class Runtime {
  private stopped: Promise<boolean> | undefined;
  private readonly cleanups: (() => void)[] = [];
  private stopRecovery: () => Promise<void> = async () => undefined;

  private constructor(
    private readonly log: Logger,
    readonly store: Store,
    private readonly ownsStore: boolean,
    readonly jobs: DeliveryJobs,
    readonly dispatch: Dispatch,
  ) {}

  static async start(app: Probot, policy: GitHubRetryPolicy, options: RuntimeOptions): Promise<Runtime> {
    const log = app.log.child({ name: "tagguard-runtime" });
    const store = options.store ?? (await Store.open(process.env, { log: (line) => log.debug(line) }));
    const embedded = options.store === undefined && !process.env.DATABASE_URL?.trim();
    const jobs = new DeliveryJobs(store, { ...jobOptionsFromEnv(process.env, embedded), ...options.jobs }, log);
    log.debug({ store: store.description, embedded, replica: jobs.replica }, "tagguard: store ready");
    return new Runtime(log, store, options.store === undefined, jobs, new Dispatch(app, jobs, policy));
  }

  startJobs(): Promise<void> {
    return this.jobs.start(this.dispatch.run);
  }

  /** Starts the sweep that has GitHub resend failed deliveries the store has no job for (`recovery.ts`). */
  recoverDeliveries(app: Probot, intervalMs: number): void {
    const recovery = new DeliveryRecovery(app, this.store, this.log, { intervalMs, now: Date.now });
    recovery.start();
    this.stopRecovery = () => recovery.stop();
  }

  /** Runs `cleanup` at shutdown. */
  onShutdown(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops taking deliveries and jobs, lets running jobs finish or releases them, closes an owned store. */
  shutdown(): Promise<boolean> {
    this.stopped ??= (async () => {
      this.log.info("tagguard: shutting down: refusing new deliveries, taking no new job");
      await this.stopRecovery();
      const finished = await this.jobs.stop();
      if (finished) this.log.info("tagguard: running jobs finished");
      else this.log.warn("tagguard: shutdown timed out; the running jobs were released and run again on another replica or after the restart");
      if (this.ownsStore) await this.store.close();
      for (const cleanup of this.cleanups.splice(0)) cleanup();
      return finished;
    })();
    return this.stopped;
  }
}
