/**
 * Deliveries as durable jobs, on graphile-worker (a maintained PostgreSQL job queue: LISTEN/NOTIFY pick-up, named
 * queues that run their jobs one at a time in order, retries with exponential backoff).
 *
 * - `enqueue` inserts the delivery's row and its job in one statement: the webhook is acknowledged only after it
 *   committed, and a delivery id seen before (a redelivery, or the same delivery sent to two replicas) adds nothing.
 *   Deliveries that arrive while an earlier one is being stored are stored together, in one statement and one commit
 *   (`CommitGroup`).
 * - A job's queue is its serialisation key (`repo:owner/name`, `image:name:tag`): one job per key runs at a time,
 *   whichever replica takes it.
 * - Leases: each process registers its workers in `tagguard.replicas` and renews the row every `leaseMs / 3`. Jobs
 *   locked by a process not seen for `leaseMs` (killed, or cut off from the database) are unlocked by any other
 *   replica's sweep, or at the next start of an embedded store, which no other process can be using.
 * - `stop` takes no new job, lets running ones finish for at most `shutdownMs`, and then unlocks the rest so
 *   another replica, or the next start, runs them.
 */


import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { type Job, Logger as WorkerLogger, type Runner, run, type WorkerEvents } from "graphile-worker";
import type { Logger } from "pino";
import { CommitGroup } from "./commit-group.js";
import type { Store } from "./store.js";

/** A delivery as stored: what GitHub sent, verified and parsed. */
export interface StoredDelivery {
  id: string;
  name: string;
  payload: unknown;
}

export interface Attempt {
  /** 1 for the first run of the job. */
  attempt: number;
  maxAttempts: number;
  /** The job was put back by an earlier run of the delivery (e.g. until a rate limit reset). */
  resumed: boolean;
}

/**
 * How a run ended: `done`; `failed` for good (logged; a redelivery of the same id makes a new job); or to be run again
 * at `retryAt`, e.g. when a rate limit resets.
 */
export type RunOutcome = "done" | "failed" | { retryAt: Date };

/** Works a stored delivery off. Throwing fails the attempt: the store runs it again after its backoff. */
export type RunDelivery = (delivery: StoredDelivery, attempt: Attempt) => Promise<RunOutcome>;

export interface JobOptions {
  /** Jobs running at once in this process. */
  concurrency: number;
  /** How long a process may go unseen before the jobs it holds are released to others (default 30 s). */
  leaseMs: number;
  /** On shutdown, how long running jobs may finish before they are released (default 8 s). */
  shutdownMs: number;
  /** Runs of one job, the first included, before it is given up (default 10; backoff e^n s, about 6 h in all). */
  maxAttempts: number;
  /** The store is embedded: nothing else uses it, so at start the jobs of earlier processes are released at once. */
  soleUser: boolean;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = { concurrency: 4, leaseMs: 30_000, shutdownMs: 8_000, maxAttempts: 10, soleUser: false };

const TASK = "delivery";

interface Enqueued {
  id: string;
  /** The delivery's row and job as JSON: `{ id, event, queue, job }`. */
  row: string;
}

/** The JSON text of deliveries one statement stores at most (unless one delivery alone is larger: GitHub's cap is 25 MB). */
const MAX_GROUP_TEXT = 32 * 1024 * 1024;

/** PostgreSQL's `deadlock_detected`. */
const DEADLOCK = "40P01";

/**
 * $1: a JSON array of `{ id, event, queue, job }`; $2: the task; $3: the job's attempts. Returns the job keys (delivery
 * ids) of the jobs added: one per delivery row inserted, or set queued again after its run failed for good.
 */
const STORE_DELIVERIES = `
  with input as (
    select * from json_to_recordset($1::json) as i(id text, event text, queue text, job json)
  ), stored as (
    insert into tagguard.deliveries (id, event, queue)
    select id, event, queue from input order by id
    on conflict (id) do update set state = 'queued', received_at = now() where tagguard.deliveries.state = 'failed'
    returning id
  ), specs as (
    select array_agg(
      json_populate_record(null::graphile_worker.job_spec,
        json_build_object('identifier', $2::text, 'payload', input.job, 'queue_name', input.queue, 'max_attempts', $3::int, 'job_key', input.id))
      order by input.id) as specs
    from input join stored using (id)
  )
  select job.key from specs, graphile_worker.add_jobs(specs.specs) as job where specs.specs is not null`;

/** graphile-worker's messages, in pino. A failed task is logged by the dispatch already, with the delivery id. */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger(() => (level, message) => {
    if (message.startsWith("Failed task")) log.debug(`graphile-worker: ${message}`);
    else if (level === "error") log.error(`graphile-worker: ${message}`);
    else if (level === "warning") log.warn(`graphile-worker: ${message}`);
    else log.debug(`graphile-worker: ${message}`);
  });
}

export class DeliveryJobs {
  /** This process in `tagguard.replicas`. */
  readonly replica = randomUUID();
  private runner: Runner | undefined;
  private readonly workers = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Deliveries waiting to be stored, and the statement storing the ones before them. */
  private readonly commits = new CommitGroup<Enqueued, "stored" | "duplicate">({
    write: (items) => this.storeDeliveries(items),
    size: (item) => item.row.length,
    maxSize: MAX_GROUP_TEXT,
  });

  constructor(
    private readonly store: Store,
    private readonly options: JobOptions,
    private readonly log: Logger,
  ) {}

  get accepting(): boolean {
    return !this.stopping;
  }

  /**
   * Stores the delivery's job in `queue`; "duplicate" when the delivery id was stored before (nothing is added),
   * unless its run failed for good: a redelivery then runs it again.
   */
  enqueue(delivery: StoredDelivery, queue: string): Promise<"stored" | "duplicate"> {
    const row = JSON.stringify({ id: delivery.id, event: delivery.name, queue, job: { ...delivery, queue } });
    return this.commits.add({ id: delivery.id, row });
  }

  /** Stores a group of deliveries in one statement; an id twice in the group is stored once (the first). */
  private async storeDeliveries(items: readonly Enqueued[]): Promise<("stored" | "duplicate")[]> {
    const first = new Map<string, number>();
    items.forEach(({ id }, i) => {
      if (!first.has(id)) first.set(id, i);
    });
    const rows = [...first.values()].map((i) => (items[i] as Enqueued).row);
    const stored = await this.insertDeliveries(`[${rows.join(",")}]`);
    return items.map(({ id }, i) => (first.get(id) === i && stored.has(id) ? "stored" : "duplicate"));
  }

  /**
   * Inserts the rows of deliveries not stored before (or whose run failed for good) and their jobs, in one statement.
   * Rows are inserted in id order, so two replicas storing the same deliveries wait for each other in one order; a
   * deadlock (two groups creating the same new queues in another order) aborts the statement, which is run again.
   */
  private async insertDeliveries(rows: string): Promise<Set<string>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { rows: jobs } = await this.store.pool.query<{ key: string }>(STORE_DELIVERIES, [rows, TASK, this.options.maxAttempts]);
        return new Set(jobs.map((j) => j.key));
      } catch (err) {
        if ((err as { code?: unknown }).code !== DEADLOCK || attempt >= 3) throw err;
      }
    }
  }

  /** Starts taking jobs, running each with `runDelivery`. */
  async start(runDelivery: RunDelivery): Promise<void> {
    const events: WorkerEvents = new EventEmitter();
    events.on("worker:create", ({ worker }) => this.workers.add(worker.workerId));
    await this.heartbeat();
    await this.releaseAbandoned(this.options.soleUser);
    this.runner = await run({
      pgPool: this.store.pool,
      concurrency: this.options.concurrency,
      noHandleSignals: true,
      crontab: "",
      pollInterval: 1000,
      logger: workerLogger(this.log),
      events,
      taskList: {
        [TASK]: async (payload, helpers) => {
          const { queue, resumed, ...delivery } = payload as StoredDelivery & { queue: string; resumed?: true };
          const job: Job = helpers.job;
          const outcome = await runDelivery(delivery, { attempt: job.attempts, maxAttempts: job.max_attempts, resumed: resumed === true });
          if (typeof outcome === "object") {
            const again = { ...delivery, queue, resumed: true };
            await helpers.addJob(TASK, again, { queueName: queue, runAt: outcome.retryAt, jobKey: delivery.id, maxAttempts: job.max_attempts });
          } else {
            await this.store.pool.query("update tagguard.deliveries set state = $2 where id = $1", [delivery.id, outcome]);
          }
        },
      },
    });
    await this.heartbeat();
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.heartbeat();
      await this.releaseAbandoned(false);
    } catch (err) {
      this.log.warn({ error: err instanceof Error ? err.message : String(err) }, "tagguard: the store did not answer the lease renewal");
    }
  }

  private async heartbeat(): Promise<void> {
    await this.store.pool.query(
      `insert into tagguard.replicas (id, workers, seen_at) values ($1, $2, now())
       on conflict (id) do update set workers = excluded.workers, seen_at = now()`,
      [this.replica, [...this.workers]],
    );
  }

  /** Unlocks the jobs of processes whose lease ran out (of every other process when `all`). */
  private async releaseAbandoned(all: boolean): Promise<void> {
    const { rows } = await this.store.pool.query<{ id: string; workers: string[] }>(
      `delete from tagguard.replicas where id <> $1 and ($2 or seen_at < now() - make_interval(secs => $3)) returning id, workers`,
      [this.replica, all, this.options.leaseMs / 1000],
    );
    const workers = rows.flatMap((r) => r.workers);
    if (workers.length === 0) return;
    await this.store.pool.query("select graphile_worker.force_unlock_workers($1::text[])", [workers]);
    this.log.warn({ replicas: rows.map((r) => r.id) }, "tagguard: released the jobs of processes whose lease ran out; they run again");
  }

  /**
   * Takes no new job; waits up to `shutdownMs` for the running ones, then unlocks what is still running (it runs
   * again elsewhere or after the restart). Resolves true when everything running had finished.
   */
  async stop(): Promise<boolean> {
    this.stopping = true;
    clearInterval(this.timer);
    const runner = this.runner;
    this.runner = undefined;
    let finished = true;
    if (runner) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.shutdownMs)));
      finished = await Promise.race([runner.stop().then(() => true as const), timedOut]);
      clearTimeout(timer);
    }
    await this.store.pool.query("select graphile_worker.force_unlock_workers($1::text[])", [[...this.workers]]);
    await this.store.pool.query("delete from tagguard.replicas where id = $1", [this.replica]);
    return finished;
  }

  /** Jobs that can run now or are running, in the whole store. */
  async pending(): Promise<number> {
    const { rows } = await this.store.pool.query<{ n: string }>(
      "select count(*) as n from graphile_worker.jobs where locked_at is not null or (run_at <= now() and attempts < max_attempts)",
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Resolves once no job can run now and none is running (checked every 20 ms). */
  async idle(): Promise<void> {
    while ((await this.pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** This process's workers, for `/ready`. */
  get running(): boolean {
    return this.runner !== undefined;
  }
}
