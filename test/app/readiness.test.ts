import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readinessOf } from "../../src/app/runtime/readiness.js";
import { Store } from "../../src/app/runtime/store.js";
import { WorkerEngine } from "../../src/app/runtime/worker-engine.js";
import { freshDatabase } from "../support/database.js";

/** `/ready` from a real store on the test PostgreSQL and real analysis threads, with the threads' clock injected. */

const dir = mkdtempSync(join(tmpdir(), "tagguard-ready-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readiness", () => {
  it("is ready while the store answers and no analysis passed its budget; not once a thread is stuck or the store is gone", async () => {
    const silent = join(dir, "silent-worker.mjs");
    writeFileSync(silent, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => undefined);\n');
    let now = 1000;
    const workers = new WorkerEngine(1, pathToFileURL(silent), { budgetMs: 20_000, memoryMb: 64, now: () => now });
    const store = await Store.open({ DATABASE_URL: await freshDatabase() });
    const runtime = { store, jobs: { running: true } };
    try {
      expect(await readinessOf(runtime, workers)).toEqual({
        ready: true,
        store: "ok",
        jobs: "running",
        analysis: { budgetMs: 20_000, threads: [null], stuck: false },
      });
      void workers.analyze([]).catch(() => undefined);
      now = 22_001;
      expect(await readinessOf(runtime, workers)).toEqual({
        ready: false,
        store: "ok",
        jobs: "running",
        analysis: { budgetMs: 20_000, threads: [21_001], stuck: true },
      });
      await store.close();
      expect(await readinessOf({ store, jobs: { running: false } }, {})).toEqual({ ready: false, store: "unreachable", jobs: "stopped" });
    } finally {
      await workers.stop();
    }
  });
});
