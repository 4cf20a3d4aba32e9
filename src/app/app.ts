import type { ApplicationFunction, Context } from "probot";
import type { EmitterWebhookEventName } from "@octokit/webhooks";
import { botLoginOf } from "./bot.js";
import type { Engine } from "./engine-port.js";
import { PULL_REQUEST_EVENTS, pullRequestHandler } from "./pull-request.js";
import { BlobCache } from "./repo-files.js";
import { describeError, KeyedQueue, RecentSet } from "./runtime.js";

/**
 * Wraps an event handler so a failure is logged with the delivery id and event name and never
 * escapes: the webhook is answered and the server keeps serving.
 */
export function guarded<E extends EmitterWebhookEventName>(
  handler: (context: Context<E>) => Promise<void>,
): (context: Context<E>) => Promise<void> {
  return async (context) => {
    try {
      await handler(context);
    } catch (err) {
      const action = (context.payload as { action?: unknown }).action;
      context.log.error(
        {
          deliveryId: context.id,
          event: typeof action === "string" ? `${context.name}.${action}` : context.name,
          error: describeError(err),
        },
        "tagguard: handling the event failed",
      );
    }
  };
}

/** The Probot app function, with the analysis engine passed in. */
export function createApp(engine: Engine): ApplicationFunction {
  return (app) => {
    const botLogin = botLoginOf(app);
    app.on(
      [...PULL_REQUEST_EVENTS],
      guarded(
        pullRequestHandler({
          engine,
          botLogin,
          deliveries: new RecentSet(),
          queue: new KeyedQueue(),
          blobs: new BlobCache(),
        }),
      ),
    );
  };
}
