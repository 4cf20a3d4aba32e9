/**
 * The analysis engine in a worker thread (see `worker-engine.ts`): answers each job — an analysis, or
 * the references of a set of files — with `{ id, result }`, or `{ id, error }` when the engine throws.
 */

import { parentPort } from "node:worker_threads";
import { analyze, referencedPaths } from "../../engine/index.js";
import type { AnalysisJob, AnalysisReply } from "./worker-engine.js";

const port = parentPort;
if (!port) throw new Error("engine-worker.js runs as a worker thread");
port.on("message", (job: AnalysisJob) => {
  let reply: AnalysisReply;
  try {
    reply = { id: job.id, result: job.kind === "references" ? referencedPaths(job.files) : analyze(job.files, job.options) };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});
