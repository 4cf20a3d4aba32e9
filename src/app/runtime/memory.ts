import type { Store } from "./store.js";

/**
 * Small facts handlers must agree on across replicas and restarts, kept in the store (`tagguard.memory`), one
 * `scope` per kind of fact: e.g. the incident issue opened for an image tag, so every replica finds it even while
 * GitHub's issue list lags behind the issue just created.
 */
export class StoreMemory<V> {
  constructor(
    private readonly store: Store,
    private readonly scope: string,
  ) {}

  async get(key: string): Promise<V | undefined> {
    const { rows } = await this.store.pool.query<{ value: V }>("select value from tagguard.memory where scope = $1 and key = $2", [this.scope, key]);
    return rows[0]?.value;
  }

  async set(key: string, value: V): Promise<void> {
    await this.store.pool.query(
      `insert into tagguard.memory (scope, key, value) values ($1, $2, $3::jsonb)
       on conflict (scope, key) do update set value = excluded.value, updated_at = now()`,
      [this.scope, key, JSON.stringify(value)],
    );
  }

  async delete(key: string): Promise<void> {
    await this.store.pool.query("delete from tagguard.memory where scope = $1 and key = $2", [this.scope, key]);
  }
}
