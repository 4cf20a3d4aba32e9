import { setTimeout as delay } from "node:timers/promises";
import { parseRetryAfterHeader, parseRetryHint } from "./durations.js";
import { RegistryError, describeUrl, errorMessage, errorName } from "./errors.js";

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const ERROR_BODY_CAP = 64 * KiB;

const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** What the common network error codes mean, put before the code in messages. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: "the host name does not resolve, ",
  EAI_AGAIN: "the host name could not be resolved now, ",
  ECONNREFUSED: "the connection was refused (is a registry listening on that port?), ",
  ECONNRESET: "the connection was reset, ",
  ETIMEDOUT: "the connection timed out, ",
  ENETUNREACH: "the network is unreachable, ",
  EHOSTUNREACH: "the host is unreachable, ",
};

export const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal });

export interface TransportConfig {
  fetch: FetchLike;
  /** Hosts (`host[:port]`, lowercase) any hop may reach. */
  allowedHosts: ReadonlySet<string>;
  /** Allow `http:` targets (plain-http mode); otherwise only `https:`. */
  allowHttp: boolean;
  requestTimeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Longest wait a registry may ask for when the caller set no deadline. */
  maxRetryWaitMs: number;
  maxRedirects: number;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  userAgent: string;
  /** Told before each wait between attempts: what failed, how, and how long the wait is. */
  onRetry?: (retry: RetryNotice) => void;
}

/** A request about to be tried again. */
export interface RetryNotice {
  /** What is fetched ("manifest acme/app:1.0"). */
  what: string;
  /** `HTTP 503`, or the network error's message. */
  reason: string;
  /** The attempt that failed, and how many are allowed. */
  attempt: number;
  maxAttempts: number;
  waitMs: number;
}

export interface HttpRequest {
  url: URL;
  headers: Record<string, string>;
  /** Sent only to the origin of `url`, never after a redirect to another origin. */
  authorization?: string;
  /** Cap for 2xx bodies; error bodies are capped at 64 KiB. */
  maxBytes: number;
  /** What is fetched, for messages ("manifest", "blob", "token response"). */
  what: string;
  /**
   * Leave a 2xx body unread in `HttpResponse.stream` (a layer): the caller reads and caps it. The per-request
   * timeout then does not apply (a large body takes longer); the call's deadline and signal still do.
   */
  stream?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The unread 2xx body of a `stream` request (`body` is then empty). */
  stream?: ReadableStream<Uint8Array> | null;
  /** Final URL after redirects. */
  url: URL;
}

/** Per-call limits: the caller's abort signal and the inspection deadline (ms since the epoch, `now()` clock). */
export interface CallContext {
  signal?: AbortSignal;
  deadline?: number;
}

/** GET with manual redirects, size caps, per-request timeouts and retries (registry.md §6, §7). */
export class HttpTransport {
  constructor(private readonly config: TransportConfig) {}

  /**
   * Returns the final response of the last attempt (any status; 408/429/5xx only once retries are exhausted or the
   * next wait would not fit the budget). Throws RegistryError for policy refusals, caps, timeouts and network errors.
   */
  async send(request: HttpRequest, context: CallContext): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt += 1) {
      let response: HttpResponse;
      try {
        response = await this.once(request, context);
      } catch (error) {
        const failure = this.toRegistryError(error, request, context);
        if (!failure.retryable || attempt >= this.config.maxAttempts) throw failure.error;
        if (!(await this.pause(attempt, undefined, context, request.what, failure.error.message))) throw failure.error;
        continue;
      }
      if (!RETRY_STATUSES.has(response.status) || attempt >= this.config.maxAttempts) return response;
      if (!(await this.pause(attempt, retryHintMs(response, this.config.now()), context, request.what, `HTTP ${response.status}`))) return response;
    }
  }

  private async once(request: HttpRequest, context: CallContext): Promise<HttpResponse> {
    const origin = request.url.origin;
    let url = request.url;
    for (let hop = 0; ; hop += 1) {
      this.checkTarget(url, request.what);
      const headers = new Headers(request.headers);
      headers.set("user-agent", this.config.userAgent);
      if (request.authorization !== undefined && url.origin === origin) {
        headers.set("authorization", request.authorization);
      }
      const response = await this.config.fetch(url, {
        method: "GET",
        headers,
        redirect: "manual",
        signal: this.requestSignal(context, request.stream === true),
      });
      if (REDIRECT_STATUSES.has(response.status)) {
        await discard(response);
        const location = response.headers.get("location");
        if (location === null || location === "") {
          throw new RegistryError("invalid", `redirect without Location from ${describeUrl(url)}`, {
            status: response.status,
          });
        }
        if (hop >= this.config.maxRedirects) {
          throw new RegistryError("refused", `more than ${this.config.maxRedirects} redirects fetching ${request.what}`);
        }
        try {
          url = new URL(location, url);
        } catch {
          throw new RegistryError("invalid", `malformed redirect Location from ${describeUrl(url)}`);
        }
        continue;
      }
      const ok = response.status >= 200 && response.status < 300;
      if (ok && request.stream === true) return { status: response.status, headers: response.headers, body: new Uint8Array(0), stream: response.body, url };
      const body = await readCapped(
        response,
        ok ? request.maxBytes : ERROR_BODY_CAP,
        ok ? request.what : `error body for ${request.what}`,
      );
      return { status: response.status, headers: response.headers, body, url };
    }
  }

  private checkTarget(url: URL, what: string): void {
    const schemeOk = url.protocol === "https:" || (this.config.allowHttp && url.protocol === "http:");
    if (!schemeOk) {
      throw new RegistryError("refused", `refusing ${url.protocol} URL for ${what} (only https is allowed)`);
    }
    if (url.username !== "" || url.password !== "") {
      throw new RegistryError("refused", `refusing URL with credentials for ${what}`);
    }
    if (!this.config.allowedHosts.has(url.host)) {
      throw new RegistryError("refused", `refusing to fetch ${what} from ${url.host}: host is not on the allow-list`);
    }
  }

  private requestSignal(context: CallContext, streaming: boolean): AbortSignal {
    let timeout = streaming ? undefined : this.config.requestTimeoutMs;
    if (context.deadline !== undefined) {
      const remaining = context.deadline - this.config.now();
      if (remaining <= 0) throw new RegistryError("timeout", "inspection budget exhausted");
      timeout = Math.min(timeout ?? remaining, remaining);
    }
    const signals = [...(timeout === undefined ? [] : [AbortSignal.timeout(timeout)]), ...(context.signal === undefined ? [] : [context.signal])];
    return signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  }

  /** Waits before attempt `attempt + 1`; false when the wait would not fit the budget. */
  private async pause(attempt: number, hintMs: number | undefined, context: CallContext, what: string, reason: string): Promise<boolean> {
    const { backoffBaseMs, backoffMaxMs, random, now, maxRetryWaitMs } = this.config;
    const backoff = Math.min(backoffBaseMs * 2 ** (attempt - 1), backoffMaxMs) * (0.8 + 0.4 * random());
    const wait = Math.round(Math.max(backoff, hintMs ?? 0));
    const limit = context.deadline === undefined ? maxRetryWaitMs : context.deadline - now();
    if (wait >= limit) return false;
    this.config.onRetry?.({ what, reason, attempt, maxAttempts: this.config.maxAttempts, waitMs: wait });
    try {
      await this.config.sleep(wait, context.signal);
    } catch (error) {
      throw this.toRegistryError(error, undefined, context).error;
    }
    return true;
  }

  private toRegistryError(
    error: unknown,
    request: HttpRequest | undefined,
    context: CallContext,
  ): { error: RegistryError; retryable: boolean } {
    if (error instanceof RegistryError) return { error, retryable: false };
    const what = request === undefined ? "request" : `${request.what} from ${describeUrl(request.url)}`;
    if (context.signal?.aborted === true) {
      const timedOut = errorName(context.signal.reason) === "TimeoutError";
      return {
        error: new RegistryError(timedOut ? "timeout" : "aborted", `${timedOut ? "inspection budget exhausted" : "aborted"} while fetching ${what}`),
        retryable: false,
      };
    }
    if (errorName(error) === "TimeoutError") {
      return {
        error: new RegistryError("timeout", `timed out fetching ${what}`, { cause: error }),
        retryable: true,
      };
    }
    const code = networkCode(error);
    const detail = code === undefined ? errorMessage(error) : `${NETWORK_CODES[code] ?? ""}${code}`;
    return {
      error: new RegistryError("network", `network error fetching ${what}: ${detail}`, { cause: error }),
      retryable: code !== undefined && TRANSIENT_CODES.has(code),
    };
  }
}

function networkCode(error: unknown): string | undefined {
  for (const candidate of [(error as { cause?: unknown } | null)?.cause, error]) {
    const code = (candidate as { code?: unknown } | null | undefined)?.code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function retryHintMs(response: HttpResponse, nowMs: number): number | undefined {
  const header = parseRetryAfterHeader(response.headers.get("retry-after"), nowMs);
  const body = parseRetryHint(new TextDecoder().decode(response.body));
  if (header === undefined) return body;
  return body === undefined ? header : Math.max(header, body);
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // the body is being dropped; a failure to cancel it changes nothing
  }
}

/**
 * Reads a response body of at most `limit` bytes: rejects a larger `Content-Length` up front, then counts while
 * streaming and fails on overflow (never truncates).
 */
export async function readCapped(response: Response, limit: number, what: string): Promise<Uint8Array> {
  const tooLarge = (): RegistryError =>
    new RegistryError("too-large", `${what} exceeds ${limit} bytes`, { status: response.status });
  const length = response.headers.get("content-length");
  if (length !== null && /^\d+$/.test(length.trim()) && Number(length) > limit) {
    await discard(response);
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
