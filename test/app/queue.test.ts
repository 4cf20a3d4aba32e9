import { describe, expect, it } from "@jest/globals";
import { imageTagKey, repositoryKey, WorkQueue, workQueueOptionsFromEnv } from "../../src/app/runtime/queue.js";

/** A task that records its start and end and finishes when the test opens its gate. */
function gated(events: string[], name: string) {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const task = async (): Promise<string> => {
    events.push(`${name}:start`);
    await gate;
    events.push(`${name}:end`);
    return name;
  };
  return { task, open: () => open() };
}

/** Lets every queued continuation run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("WorkQueue", () => {
  it("runs tasks with the same key one at a time in arrival order, other keys alongside", async () => {
    const queue = new WorkQueue({ concurrency: 4, capacity: 10 });
    const events: string[] = [];
    const a1 = gated(events, "a1");
    const a2 = gated(events, "a2");
    const b1 = gated(events, "b1");
    const done = [queue.offer("a", "d1", a1.task), queue.offer("a", "d2", a2.task), queue.offer("b", "d3", b1.task)];
    await settle();
    expect(events).toEqual(["a1:start", "b1:start"]);
    a1.open();
    await settle();
    expect(events).toEqual(["a1:start", "b1:start", "a1:end", "a2:start"]);
    a2.open();
    b1.open();
    await expect(Promise.all(done)).resolves.toEqual(["a1", "a2", "b1"]);
  });

  it("runs at most `concurrency` tasks at once, the waiting ones in arrival order", async () => {
    const queue = new WorkQueue({ concurrency: 2, capacity: 10 });
    const events: string[] = [];
    const tasks = ["t1", "t2", "t3", "t4"].map((name) => gated(events, name));
    tasks.forEach((t, i) => queue.offer(`key-${i}`, `d${i}`, t.task));
    await settle();
    expect(events).toEqual(["t1:start", "t2:start"]);
    tasks[1].open();
    await settle();
    expect(events).toEqual(["t1:start", "t2:start", "t2:end", "t3:start"]);
    tasks[0].open();
    await settle();
    expect(events.slice(4)).toEqual(["t1:end", "t4:start"]);
    tasks[2].open();
    tasks[3].open();
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("refuses tasks beyond its capacity and takes them again once one finished", async () => {
    const queue = new WorkQueue({ concurrency: 1, capacity: 2 });
    const events: string[] = [];
    const first = gated(events, "first");
    const second = gated(events, "second");
    queue.offer("k", "d1", first.task);
    queue.offer("k", "d2", second.task);
    expect(queue.offer("k", "d3", async () => "third")).toBeUndefined();
    expect([queue.size, queue.unfinished()]).toEqual([2, ["d1", "d2"]]);
    first.open();
    await settle();
    expect(queue.offer("k", "d3", async () => "third")).toBeInstanceOf(Promise);
    second.open();
    await queue.idle();
    expect(events).toEqual(["first:start", "first:end", "second:start", "second:end"]);
    expect(queue.size).toBe(0);
  });

  it("passes a failure to the caller and goes on with the next task of the key", async () => {
    const queue = new WorkQueue({ concurrency: 1, capacity: 10 });
    const failed = queue.offer("k", "d1", async () => {
      throw new Error("boom");
    });
    const next = queue.offer("k", "d2", async () => "next");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("next");
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("is idle at once when empty, and once the last task finished otherwise", async () => {
    const queue = new WorkQueue({ concurrency: 1, capacity: 10 });
    await queue.idle();
    const events: string[] = [];
    const task = gated(events, "t");
    queue.offer("k", "d1", task.task);
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);
    task.open();
    await waiting;
    expect(events).toEqual(["t:start", "t:end"]);
  });

  it("drains: refuses new tasks, finishes the held ones, and reports what a timeout left unfinished", async () => {
    const queue = new WorkQueue({ concurrency: 1, capacity: 10 });
    const events: string[] = [];
    const slow = gated(events, "slow");
    queue.offer("k", "d1", slow.task);
    queue.offer("k", "d2", async () => "queued");

    await expect(queue.drain(20)).resolves.toBe(false);
    expect(queue.accepting).toBe(false);
    expect(queue.unfinished()).toEqual(["d1", "d2"]);
    expect(queue.offer("k", "d3", async () => "late")).toBeUndefined();

    const drained = queue.drain(5000);
    slow.open();
    await expect(drained).resolves.toBe(true);
    expect(queue.unfinished()).toEqual([]);
  });

  it("validates its options", () => {
    expect(() => new WorkQueue({ concurrency: 0, capacity: 1 })).toThrow("WorkQueue concurrency must be a positive integer, got 0");
    expect(() => new WorkQueue({ concurrency: 1, capacity: 1.5 })).toThrow("WorkQueue capacity must be a positive integer, got 1.5");
  });
});

describe("work queue configuration", () => {
  it("reads TAGGUARD_CONCURRENCY and TAGGUARD_QUEUE_CAPACITY, with defaults", () => {
    expect(workQueueOptionsFromEnv({})).toEqual({ concurrency: 4, capacity: 1000 });
    expect(workQueueOptionsFromEnv({ TAGGUARD_CONCURRENCY: " 8 ", TAGGUARD_QUEUE_CAPACITY: "" })).toEqual({ concurrency: 8, capacity: 1000 });
  });

  it.each(["0", "-1", "2.5", "four", "1e3"])("refuses TAGGUARD_CONCURRENCY=%s at startup", (value) => {
    expect(() => workQueueOptionsFromEnv({ TAGGUARD_CONCURRENCY: value })).toThrow(
      `TAGGUARD_CONCURRENCY must be a positive integer, got ${JSON.stringify(value)}`,
    );
  });
});

describe("serialisation keys", () => {
  it("keys pull request work by repository, case-insensitively", () => {
    expect(repositoryKey("Acme", "App")).toBe("repo:acme/app");
  });

  it("keys package work by image and tag; tags keep their case", () => {
    expect(imageTagKey("ghcr.io/Acme/App", "v1.2.3-RC")).toBe("image:ghcr.io/acme/app:v1.2.3-RC");
  });
});
