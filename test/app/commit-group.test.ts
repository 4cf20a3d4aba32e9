import { describe, expect, it } from "@jest/globals";
import { CommitGroup } from "../../src/app/runtime/commit-group.js";

/** A write whose calls are recorded and finished by the test, one at a time. */
function controlledWrite() {
  const calls: { items: string[]; finish(): void; fail(err: Error): void }[] = [];
  const write = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items: [...items], finish: () => resolve(items.map((i) => `${i}!`)), fail: reject });
    });
  return { calls, write };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("CommitGroup", () => {
  it("writes the first item at once and the items that arrive meanwhile together, in order, each answered with its own result", async () => {
    const { calls, write } = controlledWrite();
    const group = new CommitGroup({ write });
    const a = group.add("a");
    const rest = ["b", "c", "d"].map((i) => group.add(i));
    expect(calls.map((c) => c.items)).toEqual([["a"]]);

    calls[0]?.finish();
    expect(await a).toBe("a!");
    await settle();
    expect(calls.map((c) => c.items)).toEqual([["a"], ["b", "c", "d"]]);
    calls[1]?.finish();
    expect(await Promise.all(rest)).toEqual(["b!", "c!", "d!"]);
    expect(calls).toHaveLength(2);
  });

  it("fails the items of a failed write only; the next write goes on", async () => {
    const { calls, write } = controlledWrite();
    const group = new CommitGroup({ write });
    const a = group.add("a");
    const b = group.add("b");
    calls[0]?.fail(new Error("store down"));
    await expect(a).rejects.toThrow("store down");
    await settle();
    calls[1]?.finish();
    expect(await b).toBe("b!");
  });

  it("fails every item of a write that answers for fewer items than it was given", async () => {
    const group = new CommitGroup<string, string>({ write: async () => ["one"] });
    const first = group.add("a");
    const both = [group.add("b"), group.add("c")];
    expect(await first).toBe("one");
    for (const p of both) await expect(p).rejects.toThrow("the write returned 1 results for 2 items");
  });

  it("runs at most `inFlight` writes at once, each with at most `maxItems` items", async () => {
    const { calls, write } = controlledWrite();
    const group = new CommitGroup({ write, inFlight: 2, maxItems: 2 });
    const all = ["a", "b", "c", "d", "e", "f"].map((i) => group.add(i));
    expect(calls.map((c) => c.items)).toEqual([["a"], ["b"]]);
    calls[1]?.finish();
    await settle();
    expect(calls.map((c) => c.items)).toEqual([["a"], ["b"], ["c", "d"]]);
    calls[0]?.finish();
    await settle();
    expect(calls.map((c) => c.items)).toEqual([["a"], ["b"], ["c", "d"], ["e", "f"]]);
    calls[2]?.finish();
    calls[3]?.finish();
    expect(await Promise.all(all)).toEqual(["a!", "b!", "c!", "d!", "e!", "f!"]);
  });

  it("takes items of at most `maxSize` together into one write, and an item larger than that alone", async () => {
    const { calls, write } = controlledWrite();
    const group = new CommitGroup({ write, size: (item: string) => item.length, maxSize: 4 });
    const all = ["first", "aa", "bb", "c", "large!", "d"].map((i) => group.add(i));
    for (let n = 0; n < 4; n += 1) {
      calls[n]?.finish();
      await settle();
    }
    expect(calls.map((c) => c.items)).toEqual([["first"], ["aa", "bb"], ["c"], ["large!"], ["d"]]);
    calls[4]?.finish();
    expect(await Promise.all(all)).toEqual(["first!", "aa!", "bb!", "c!", "large!!", "d!"]);
  });
});
