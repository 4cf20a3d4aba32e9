/**
 * Values that carry an image reference, indexed by the reference's literal name and tag, so that a
 * reference is compared only with the values whose reference may name the same tag instead of with all
 * of them.
 */

import { literalNameKey, literalTagKey, type TemplateRef } from "./image-ref.js";

/** Positions of the values of one literal name. */
interface NameBucket {
  /** With a hole-free tag, by tag. */
  byTag: Map<string, number[]>;
  /** With holes in the tag, or a digest. */
  otherTags: number[];
}

export class RefIndex<T> {
  private readonly byName = new Map<string, NameBucket>();
  /** Positions of the values whose name has holes: any reference may match them. */
  private readonly open: number[] = [];
  /** Candidates per queried name (and tag), built on first use. */
  private readonly merged = new Map<string, T[]>();

  constructor(
    readonly all: readonly T[],
    refOf: (value: T) => TemplateRef,
  ) {
    all.forEach((value, i) => {
      const ref = refOf(value);
      const name = literalNameKey(ref);
      if (name === null) {
        this.open.push(i);
        return;
      }
      const bucket = this.byName.get(name) ?? { byTag: new Map<string, number[]>(), otherTags: [] };
      this.byName.set(name, bucket);
      const tag = literalTagKey(ref);
      const list = tag === null ? bucket.otherTags : bucket.byTag.get(tag);
      if (list) list.push(i);
      else bucket.byTag.set(tag as string, [i]);
    });
  }

  /**
   * The values whose reference `compareRefs` may not answer `never` for against `ref`, in their original
   * order: every value when `ref`'s name has holes; else those with the same literal name (and, when `ref`'s
   * tag is hole-free, the same tag or one with holes) and those whose name has holes.
   */
  candidates(ref: TemplateRef): readonly T[] {
    const name = literalNameKey(ref);
    if (name === null) return this.all;
    const tag = literalTagKey(ref);
    const key = JSON.stringify([name, tag]);
    let found = this.merged.get(key);
    if (found === undefined) {
      const bucket = this.byName.get(name);
      const named = !bucket
        ? []
        : tag === null
          ? [...[...bucket.byTag.values()].flat(), ...bucket.otherTags]
          : [...(bucket.byTag.get(tag) ?? []), ...bucket.otherTags];
      found = [...named, ...this.open].sort((a, b) => a - b).map((i) => this.all[i]);
      this.merged.set(key, found);
    }
    return found;
  }
}
