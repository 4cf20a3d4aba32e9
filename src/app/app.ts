import type { ApplicationFunction, Context, Probot } from "probot";
import type { EmitterWebhookEventName } from "@octokit/webhooks";
import type { Logger } from "pino";
import { botLoginOf } from "./github/bot.js";
import { CHECK_RERUN_EVENTS, checkRerunHandler } from "./review/checks.js";
import type { Engine } from "./runtime/engine-port.js";
import { classifyGitHubFault, type GitHubRetryPolicy, githubRetryPolicyFromEnv, retryGitHubFaults, retryPause } from "./github/octokit.js";
import { parsePackageEvent } from "./watch/package-event.js";
import { PULL_REQUEST_EVENTS, pullRequestHandler } from "./review/pull-request.js";
import { imageTagKey, positiveIntegerFromEnv, repositoryKey, WorkQueue, workQueueOptionsFromEnv } from "./runtime/queue.js";
import { PACKAGE_EVENTS, publishWatcherDeps, registryPackageHandler } from "./watch/registry-package.js";
import { describeError, KeyedQueue, RecentSet, summarizeError } from "./runtime/keyed.js";

type Handler<E extends EmitterWebhookEventName> = (context: Context<E>) => Promise<void>;

function eventOf(context: Context): string {
  const action = (context.payload as { action?: unknown }).action;
  return typeof action === "string" ? `${context.name}.${action}` : context.name;
}

/**
 * Wraps an event handler so a failure is logged with the delivery id and event name and never
 * escapes: the webhook is answered and the server keeps serving.
 */
export function guarded<E extends EmitterWebhookEventName>(handler: Handler<E>): Handler<E> {
  return async (context) => {
    try {
      await handler(context);
    } catch (err) {
      context.log.error({ deliveryId: context.id, event: eventOf(context), error: describeError(err) }, "tagguard: handling the event failed");
    }
  };
}

/** Runs a handler again after a transient fault (5xx, timeout, rate limit); handlers re-read what they posted first. */
function retryingRuns<E extends EmitterWebhookEventName>(handler: Handler<E>, policy: GitHubRetryPolicy): Handler<E> {
  return async (context) => {
    for (let run = 1; ; run += 1) {
      try {
        return await handler(context);
      } catch (err) {
        const pause = run < policy.runAttempts ? retryPause(classifyGitHubFault(err, policy.now()), run, true, policy) : undefined;
        if (pause === undefined) throw err;
        context.log.warn(
          { deliveryId: context.id, event: eventOf(context), run, pauseMs: pause, error: summarizeError(err) },
          "tagguard: the run hit a transient fault, running it again",
        );
        await policy.sleep(pause);
      }
    }
  };
}

/** A delivery refused before any work: answered with 503, so GitHub lists it as failed and it can be redelivered. */
class DeliveryRefused extends Error {
  override readonly name = "DeliveryRefused";
  readonly status = 503;
}

/**
 * Subscribes handlers through the work queue. A delivery reaches the handler Probot calls only after its signature
 * was verified; that handler queues the work under `key(context)` and returns, so the delivery is answered at once.
 * Work with the same key runs one run at a time, in arrival order: use `repositoryKey` for work on a repository and
 * `imageTagKey` for work on an image tag. A redelivery has the key of its first delivery, so it runs after that run
 * has finished. Runs are guarded (failures are logged with the delivery id, never thrown), retried once more after
 * a transient fault, and their GitHub calls are retried per `policy`; handlers must tolerate running again.
 */
function dispatcher(app: Probot, work: WorkQueue, policy: GitHubRetryPolicy) {
  return <E extends EmitterWebhookEventName>(events: E[], key: (context: Context<E>) => string, handler: Handler<E>): void => {
    const run = guarded(
      retryingRuns<E>((context) => {
        retryGitHubFaults(context.octokit, policy, context.log.child({ deliveryId: context.id }));
        return handler(context);
      }, policy),
    );
    // Probot passes a Context<E>; its generic `on` signature only names the transformed event type.
    type ProbotHandler = Parameters<typeof app.on<E>>[1];
    const enqueue = async (context: Context<E>): Promise<void> => {
      const queued = work.offer(key(context), context.id, () => run(context));
      if (queued === undefined) {
        const reason = work.accepting ? `the work queue is full (${work.size} deliveries)` : "tagguard is shutting down";
        context.log.warn({ deliveryId: context.id, event: eventOf(context), reason }, "tagguard: delivery refused; redeliver it later");
        throw new DeliveryRefused(`${reason}; redeliver later`);
      }
      context.log.debug({ deliveryId: context.id, event: eventOf(context), queued: work.size }, "tagguard: delivery queued");
    };
    app.on(events, enqueue as unknown as ProbotHandler);
  };
}

/** Refuses new deliveries, waits up to `timeoutMs` for queued work, and logs which deliveries did not finish. */
async function drainWork(work: WorkQueue, log: Logger, timeoutMs: number): Promise<boolean> {
  log.info({ queued: work.size, timeoutMs }, "tagguard: shutting down: refusing new deliveries, finishing queued work");
  const finished = await work.drain(timeoutMs);
  if (finished) log.info("tagguard: queued work finished");
  else log.error({ unfinished: work.unfinished() }, "tagguard: shutdown timed out; these deliveries did not finish, redeliver them");
  return finished;
}

export interface AppOptions {
  /** Default: `TAGGUARD_CONCURRENCY` runs at once (4), `TAGGUARD_QUEUE_CAPACITY` deliveries held (256). */
  work?: WorkQueue;
  /** Overrides of the GitHub retry policy (default from `githubRetryPolicyFromEnv`). */
  github?: Partial<GitHubRetryPolicy>;
  /** On SIGTERM, drain the queue (at most `TAGGUARD_SHUTDOWN_TIMEOUT_MS`, default 25000) and exit. */
  exitOnSigterm?: boolean;
}

/** The Probot app function, with the queue its deliveries are worked off in (tests await `work.idle()`). */
export interface TagguardApp extends ApplicationFunction {
  readonly work: WorkQueue;
}

/** The Probot app function, with the analysis engine passed in. */
export function createApp(engine: Engine, options: AppOptions = {}): TagguardApp {
  const work = options.work ?? new WorkQueue(workQueueOptionsFromEnv(process.env));
  const policy: GitHubRetryPolicy = { ...githubRetryPolicyFromEnv(process.env), ...options.github };
  const shutdownTimeoutMs = positiveIntegerFromEnv(process.env, "TAGGUARD_SHUTDOWN_TIMEOUT_MS", 25_000);
  let exitHandlerInstalled = false;
  const appFn = async (app: Probot): Promise<void> => {
    retryGitHubFaults(await app.auth(), policy, app.log);
    const botLogin = botLoginOf(app);
    const on = dispatcher(app, work, policy);
    const byRepository = (context: Context<"pull_request" | "check_run" | "check_suite">) =>
      repositoryKey(context.payload.repository.owner.login, context.payload.repository.name);
    on(
      [...PULL_REQUEST_EVENTS],
      byRepository,
      pullRequestHandler({
        engine,
        botLogin,
        deliveries: new RecentSet(),
        queue: new KeyedQueue(),
      }),
    );
    on(
      [...CHECK_RERUN_EVENTS],
      byRepository,
      checkRerunHandler({ engine, deliveries: new RecentSet(), queue: new KeyedQueue() }),
    );
    on(
      [...PACKAGE_EVENTS],
      (context) => {
        const parsed = parsePackageEvent(context.name, context.payload);
        return parsed.kind === "publish" ? imageTagKey(parsed.version.image, parsed.version.tag) : `delivery:${context.id}`;
      },
      registryPackageHandler(publishWatcherDeps(engine, botLogin, process.env)),
    );
    if (options.exitOnSigterm && !exitHandlerInstalled) {
      exitHandlerInstalled = true;
      process.once("SIGTERM", () => {
        void drainWork(work, app.log, shutdownTimeoutMs).then((finished) => setImmediate(() => process.exit(finished ? 0 : 1)));
      });
    }
  };
  return Object.assign(appFn, { work });
}
