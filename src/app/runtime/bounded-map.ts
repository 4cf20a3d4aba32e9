/** A map that keeps at most `max` entries, forgetting the least recently written first. */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max = 1000) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
