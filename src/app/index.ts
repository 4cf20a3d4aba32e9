import * as engine from "../engine/index.js";
import { createApp } from "./app.js";

/**
 * The tagguard GitHub App (`probot run ./lib/app/index.js`). Event handlers live in their own
 * modules and are registered by `createApp`.
 */
export default createApp(engine, { exitOnSigterm: true });
