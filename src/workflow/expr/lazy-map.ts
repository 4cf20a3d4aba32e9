/** An entry computed on first read, once, whichever copy of the map reads it. */
class Pending<V> {
  private done = false;
  private result: V | undefined;

  constructor(private readonly compute: () => V) {}

  value(): V {
    if (!this.done) {
      this.result = this.compute();
      this.done = true;
    }
    return this.result as V;
  }
}

/**
 * A map whose entries may be computed on first read (`setLazy`): docker/metadata-action's outputs and the
 * `DOCKER_METADATA_OUTPUT_*` variables are worked out only for the ones an expression reads. Reading an entry
 * computes it; iterating the values computes them all; `LazyMap.from` copies a map without computing anything.
 */
export class LazyMap<K, V> extends Map<K, V> {
  /** A copy of `maps` merged in order (later entries win), keeping entries not read yet unread. */
  static from<K, V>(...maps: Map<K, V>[]): LazyMap<K, V> {
    const out = new LazyMap<K, V>();
    for (const map of maps) {
      for (const [key, value] of Map.prototype.entries.call(map) as MapIterator<[K, V]>) Map.prototype.set.call(out, key, value);
    }
    return out;
  }

  setLazy(key: K, compute: () => V): this {
    super.set(key, new Pending(compute) as V);
    return this;
  }

  override get(key: K): V | undefined {
    const v = super.get(key);
    return v instanceof Pending ? (v.value() as V) : v;
  }

  override entries(): MapIterator<[K, V]> {
    this.computeAll();
    return super.entries();
  }

  override values(): MapIterator<V> {
    this.computeAll();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.computeAll();
    super.forEach(callback, thisArg);
  }

  /** Replaces every pending entry by its value, in place (the order of the entries is kept). */
  private computeAll(): void {
    for (const [key, v] of super.entries()) if (v instanceof Pending) super.set(key, v.value() as V);
  }
}
