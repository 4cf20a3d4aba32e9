/**
 * Limits before work, for webhook deliveries. Probot's server runs its webhook middleware before any route an app
 * adds, and that middleware buffers the whole body, then verifies it, and on a wrong signature logs the error with
 * the unsigned body attached. So the guard sits in front of it, on Node's `http.server.request.start` diagnostics
 * channel (published before the request reaches any handler), for POSTs to the webhook path:
 *
 * - a body beyond `maxBytes` (declared by `content-length`, or counted as it arrives) is refused with 413 without
 *   being buffered: from there on it is read and discarded, and the answer comes when it has been sent;
 * - the HMAC-SHA256 of the body is computed as it arrives; a body whose `x-hub-signature-256` does not match is
 *   refused with 400 before Probot parses or logs it.
 *
 * Both refusals reach Probot's middleware as a stream error with a status, which it answers with that status and
 * logs without the body.
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

const CHANNEL = "http.server.request.start";

class Refused extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface WebhookGuardOptions {
  /** Probot's webhook path (`/api/github/webhooks` unless `WEBHOOK_PATH` says otherwise). */
  path: string;
  secret: string;
  maxBytes: number;
}

/**
 * Fails the body's reading with `err`, if Probot's middleware reads it (it does not when it refused the delivery on
 * its headers, e.g. a missing signature; Node then discards the body).
 */
function fail(request: IncomingMessage, err: Refused): void {
  if (request.listenerCount("error") > 0) request.emit("error", err);
}

function guard(request: IncomingMessage, o: WebhookGuardOptions): void {
  let refusal: Refused | undefined;
  /** Nothing keeps the body from here on: the rest is read and discarded; the refusal is answered at its end. */
  const stopBuffering = (): void => {
    request.removeAllListeners("data");
    request.resume();
  };
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    refusal = new Refused("PayloadTooLarge", `the body has ${declared} bytes; at most ${o.maxBytes} are accepted`, 413);
    // Probot's middleware attaches its listeners right after this channel's subscribers ran.
    process.nextTick(stopBuffering);
  } else {
    const hmac = createHmac("sha256", o.secret);
    let bytes = 0;
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= o.maxBytes) {
        hmac.update(chunk);
        return;
      }
      refusal = new Refused("PayloadTooLarge", `the body has more than ${o.maxBytes} bytes`, 413);
      stopBuffering();
    });
    request.on("end", () => {
      if (refusal) return;
      const expected = Buffer.from(`sha256=${hmac.digest("hex")}`);
      const header = request.headers["x-hub-signature-256"];
      const given = Buffer.from(typeof header === "string" ? header : "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        refusal = new Refused("SignatureMismatch", "the signature does not match the body and the webhook secret", 400);
      }
    });
  }
  // Runs before Probot's own "end" listener: a refused body is never parsed. Answering only once the client has sent
  // everything keeps the answer from racing the client's writes (a server that closes early makes it fail with EPIPE).
  request.on("end", () => {
    if (refusal) fail(request, refusal);
  });
}

/** Guards webhook deliveries on every HTTP server of this process; returns the function that removes the guard. */
export function guardWebhooks(o: WebhookGuardOptions): () => void {
  const onRequest = (message: unknown): void => {
    const { request } = message as { request: IncomingMessage };
    if (request.method !== "POST") return;
    let pathname: string;
    try {
      pathname = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    } catch {
      return;
    }
    if (pathname === o.path.replace(/\/+$/, "")) guard(request, o);
  };
  subscribe(CHANNEL, onRequest);
  return () => unsubscribe(CHANNEL, onRequest);
}
