import type { ApplicationFunction, ApplicationFunctionOptions, Context, Probot } from "probot";
import { botLoginOf } from "./github/bot.js";
import { CHECK_RERUN_EVENTS, checkRerunHandler } from "./review/checks.js";
import type { Engine } from "./runtime/engine-port.js";
import { type GitHubRetryPolicy, githubRetryPolicyFromEnv, retryGitHubFaults } from "./github/octokit.js";
import { parsePackageEvent } from "./watch/package-event.js";
import { PULL_REQUEST_EVENTS, pullRequestHandler } from "./review/pull-request.js";
import { imageTagKey, positiveIntegerFromEnv, repositoryKey } from "./runtime/queue.js";
import { PACKAGE_EVENTS, publishWatcherDeps, registryPackageHandler } from "./watch/registry-package.js";
import type { JobOptions } from "./runtime/jobs.js";
import { readinessHandler } from "./runtime/readiness.js";
import { Runtime } from "./runtime/runtime.js";
import { guardWebhooks, MAX_WEBHOOK_BYTES } from "./runtime/webhook-guard.js";
import type { Store } from "./runtime/store.js";

export interface AppOptions {
  /** The store (default: `Store.open(process.env)` at load, closed again by `stop` and on SIGTERM). */
  store?: Store;
  /** Overrides of the job options (default from `jobOptionsFromEnv`). */
  jobs?: Partial<JobOptions>;
  /** Overrides of the GitHub retry policy (default from `githubRetryPolicyFromEnv`). */
  github?: Partial<GitHubRetryPolicy>;
  /** On SIGTERM, stop taking jobs, let running ones finish or release them (`TAGGUARD_SHUTDOWN_TIMEOUT_MS`), and exit. */
  exitOnSigterm?: boolean;
}

/** The Probot app function, with what tests need: wait for the stored work to be done, stop the runtime. */
export interface TagguardApp extends ApplicationFunction {
  /** The jobs of the latest load (tests await `work.idle()`). */
  readonly work: { idle(): Promise<void>; pending(): Promise<number> };
  /** Stops taking jobs and closes the stores opened at load. */
  stop(): Promise<void>;
}

/**
 * Adds an HTTP route to Probot's server; false when there is none to add it to (`probot.load` in tests: no HTTP, so
 * neither routes nor the webhook guard).
 */
function addRoute(addHandler: ApplicationFunctionOptions["addHandler"], handler: Parameters<ApplicationFunctionOptions["addHandler"]>[0]): boolean {
  try {
    addHandler(handler);
    return true;
  } catch (err) {
    if (err instanceof Error && err.message === "No server instance") return false;
    throw err;
  }
}

/** The Probot app function, with the analysis engine passed in. */
export function createApp(engine: Engine, options: AppOptions = {}): TagguardApp {
  const policy: GitHubRetryPolicy = { ...githubRetryPolicyFromEnv(process.env), ...options.github };
  const runtimes: Runtime[] = [];
  let exitHandlerInstalled = false;
  const appFn = async (app: Probot, { addHandler }: ApplicationFunctionOptions): Promise<void> => {
    retryGitHubFaults(await app.auth(), policy, app.log);
    const runtime = await Runtime.start(app, policy, { ...(options.store ? { store: options.store } : {}), jobs: options.jobs ?? {} });
    runtimes.push(runtime);
    const botLogin = botLoginOf(app);
    const on = runtime.dispatch.on.bind(runtime.dispatch);
    const byRepository = (context: Context<"pull_request" | "check_run" | "check_suite">) =>
      repositoryKey(context.payload.repository.owner.login, context.payload.repository.name);
    on(
      [...PULL_REQUEST_EVENTS],
      byRepository,
      pullRequestHandler({ engine, botLogin }),
    );
    on(
      [...CHECK_RERUN_EVENTS],
      byRepository,
      checkRerunHandler({ engine }),
    );
    on(
      [...PACKAGE_EVENTS],
      (context) => {
        const parsed = parsePackageEvent(context.name, context.payload);
        return parsed.kind === "publish" ? imageTagKey(parsed.version.image, parsed.version.tag) : `delivery:${context.id}`;
      },
      registryPackageHandler(publishWatcherDeps(engine, botLogin, process.env, runtime.store)),
    );
    await runtime.startJobs();
    // Served by Probot's HTTP server (not `probot.load` in tests): the readiness route, the webhook guard, and the
    // sweep for deliveries that never became jobs.
    if (addRoute(addHandler, readinessHandler(runtime, engine))) {
      runtime.onShutdown(guardWebhooks({ path: app.webhookPath, secret: process.env.WEBHOOK_SECRET || "development", maxBytes: MAX_WEBHOOK_BYTES }));
      runtime.recoverDeliveries(app, positiveIntegerFromEnv(process.env, "TAGGUARD_RECOVERY_INTERVAL_MS", 300_000));
    }
    if (options.exitOnSigterm && !exitHandlerInstalled) {
      exitHandlerInstalled = true;
      process.once("SIGTERM", () => {
        void runtime.shutdown().then((finished) => setImmediate(() => process.exit(finished ? 0 : 1)));
      });
    }
  };
  const latest = (): Runtime => {
    const runtime = runtimes.at(-1);
    if (!runtime) throw new Error("the App is not loaded");
    return runtime;
  };
  const work = { idle: () => latest().jobs.idle(), pending: () => latest().jobs.pending() };
  const stop = async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
  };
  return Object.assign(appFn, { work, stop });
}
