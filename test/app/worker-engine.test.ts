import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AnalysisOverrun, DEFAULT_ANALYSIS_LIMITS, WorkerEngine } from "../../src/app/runtime/worker-engine.js";
import { defaultConfig } from "../../src/config/index.js";
import * as engine from "../../src/engine/index.js";
import { fixtureRepo } from "./harness.js";

// The worker runs the built engine (`npm test` builds lib/ before Jest runs).
const BUILT_WORKER = new URL("../../lib/app/runtime/engine-worker.js", import.meta.url);
const files = Object.entries(fixtureRepo("repo")).map(([path, text]) => ({ path, text }));
const dir = mkdtempSync(join(tmpdir(), "tagguard-worker-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("WorkerEngine", () => {
  it("gives the findings and references the in-process engine gives, for analyses in flight at once", async () => {
    const workers = new WorkerEngine(2, BUILT_WORKER);
    try {
      const config = { ...defaultConfig(), ignore: [".github/workflows/release.yml"] };
      const results = await Promise.all([workers.analyze(files), workers.analyze(files, { config }), workers.analyze([])]);
      expect(results).toEqual([engine.analyze(files), engine.analyze(files, { config }), { findings: [], notes: [] }]);
      expect(results[0].findings.map((f) => f.ruleId)).toContain("cache-overwrites-tag");
      const callers = files.filter((f) => f.path.startsWith(".github/workflows/"));
      expect(await workers.referencedPaths(callers)).toEqual(engine.referencedPaths(callers));
      expect(engine.referencedPaths(callers)).toEqual([".github/actions/publish/action.yaml", ".github/actions/publish/action.yml"]);
    } finally {
      await workers.stop();
    }
  });

  it("fails the analyses of a thread that dies with the reason, and starts a new thread for the next", async () => {
    const dying = join(dir, "dying-worker.mjs");
    writeFileSync(dying, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\n');
    const workers = new WorkerEngine(1, pathToFileURL(dying));
    try {
      await expect(workers.analyze(files)).rejects.toThrow("the analysis thread exited with code 3");
      await expect(workers.analyze(files)).rejects.toThrow("the analysis thread exited with code 3");
    } finally {
      await workers.stop();
    }
  });

  it("ends a thread that passes its memory cap: the analysis fails with AnalysisOverrun, the next gets a new thread", async () => {
    const hungry = join(dir, "hungry-worker.mjs");
    writeFileSync(
      hungry,
      [
        'import { parentPort } from "node:worker_threads";',
        "const kept = [];",
        'parentPort.on("message", (job) => {',
        '  if (job.files.length > 0) for (;;) kept.push(new Array(1e6).fill(job.id));',
        "  parentPort.postMessage({ id: job.id, result: { findings: [], notes: [] } });",
        "});",
      ].join("\n"),
    );
    const workers = new WorkerEngine(1, pathToFileURL(hungry), { ...DEFAULT_ANALYSIS_LIMITS, memoryMb: 32 });
    try {
      const failed = workers.analyze(files);
      await expect(failed).rejects.toThrow(AnalysisOverrun);
      await expect(failed).rejects.toThrow("the analysis needed more than its memory cap of 32 MiB");
      await expect(workers.analyze([])).resolves.toEqual({ findings: [], notes: [] });
    } finally {
      await workers.stop();
    }
  });

  it("reports how long each thread has been busy, and a thread past its budget as stuck", async () => {
    const silent = join(dir, "silent-worker.mjs");
    writeFileSync(silent, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => undefined);\n');
    let now = 1000;
    const workers = new WorkerEngine(2, pathToFileURL(silent), { budgetMs: 60_000, memoryMb: 64, now: () => now });
    try {
      void workers.analyze(files).catch(() => undefined);
      now = 1500;
      expect(workers.health()).toEqual({ budgetMs: 60_000, threads: [500, null], stuck: false });
      now = 62_001;
      expect(workers.health()).toEqual({ budgetMs: 60_000, threads: [61_001, null], stuck: true });
    } finally {
      await workers.stop();
    }
  });

  it("rejects with the engine's error when an analysis throws", async () => {
    const throwing = join(dir, "throwing-worker.mjs");
    writeFileSync(
      throwing,
      'import { parentPort } from "node:worker_threads";\nparentPort.on("message", (job) => parentPort.postMessage({ id: job.id, error: "Error: boom" }));\n',
    );
    const workers = new WorkerEngine(1, pathToFileURL(throwing));
    try {
      await expect(workers.analyze(files)).rejects.toThrow("the analysis failed: Error: boom");
    } finally {
      await workers.stop();
    }
  });
});
