import { createApp } from "./app.js";
import { positiveIntegerFromEnv } from "./runtime/queue.js";
import { WorkerEngine } from "./runtime/worker-engine.js";

/**
 * The tagguard GitHub App (`probot run ./lib/app/index.js`). Event handlers live in their own
 * modules and are registered by `createApp`; analyses run in `TAGGUARD_ANALYSIS_THREADS` worker
 * threads (1 by default), so the event loop stays free to acknowledge deliveries.
 */
export default createApp(new WorkerEngine(positiveIntegerFromEnv(process.env, "TAGGUARD_ANALYSIS_THREADS", 1)), { exitOnSigterm: true });
