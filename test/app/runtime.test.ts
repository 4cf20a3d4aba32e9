import { describe, expect, it } from "@jest/globals";
import { decodeBase64Text } from "../../src/app/github/repo-files.js";
import { describeError, KeyedQueue, RecentSet } from "../../src/app/runtime/keyed.js";

describe("RecentSet", () => {
  it("forgets the oldest keys beyond its capacity", () => {
    const set = new RecentSet(2);
    set.add("a");
    set.add("b");
    set.add("a");
    set.add("c");
    expect([set.has("a"), set.has("b"), set.has("c")]).toEqual([true, false, true]);
    set.delete("a");
    expect(set.has("a")).toBe(false);
  });
});

describe("KeyedQueue", () => {
  it("runs tasks with the same key one after the other, other keys in parallel", async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run("pr#1", async () => {
      events.push("first:start");
      await gate;
      events.push("first:end");
    });
    const second = queue.run("pr#1", async () => {
      events.push("second");
      return 2;
    });
    const other = queue.run("pr#2", async () => {
      events.push("other");
    });
    await other;
    expect(events).toEqual(["first:start", "other"]);
    release();
    await expect(second).resolves.toBe(2);
    await first;
    expect(events).toEqual(["first:start", "other", "first:end", "second"]);
  });

  it("keeps going after a failed task", async () => {
    const queue = new KeyedQueue();
    const failed = queue.run("k", async () => {
      throw new Error("boom");
    });
    await expect(failed).rejects.toThrow("boom");
    await expect(queue.run("k", async () => "next")).resolves.toBe("next");
  });
});

describe("describeError", () => {
  it("keeps status, method and URL of a request error but never its headers", () => {
    const err = Object.assign(new Error("Bad credentials"), {
      name: "HttpError",
      status: 401,
      request: { method: "GET", url: "https://api.github.com/app", headers: { authorization: "token ghs_secret" } },
    });
    const described = describeError(err);
    expect(described).toMatchObject({ type: "HttpError", message: "Bad credentials", status: 401, method: "GET", url: "https://api.github.com/app" });
    expect(JSON.stringify(described)).not.toContain("ghs_secret");
  });

  it("describes thrown non-errors", () => {
    expect(describeError("plain")).toEqual({ message: "plain" });
  });
});

describe("decodeBase64Text", () => {
  it("decodes GitHub's line-wrapped base64 as UTF-8 and drops a BOM", () => {
    const text = "name: ci # ✓ ünïcode\n".repeat(10);
    const wrapped = (Buffer.from(`\uFEFF${text}`).toString("base64").match(/.{1,60}/g) ?? []).join("\n");
    expect(decodeBase64Text(wrapped)).toBe(text);
  });

  it("rejects content that is not UTF-8", () => {
    expect(decodeBase64Text(Buffer.from([0xff, 0xfe, 0x00, 0xd8]).toString("base64"))).toBeUndefined();
  });
});
