import { describe, expect, it } from "@jest/globals";
import { LazyMap } from "../../../src/workflow/expr/lazy-map.js";

describe("LazyMap", () => {
  it("computes an entry on first read, once, whichever copy reads it", () => {
    const computed: string[] = [];
    const lazy = (name: string, value: number) => () => {
      computed.push(name);
      return value;
    };
    const map = new LazyMap<string, number>().setLazy("a", lazy("a", 1)).setLazy("b", lazy("b", 2));
    map.set("c", 3);
    expect(map.size).toBe(3);
    expect(map.has("a")).toBe(true);
    expect(computed).toEqual([]);
    const copy = LazyMap.from(map);
    expect(copy.get("a")).toBe(1);
    expect(map.get("a")).toBe(1);
    expect(computed).toEqual(["a"]);
  });

  it("merges maps in order without computing, later entries winning", () => {
    let reads = 0;
    const base = new Map([["x", 1], ["y", 2]]);
    const over = new LazyMap<string, number>().setLazy("y", () => (reads++, 20)).setLazy("z", () => (reads++, 30));
    const merged = LazyMap.from(base, over);
    expect(reads).toBe(0);
    expect([...merged.keys()]).toEqual(["x", "y", "z"]);
    expect(merged.get("y")).toBe(20);
    expect(reads).toBe(1);
  });

  it("computes every entry when iterated, keeping the order of the entries", () => {
    const map = new LazyMap<string, number>().setLazy("a", () => 1);
    map.set("b", 2);
    map.setLazy("c", () => 3);
    expect([...map]).toEqual([["a", 1], ["b", 2], ["c", 3]]);
    expect([...map.values()]).toEqual([1, 2, 3]);
    expect(new Map(map)).toEqual(new Map([["a", 1], ["b", 2], ["c", 3]]));
    const seen: [string, number][] = [];
    map.forEach((v, k) => seen.push([k, v]));
    expect(seen).toEqual([["a", 1], ["b", 2], ["c", 3]]);
  });
});
