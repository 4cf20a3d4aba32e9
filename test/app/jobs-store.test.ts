import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import pg from "pg";
import { pino } from "pino";
import { DEFAULT_JOB_OPTIONS, DeliveryJobs, type StoredDelivery } from "../../src/app/runtime/jobs.js";
import { Store } from "../../src/app/runtime/store.js";
import { freshDatabase } from "../support/database.js";

/**
 * `DeliveryJobs.enqueue` on a real PostgreSQL: deliveries that arrive together are stored together, each id once, and
 * two replicas storing the same deliveries at once (in opposite orders) store each once.
 */

let url: string;
let stores: [Store, Store];
const log = pino({ level: "silent" });

beforeAll(async () => {
  url = await freshDatabase();
  stores = [await Store.connect(url), await Store.connect(url)];
});

afterAll(async () => {
  await Promise.all((stores ?? []).map((s) => s.close()));
});

const delivery = (id: string): StoredDelivery => ({ id, name: "pull_request", payload: { action: "opened", number: Number(id.replace(/\D/g, "")) } });

/** The jobs of deliveries `ids` (the payload is in graphile-worker's table, not in its view). */
async function jobsOf(ids: string[]): Promise<{ key: string; task_identifier: string; queue_name: string; payload: unknown; max_attempts: number }[]> {
  const { rows } = await stores[0].pool.query(
    `select j.key, j.task_identifier, j.queue_name, p.payload, j.max_attempts
     from graphile_worker.jobs j join graphile_worker._private_jobs p using (id) where j.key = any($1::text[]) order by j.key`,
    [ids],
  );
  return rows;
}

describe("DeliveryJobs.enqueue", () => {
  it("stores a delivery and its job in its queue, keyed by the delivery id; the same id again adds nothing, even in the same group", async () => {
    const jobs = new DeliveryJobs(stores[0], DEFAULT_JOB_OPTIONS, log);
    const answers = await Promise.all([jobs.enqueue(delivery("g-1"), "repo:a/b"), jobs.enqueue(delivery("g-2"), "repo:a/c"), jobs.enqueue(delivery("g-2"), "repo:a/c")]);
    expect(answers).toEqual(["stored", "stored", "duplicate"]);
    expect(await jobs.enqueue(delivery("g-1"), "repo:a/b")).toBe("duplicate");
    expect(await jobsOf(["g-1", "g-2"])).toEqual([
      { key: "g-1", task_identifier: "delivery", queue_name: "repo:a/b", payload: { ...delivery("g-1"), queue: "repo:a/b" }, max_attempts: 10 },
      { key: "g-2", task_identifier: "delivery", queue_name: "repo:a/c", payload: { ...delivery("g-2"), queue: "repo:a/c" }, max_attempts: 10 },
    ]);
  });

  it("stores a delivery whose run failed for good again", async () => {
    const jobs = new DeliveryJobs(stores[0], DEFAULT_JOB_OPTIONS, log);
    expect(await jobs.enqueue(delivery("f-1"), "repo:a/f")).toBe("stored");
    await stores[0].pool.query("select graphile_worker.complete_jobs(array_agg(id)) from graphile_worker.jobs where key = 'f-1'");
    await stores[0].pool.query("update tagguard.deliveries set state = 'failed' where id = 'f-1'");
    expect(await jobs.enqueue(delivery("f-1"), "repo:a/f")).toBe("stored");
    expect((await jobsOf(["f-1"])).map((j) => j.key)).toEqual(["f-1"]);
    expect((await stores[0].pool.query("select state from tagguard.deliveries where id = 'f-1'")).rows).toEqual([{ state: "queued" }]);
  });

  it("stores each of the same deliveries once when two replicas store them at once, in opposite orders, into new queues", async () => {
    const [a, b] = stores.map((s) => new DeliveryJobs(s, DEFAULT_JOB_OPTIONS, log)) as [DeliveryJobs, DeliveryJobs];
    const ids = Array.from({ length: 40 }, (_, i) => `r-${String(i).padStart(2, "0")}`);
    const queue = (id: string) => `repo:r/${Number(id.slice(2)) % 7}`;
    const [fromA, fromB] = await Promise.all([
      Promise.all(ids.map((id) => a.enqueue(delivery(id), queue(id)))),
      Promise.all([...ids].reverse().map((id) => b.enqueue(delivery(id), queue(id)))),
    ]);
    const stored = ids.map((_, i) => [fromA[i], fromB[ids.length - 1 - i]].filter((o) => o === "stored").length);
    expect(stored).toEqual(ids.map(() => 1));
    expect((await jobsOf(ids)).map((j) => [j.key, j.queue_name])).toEqual(ids.map((id) => [id, queue(id)]));
  });

  it("stores a group again when PostgreSQL aborts it to end a deadlock", async () => {
    const jobs = new DeliveryJobs(stores[0], DEFAULT_JOB_OPTIONS, log);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      // Another transaction creates queue "repo:d/1"; the group inserts delivery "d-1", then waits for that queue.
      await other.query("begin");
      await other.query("set local deadlock_timeout = '1min'");
      await other.query("select graphile_worker.add_job('other', queue_name := 'repo:d/1')");
      const stored = jobs.enqueue(delivery("d-1"), "repo:d/1");
      await waitForLockWait(1);
      // The other transaction now waits for the group's "d-1": a deadlock, which aborts the group (its deadlock_timeout
      // is the shorter). Run again, the group waits for "d-1" until the other transaction is rolled back.
      const insert = other.query("insert into tagguard.deliveries (id, event, queue) values ('d-1', 'x', 'repo:d/1')");
      await insert;
      await waitForLockWait(1);
      await other.query("rollback");
      expect(await stored).toBe("stored");
      expect((await jobsOf(["d-1"])).map((j) => [j.key, j.queue_name])).toEqual([["d-1", "repo:d/1"]]);
      expect((await stores[0].pool.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'other'")).rows).toEqual([{ n: 0 }]);
    } finally {
      await other.end();
    }
  });
});

/** Resolves once `n` sessions of this database wait for a lock (checked every 10 ms). */
async function waitForLockWait(n: number): Promise<void> {
  for (;;) {
    const { rows } = await stores[1].pool.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if (rows[0]?.n === n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
