/**
 * From verified delivery to durable job to handler run. The handler Probot calls for a delivery only stores its job
 * (Probot has verified the signature; the delivery is answered once the job is committed, 503 when it cannot be
 * stored). The job runner then rebuilds the delivery's `Context` (a fresh installation token, on whichever replica
 * takes the job) and runs the handler registered for the event.
 *
 * A run that fails on a transient fault is first run again in place (`policy.runAttempts`); if it still fails, the
 * job fails and the store runs it again after its backoff (handlers re-read what they posted, so a second run
 * writes nothing twice). An exhausted primary rate limit releases the job until the limit resets. Any other
 * failure is logged with the delivery id and the job ends; a redelivery of that delivery runs it again.
 */

import { Context, type Probot } from "probot";
import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import { classifyGitHubFault, type GitHubRetryPolicy, retryGitHubFaults, retryPause } from "../github/octokit.js";
import type { Attempt, DeliveryJobs, RunOutcome, StoredDelivery } from "./jobs.js";
import { describeError, summarizeError } from "./keyed.js";

type Handler<E extends EmitterWebhookEventName> = (context: Context<E>) => Promise<void>;
type AnyHandler = (context: Context) => Promise<void>;

interface Route {
  key(context: Context): string;
  handler: AnyHandler;
}

function eventOf(name: string, payload: unknown): string {
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === "string" ? `${name}.${action}` : name;
}

/** A delivery refused before any work: answered with 503, so GitHub lists it as failed and it can be redelivered. */
class DeliveryRefused extends Error {
  override readonly name = "DeliveryRefused";
  readonly status = 503;
}

/** Contexts of runs that are not the delivery's first: an earlier one may have written something already. */
const repeated = new WeakSet<object>();

/** Whether this run of the delivery repeats an earlier one (after a fault, or after its process died). */
export function isRepeatedRun(context: Context): boolean {
  return repeated.has(context);
}

/** Runs a handler again after a transient fault (5xx, timeout, rate limit); handlers re-read what they posted first. */
async function runWithRetries(handler: AnyHandler, context: Context, policy: GitHubRetryPolicy, attempt: Attempt): Promise<void> {
  for (let run = 1; ; run += 1) {
    if (run > 1 || attempt.attempt > 1 || attempt.resumed) repeated.add(context);
    try {
      return await handler(context);
    } catch (err) {
      const pause = run < policy.runAttempts ? retryPause(classifyGitHubFault(err, policy.now()), run, true, policy) : undefined;
      if (pause === undefined) throw err;
      context.log.warn(
        { deliveryId: context.id, event: eventOf(context.name, context.payload), run, pauseMs: pause, error: summarizeError(err) },
        "tagguard: the run hit a transient fault, running it again",
      );
      await policy.sleep(pause);
    }
  }
}

export class Dispatch {
  private readonly routes = new Map<string, Route>();

  constructor(
    private readonly app: Probot,
    private readonly jobs: DeliveryJobs,
    private readonly policy: GitHubRetryPolicy,
  ) {}

  /**
   * Subscribes `handler` to `events` through the store. Jobs with the same `key` run one at a time, in the order
   * they were stored, on any replica: use `repositoryKey` for work on a repository and `imageTagKey` for work on an
   * image tag.
   */
  on<E extends EmitterWebhookEventName>(events: E[], key: (context: Context<E>) => string, handler: Handler<E>): void {
    const route: Route = { key: key as (context: Context) => string, handler: handler as unknown as AnyHandler };
    for (const event of events) this.routes.set(event, route);
    type ProbotHandler = Parameters<typeof this.app.on<E>>[1];
    const store = async (context: Context<E>): Promise<void> => {
      const event = eventOf(context.name, context.payload);
      if (!this.jobs.accepting) {
        context.log.warn({ deliveryId: context.id, event }, "tagguard: delivery refused while shutting down; redeliver it later");
        throw new DeliveryRefused("tagguard is shutting down; redeliver later");
      }
      let outcome: "stored" | "duplicate";
      try {
        outcome = await this.jobs.enqueue({ id: context.id, name: context.name, payload: context.payload }, route.key(context as unknown as Context));
      } catch (err) {
        context.log.error({ deliveryId: context.id, event, error: summarizeError(err) }, "tagguard: the store refused the delivery; redeliver it later");
        throw new DeliveryRefused("the store is unavailable; redeliver later");
      }
      if (outcome === "stored") context.log.debug({ deliveryId: context.id, event }, "tagguard: delivery stored");
      else context.log.info({ deliveryId: context.id, event }, "tagguard: delivery stored before, nothing added");
    };
    this.app.on(events, store as unknown as ProbotHandler);
  }

  /** Runs one stored delivery (the job runner's task). */
  readonly run = async (delivery: StoredDelivery, attempt: Attempt): Promise<RunOutcome> => {
    const event = eventOf(delivery.name, delivery.payload);
    const log = this.app.log.child({ name: "event", id: delivery.id });
    const route = this.routes.get(event) ?? this.routes.get(delivery.name);
    if (!route) {
      log.warn({ deliveryId: delivery.id, event }, "tagguard: no handler for this stored event");
      return "failed";
    }
    try {
      const installation = (delivery.payload as { installation?: { id?: unknown } }).installation?.id;
      const octokit = typeof installation === "number" ? await this.app.auth(installation) : await this.app.auth();
      retryGitHubFaults(octokit, this.policy, log.child({ deliveryId: delivery.id }));
      const context = new Context({ id: delivery.id, name: delivery.name, payload: delivery.payload } as EmitterWebhookEvent, octokit, log);
      await runWithRetries(route.handler, context, this.policy, attempt);
      return "done";
    } catch (err) {
      const fault = classifyGitHubFault(err, this.policy.now());
      if (fault.kind === "exhausted" || fault.kind === "rate-limited") {
        const retryAt = new Date(fault.kind === "exhausted" ? fault.resetAt : this.policy.now() + fault.waitMs);
        log.warn({ deliveryId: delivery.id, event, retryAt: retryAt.toISOString() }, "tagguard: GitHub's rate limit holds the run; the job waits until it lifts");
        return { retryAt };
      }
      if (fault.kind !== "final" && attempt.attempt < attempt.maxAttempts) {
        log.warn({ deliveryId: delivery.id, event, attempt: attempt.attempt, error: summarizeError(err) }, "tagguard: the run failed on a transient fault; the store runs it again after its backoff");
        throw err;
      }
      log.error({ deliveryId: delivery.id, event, attempt: attempt.attempt, error: describeError(err) }, "tagguard: handling the event failed");
      return "failed";
    }
  };
}
