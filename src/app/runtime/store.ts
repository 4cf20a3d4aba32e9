/**
 * The durable store: one PostgreSQL database, shared by every replica. It holds graphile-worker's job queue
 * (schema `graphile_worker`) and tagguard's own tables (schema `tagguard`):
 *
 * - `deliveries`: every delivery id stored (kept 3 days, as long as GitHub keeps its delivery log) and how its run
 *   ended; the job of a delivery is created in the same statement that inserts its row, so a redelivery never makes
 *   a second job;
 * - `replicas`: each running process's analysis-job workers and when it was last seen (the lease);
 * - `memory`: small facts handlers must agree on across replicas (the incident issue of an image tag);
 * - `redeliveries`: deliveries the recovery sweep asked GitHub to send again (each once).
 *
 * With `DATABASE_URL` the store is that server; without it, an embedded PostgreSQL under `TAGGUARD_DATA_DIR`.
 */

import pg from "pg";
import { Logger, runMigrations } from "graphile-worker";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

type Env = Readonly<Record<string, string | undefined>>;

const SCHEMA = `
create schema if not exists tagguard;
create table if not exists tagguard.deliveries (
  id text primary key,
  event text not null,
  queue text not null,
  state text not null default 'queued' check (state in ('queued', 'done', 'failed')),
  received_at timestamptz not null default now()
);
create index if not exists deliveries_received_at on tagguard.deliveries (received_at);
create table if not exists tagguard.replicas (
  id text primary key,
  workers text[] not null default '{}',
  seen_at timestamptz not null default now()
);
create table if not exists tagguard.memory (
  scope text not null,
  key text not null,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (scope, key)
);
create table if not exists tagguard.redeliveries (
  guid text primary key,
  requested_at timestamptz not null default now()
);
`;

/** Any number that is the same in every replica: migrations run under this advisory lock, one replica at a time. */
const MIGRATION_LOCK = 7_460_010;

export interface StoreOptions {
  /** Where the store's messages go (the embedded server's start-up, migrations). */
  log?: (line: string) => void;
}

export class Store {
  /** The pool's connections until each has closed (`pool.end()` resolves before their sockets do). */
  private readonly open = new Map<pg.PoolClient, Promise<void>>();

  private constructor(
    readonly pool: pg.Pool,
    /** Where the database is, without the password (for logs and `/ready`). */
    readonly description: string,
    private readonly stopServer: (() => Promise<void>) | undefined,
  ) {
    pool.on("connect", (client) => {
      this.open.set(client, new Promise((resolve) => client.once("end", () => resolve())));
      client.once("end", () => this.open.delete(client));
    });
  }

  /** `DATABASE_URL`, or the embedded server under `TAGGUARD_DATA_DIR` (default `./.tagguard`); migrated. */
  static async open(env: Env, options: StoreOptions = {}): Promise<Store> {
    const url = env.DATABASE_URL?.trim();
    if (url) return Store.connect(url, undefined, options);
    const embedded = await startEmbeddedPostgres({ dataDir: env.TAGGUARD_DATA_DIR?.trim() || ".tagguard", ...(options.log ? { log: options.log } : {}) });
    try {
      return await Store.connect(embedded.connectionString, () => embedded.stop(), options);
    } catch (err) {
      await embedded.stop();
      throw err;
    }
  }

  static async connect(connectionString: string, stopServer?: () => Promise<void>, options: StoreOptions = {}): Promise<Store> {
    const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle client whose connection breaks emits "error" on the pool; the next query reconnects.
    pool.on("error", (err) => options.log?.(`store connection lost: ${err.message}`));
    const where = new URL(connectionString);
    const store = new Store(pool, `postgres://${where.host}${where.pathname}`, stopServer);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      try {
        await runMigrations({ pgPool: this.pool, logger: silentLogger });
        await client.query(SCHEMA);
      } finally {
        await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** Whether the database answers (for `/ready`). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query("select 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
    // Stopping the embedded server while a connection is still closing would end it with an error.
    await Promise.all(this.open.values());
    await this.stopServer?.();
  }
}


/** Migrations have nothing to report (the job runner routes graphile-worker's messages to pino). */
const silentLogger = new Logger(() => () => undefined);
