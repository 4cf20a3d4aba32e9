/**
 * Group commit: writes that arrive while earlier ones are being written wait, and go together in the next write,
 * one transaction for all of them. Nothing waits for a timer: a write starts as soon as fewer than `inFlight` are
 * running, with everything queued up to then (at most `maxItems`, and items of at most `maxSize` together unless one
 * alone is larger).
 *
 * The store acknowledges a delivery only once its job is committed, and PostgreSQL serialises the commits of
 * transactions that `NOTIFY` (graphile-worker's `add_jobs` does, so that workers pick the job up), each with its own
 * WAL flush. One commit for the deliveries that arrived together keeps the acknowledgement from queueing behind every
 * other delivery's commit.
 */

export interface CommitGroupOptions<I, O> {
  /** Writes `items` in one transaction; resolves with one result per item, in order. */
  write(items: readonly I[]): Promise<O[]>;
  /** Writes running at once (default 1). */
  inFlight?: number;
  /** Items in one write at most (default 100). */
  maxItems?: number;
  /** The size of an item (default 1), and the sum of sizes one write takes at most (default: no limit). */
  size?: (item: I) => number;
  maxSize?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(err: unknown): void;
}

export class CommitGroup<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  private running = 0;
  private readonly inFlight: number;
  private readonly maxItems: number;

  constructor(private readonly options: CommitGroupOptions<I, O>) {
    this.inFlight = options.inFlight ?? 1;
    this.maxItems = options.maxItems ?? 100;
  }

  /** Resolves with the item's result once the write that took it committed; rejects when that write failed. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running >= this.inFlight || this.queue.length === 0) return;
    const { size = () => 1, maxSize = Number.POSITIVE_INFINITY } = this.options;
    let count = 1;
    let total = size((this.queue[0] as Waiting<I, O>).item);
    while (count < this.queue.length && count < this.maxItems) {
      const next = size((this.queue[count] as Waiting<I, O>).item);
      if (total + next > maxSize) break;
      total += next;
      count += 1;
    }
    const group = this.queue.splice(0, count);
    this.running += 1;
    void this.run(group).finally(() => {
      this.running -= 1;
      this.next();
    });
  }

  private async run(group: Waiting<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await this.options.write(group.map((w) => w.item));
      if (results.length !== group.length) throw new Error(`the write returned ${results.length} results for ${group.length} items`);
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i] as O));
  }
}
