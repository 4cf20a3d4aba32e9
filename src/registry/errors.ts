/**
 * Why a registry operation failed. Every kind means "cannot inspect": none of them is evidence that the image is
 * broken, so callers must never turn a RegistryError into an incident.
 */
export type RegistryErrorKind =
  /** A name, tag, digest or reference failed its grammar (checked before anything is put in a URL). */
  | "invalid-reference"
  /** 401/403: anonymous access refused (private package) or the configured credential was rejected. */
  | "denied"
  /** 404: repository, tag, manifest or blob unknown (or not yet visible). */
  | "not-found"
  /** 429 still answered after the retries, or the registry asked to wait longer than the budget allows. */
  | "rate-limited"
  /** A request timed out on every attempt, or the per-inspection budget ran out. */
  | "timeout"
  /** The caller's AbortSignal fired. */
  | "aborted"
  /** Connection-level failure (reset, refused, DNS) on every attempt. */
  | "network"
  /** 5xx still answered after the retries. */
  | "server-error"
  /** Content did not match its digest, `Docker-Content-Digest` or descriptor size. */
  | "digest-mismatch"
  /** A body, index, nesting depth or fetch count exceeded its cap. */
  | "too-large"
  /** Refused by client policy: redirect or token realm off the allow-list, non-https, too many redirects. */
  | "refused"
  /** The registry answered something malformed: bad challenge, token response, unexpected status. */
  | "invalid";

export interface RegistryErrorDetails {
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
  /** First registry error code from the body (`DENIED`, `MANIFEST_UNKNOWN`, `TOOMANYREQUESTS`, …). */
  code?: string;
  /** For `denied`: whether the refused request was anonymous or carried the configured credential. */
  auth?: "anonymous" | "credential";
  /** For `rate-limited`: the wait the registry asked for, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Typed failure of the registry client, the OCI layout reader or the walk. Messages never contain tokens. */
export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly auth: "anonymous" | "credential" | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: RegistryErrorKind, message: string, details: RegistryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "RegistryError";
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.auth = details.auth;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}

/** A "cannot inspect" reason ready for logs or a notice. `internal` marks a bug rather than a registry problem. */
export interface CannotInspectReason {
  kind: RegistryErrorKind | "internal";
  message: string;
  status?: number;
  code?: string;
  auth?: "anonymous" | "credential";
}

/** Maps anything `inspect` or the client threw to a "cannot inspect" reason. */
export function cannotInspectReason(error: unknown): CannotInspectReason {
  if (error instanceof RegistryError) {
    const reason: CannotInspectReason = { kind: error.kind, message: error.message };
    if (error.status !== undefined) reason.status = error.status;
    if (error.code !== undefined) reason.code = error.code;
    if (error.auth !== undefined) reason.auth = error.auth;
    return reason;
  }
  return { kind: "internal", message: errorMessage(error) };
}

/** `message` of anything thrown (duck-typed: errors from other realms, e.g. DOMException, fail `instanceof Error`). */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message : String(error);
}

/** `name` of anything thrown, duck-typed like `errorMessage`. */
export function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" ? name : undefined;
}

/** `scheme://host/path` of a URL, without query (pre-signed blob URLs carry signatures) or credentials. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * True when `error` is a TLS handshake failure (`ERR_SSL_*`, `EPROTO`) talking to a loopback or private-network host
 * (`localhost`, `127.0.0.0/8`, `::1`, `10/8`, `172.16/12`, `192.168/16`, `*.local`): most likely a plain-http
 * registry such as `registry:2` on port 5000.
 */
export function isTlsFailureOnPrivateHost(error: unknown, authority: string): boolean {
  const host = authority.replace(/^\[(.*)\](?::\d+)?$/, "$1").replace(/:\d+$/, "");
  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host)?.slice(1).map(Number);
  const isPrivate =
    host === "localhost" ||
    host === "::1" ||
    host.endsWith(".local") ||
    (octets !== undefined &&
      (octets[0] === 127 || octets[0] === 10 || (octets[0] === 172 && octets[1]! >= 16 && octets[1]! <= 31) || (octets[0] === 192 && octets[1] === 168)));
  if (!isPrivate) return false;
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("ERR_SSL_") || code === "EPROTO")) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
