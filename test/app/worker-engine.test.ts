import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WorkerEngine } from "../../src/app/runtime/worker-engine.js";
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
