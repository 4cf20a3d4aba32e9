import { createApp } from "./app.js";
import { workerEngineFromEnv } from "./runtime/worker-engine.js";

/**
 * The tagguard GitHub App (`probot run ./lib/app/index.js`). Event handlers live in their own
 * modules and are registered by `createApp`; deliveries are stored as jobs (`src/app/runtime/`) and
 * analyses run in worker threads, so the event loop stays free to acknowledge deliveries.
 */
export default createApp(workerEngineFromEnv(process.env), { exitOnSigterm: true });
