/**
 * Values that carry an image reference, indexed by keys a reference keeps whatever its unknown parts
 * (`sameStringKeys`: the literal name, the tag with its unknown parts by source, their evaluations), so that a
 * reference is compared only with the values whose reference may be the same string, instead of with all of them.
 */

import { sameStringKeys, type TemplateRef } from "./image-ref.js";

/** Positions of the values of one bucket. */
interface Bucket {
  /** By the evaluations of the tag's unknown parts. */
  byScopes: Map<string, number[]>;
  /** Those with a run's ref name in the tag: any evaluation of it may be the same string. */
  loose: number[];
  all: number[];
}

export class RefIndex<T> {
  private readonly buckets = new Map<string, Bucket>();
  /** Positions of the values whose reference is opaque: any reference may be the same string. */
  private readonly open: number[] = [];
  /** Positions of every value that may be the same string as some reference (no digest). */
  private readonly comparable: number[] = [];
  /** Candidates per queried key, built on first use. */
  private readonly merged = new Map<string, T[]>();

  constructor(
    readonly all: readonly T[],
    refOf: (value: T) => TemplateRef,
  ) {
    all.forEach((value, i) => {
      const ref = refOf(value);
      if (ref.digest) return;
      this.comparable.push(i);
      const keys = sameStringKeys(ref);
      if (keys === null) {
        this.open.push(i);
        return;
      }
      const bucket = this.buckets.get(keys.bucket) ?? { byScopes: new Map<string, number[]>(), loose: [], all: [] };
      this.buckets.set(keys.bucket, bucket);
      bucket.all.push(i);
      if (keys.scopes === null) bucket.loose.push(i);
      else {
        const list = bucket.byScopes.get(keys.scopes);
        if (list) list.push(i);
        else bucket.byScopes.set(keys.scopes, [i]);
      }
    });
  }

  /**
   * The values whose reference `compareRefs` may answer `definite` for against `ref`, in their original order:
   * none when `ref` has a digest; every value without a digest when `ref` is opaque; else those of `ref`'s bucket
   * with the same evaluations (all of the bucket when a run's ref name is involved), and the opaque ones.
   */
  sameString(ref: TemplateRef): readonly T[] {
    if (ref.digest) return [];
    const keys = sameStringKeys(ref);
    const key = keys === null ? "" : `${keys.bucket}\n\n${keys.scopes ?? "\0loose"}`;
    let found = this.merged.get(key);
    if (found === undefined) {
      const bucket = keys && this.buckets.get(keys.bucket);
      const positions =
        keys === null
          ? this.comparable
          : !bucket
            ? this.open
            : keys.scopes === null
              ? [...bucket.all, ...this.open].sort((a, b) => a - b)
              : [...(bucket.byScopes.get(keys.scopes) ?? []), ...bucket.loose, ...this.open].sort((a, b) => a - b);
      found = positions.map((i) => this.all[i]);
      this.merged.set(key, found);
    }
    return found;
  }
}
