/**
 * `GET /ready`, the readiness probe (`/ping` stays the liveness probe): 200 when the store answers, this process is
 * taking jobs and no analysis thread is stuck past its budget; 503 otherwise. The body says which, as JSON.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine } from "./engine-port.js";

export const READY_PATH = "/ready";

export interface Readiness {
  ready: boolean;
  store: "ok" | "unreachable";
  jobs: "running" | "stopped";
  analysis?: { budgetMs: number; threads: (number | null)[]; stuck: boolean };
}

/** What readiness reads of the runtime: whether the store answers, and whether this process takes jobs. */
export interface RuntimeState {
  store: { ping(): Promise<boolean> };
  jobs: { running: boolean };
}

export async function readinessOf(runtime: RuntimeState, engine: Pick<Engine, "health">): Promise<Readiness> {
  const store = (await runtime.store.ping()) ? "ok" : "unreachable";
  const jobs = runtime.jobs.running ? "running" : "stopped";
  const analysis = engine.health?.();
  return { ready: store === "ok" && jobs === "running" && !analysis?.stuck, store, jobs, ...(analysis ? { analysis } : {}) };
}

export function readinessHandler(runtime: RuntimeState, engine: Pick<Engine, "health">): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== "GET" || new URL(req.url ?? "/", "http://localhost").pathname !== READY_PATH) return false;
    const readiness = await readinessOf(runtime, engine);
    res.writeHead(readiness.ready ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(readiness));
    return true;
  };
}
