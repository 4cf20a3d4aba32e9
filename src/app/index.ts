import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.js";
import { checkStartup, serve } from "./startup.js";
import { workerEngineFromEnv } from "./runtime/worker-engine.js";

/**
 * The tagguard GitHub App. Event handlers live in their own modules and are registered by `createApp`;
 * deliveries are stored as jobs (`src/app/runtime/`) and analyses run in worker threads, so the event loop
 * stays free to acknowledge deliveries. Run as `node lib/app/index.js` (`npm start`, the Docker image) it
 * applies `.env`, checks its settings and the App's credentials, then serves (see startup.ts): the store,
 * the job workers and the delivery-recovery sweep start only when Probot loads the App, after those checks.
 * `probot run lib/app/index.js` only loads it.
 */
const main = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
const plan = main ? await checkStartup() : undefined;
const app = createApp(workerEngineFromEnv(process.env), { exitOnSigterm: true });
export default app;
if (plan) await serve(app, plan);
