import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.js";
import { positiveIntegerFromEnv } from "./runtime/queue.js";
import { checkStartup, serve } from "./startup.js";
import { WorkerEngine } from "./runtime/worker-engine.js";

/**
 * The tagguard GitHub App. Event handlers live in their own modules and are registered by `createApp`;
 * analyses run in `TAGGUARD_ANALYSIS_THREADS` worker threads (1 by default), so the event loop stays
 * free to acknowledge deliveries. Run as `node lib/app/index.js` (`npm start`, the Docker image) it
 * applies `.env`, checks its settings and the App's credentials, then serves (see startup.ts);
 * `probot run lib/app/index.js` only loads it.
 */
const main = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
const plan = main ? await checkStartup() : undefined;
const app = createApp(new WorkerEngine(positiveIntegerFromEnv(process.env, "TAGGUARD_ANALYSIS_THREADS", 1)), { exitOnSigterm: true });
export default app;
if (plan) await serve(app, plan);
