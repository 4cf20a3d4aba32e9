import { Readable } from "node:stream";
import { TokenCache, parseTokenResponse, parseWwwAuthenticate, type Challenge } from "./auth.js";
import { RegistryError } from "./errors.js";
import {
  HttpTransport,
  KiB,
  MiB,
  defaultSleep,
  type CallContext,
  type FetchLike,
  type HttpRequest,
  type HttpResponse,
  type RetryNotice,
  type Sleep,
} from "./http.js";
import { MANIFEST_ACCEPT, essence } from "./media-types.js";
import { assertDigest, assertName, isValidAuthority, referenceKind, sha256Digest } from "./reference.js";
import type { BlobDescriptor, BlobStreamSource, FetchOptions, FetchedManifest, ManifestSource } from "./source.js";

export const DEFAULT_REGISTRY_URL = "https://ghcr.io";
/** ghcr's API/token host and its blob CDN (registry.md §6). */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ["ghcr.io", "pkg-containers.githubusercontent.com"];
export const MAX_MANIFEST_BYTES = 4 * MiB;
export const MAX_BLOB_BYTES = 4 * MiB;
export const MAX_TOKEN_BYTES = 128 * KiB;

/** Basic credential for the token service, e.g. any username plus a classic PAT with `read:packages`. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /**
   * `scheme://host[:port]`, default `https://ghcr.io`. An `http:` URL puts the client in plain-http mode: http is
   * then allowed for every hop (a local test registry); otherwise only https.
   */
  baseUrl?: string;
  /** Sent as Basic auth to the (validated) token realm, or to the registry itself on a Basic challenge. */
  credentials?: RegistryCredentials;
  /**
   * Hosts (`host[:port]`) that redirects and the token realm may point at. The base URL's host is always allowed.
   * Default: `ghcr.io` and `pkg-containers.githubusercontent.com`.
   */
  allowedHosts?: readonly string[];
  fetch?: FetchLike;
  /** Per-request timeout (each hop and attempt), default 30 s. */
  requestTimeoutMs?: number;
  /** Attempts per request including the first, default 5. */
  maxAttempts?: number;
  /** First backoff, doubled per retry, ±20 % jitter; default 500 ms. */
  backoffBaseMs?: number;
  /** Backoff cap, default 10 s (a registry's Retry-After may ask for more, up to the budget). */
  backoffMaxMs?: number;
  /** Longest Retry-After honoured when the call has no deadline, default 60 s. */
  maxRetryWaitMs?: number;
  /** Injected wait for tests. */
  sleep?: Sleep;
  /** Injected jitter source in [0, 1) for tests. */
  random?: () => number;
  /** Injected clock (ms since the epoch) for token expiry and deadlines. */
  now?: () => number;
  userAgent?: string;
  /** Told before each wait between attempts (the CLI prints it, so a slow registry is not a silent hang). */
  onRetry?: (retry: RetryNotice) => void;
}

type AuthUsed = "anonymous" | "credential";

/**
 * OCI distribution client for pulls (manifests and small blobs) with ghcr's Bearer token flow. Holds a token cache
 * per (host, scope): share one client across inspections.
 */
export class RegistryClient implements ManifestSource, BlobStreamSource {
  readonly baseUrl: URL;
  /** `host[:port]` of the registry. */
  readonly host: string;
  private readonly transport: HttpTransport;
  private readonly tokens: TokenCache;
  private readonly pendingTokens = new Map<string, Promise<string>>();
  private readonly basicAuthorization: string | undefined;
  private readonly now: () => number;

  constructor(options: RegistryClientOptions = {}) {
    this.baseUrl = parseBaseUrl(options.baseUrl ?? DEFAULT_REGISTRY_URL);
    this.host = this.baseUrl.host;
    const allowedHosts = new Set([this.host]);
    for (const host of options.allowedHosts ?? DEFAULT_ALLOWED_HOSTS) {
      const normalized = host.toLowerCase();
      if (!isValidAuthority(normalized)) throw new TypeError(`invalid allowed host ${JSON.stringify(host)}`);
      allowedHosts.add(normalized);
    }
    this.basicAuthorization = basicAuthorization(options.credentials);
    this.now = options.now ?? Date.now;
    this.tokens = new TokenCache(this.now);
    this.transport = new HttpTransport({
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      allowedHosts,
      allowHttp: this.baseUrl.protocol === "http:",
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 10_000,
      maxRetryWaitMs: options.maxRetryWaitMs ?? 60_000,
      maxRedirects: 10,
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
      now: this.now,
      userAgent: options.userAgent ?? "tagguard",
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  /**
   * GET a manifest or index by tag or digest with the four-type Accept header. Verifies sha256 against a requested
   * digest, against `Docker-Content-Digest` when present, and the length against `expectedSize`. Body ≤ 4 MiB.
   * The Content-Type/mediaType agreement is checked when the document is parsed (`parseManifest`).
   */
  async getManifest(name: string, reference: string, options: FetchOptions = {}): Promise<FetchedManifest> {
    assertName(name);
    const kind = referenceKind(reference);
    const what = `manifest ${name}${kind === "digest" ? "@" : ":"}${reference}`;
    checkExpectedSize(options.expectedSize, MAX_MANIFEST_BYTES, what);
    const { response, auth } = await this.authorized(
      name,
      {
        url: new URL(`/v2/${name}/manifests/${reference}`, this.baseUrl),
        headers: { accept: MANIFEST_ACCEPT },
        maxBytes: MAX_MANIFEST_BYTES,
        what,
      },
      context(options),
    );
    expectOk(response, what, auth);
    const digest = sha256Digest(response.body);
    if (kind === "digest" && digest !== reference) {
      throw new RegistryError("digest-mismatch", `${what}: content hashes to ${digest}`);
    }
    const header = response.headers.get("docker-content-digest");
    if (header !== null && header.trim() !== digest) {
      throw new RegistryError("digest-mismatch", `${what}: Docker-Content-Digest ${header.trim()} does not match content ${digest}`);
    }
    checkSize(response.body, options.expectedSize, what);
    return { digest, contentType: essence(response.headers.get("content-type")), bytes: response.body };
  }

  /** GET a blob (≤ 4 MiB, e.g. an image config), following the registry's redirect; size and sha256 verified. */
  async getBlob(name: string, descriptor: BlobDescriptor, options: FetchOptions = {}): Promise<Uint8Array> {
    assertName(name);
    assertDigest(descriptor.digest);
    const what = `blob ${name}@${descriptor.digest}`;
    checkExpectedSize(descriptor.size, MAX_BLOB_BYTES, what);
    const { response, auth } = await this.authorized(
      name,
      { url: new URL(`/v2/${name}/blobs/${descriptor.digest}`, this.baseUrl), headers: {}, maxBytes: MAX_BLOB_BYTES, what },
      context(options),
    );
    expectOk(response, what, auth);
    checkSize(response.body, descriptor.size, what);
    const digest = sha256Digest(response.body);
    if (digest !== descriptor.digest) throw new RegistryError("digest-mismatch", `${what}: content hashes to ${digest}`);
    return response.body;
  }

  /**
   * Opens a blob of any size (a layer) as a stream, following the registry's redirect. The caller checks the
   * length and sha256 while reading; the call's deadline and signal bound the whole download.
   */
  async openBlob(name: string, descriptor: BlobDescriptor, options: FetchOptions = {}): Promise<Readable> {
    assertName(name);
    assertDigest(descriptor.digest);
    const what = `blob ${name}@${descriptor.digest}`;
    const { response, auth } = await this.authorized(
      name,
      { url: new URL(`/v2/${name}/blobs/${descriptor.digest}`, this.baseUrl), headers: {}, maxBytes: descriptor.size, what, stream: true },
      context(options),
    );
    expectOk(response, what, auth);
    if (response.stream === undefined || response.stream === null) return Readable.from([]);
    return Readable.fromWeb(response.stream as import("node:stream/web").ReadableStream<Uint8Array>);
  }

  /** Sends with a cached token; on 401 runs the challenge once (Bearer token exchange, or Basic when configured). */
  private async authorized(
    name: string,
    request: HttpRequest,
    call: CallContext,
  ): Promise<{ response: HttpResponse; auth: AuthUsed }> {
    const auth: AuthUsed = this.basicAuthorization === undefined ? "anonymous" : "credential";
    const scope = `repository:${name}:pull`;
    const cached = this.tokens.get(this.host, scope);
    const first = await this.transport.send(
      cached === undefined ? request : { ...request, authorization: `Bearer ${cached}` },
      call,
    );
    if (first.status !== 401) return { response: first, auth };
    const challenges = parseWwwAuthenticate(first.headers.get("www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer !== undefined) {
      if (cached !== undefined) this.tokens.delete(this.host, scope);
      const token = await this.token(bearer, scope, call);
      return { response: await this.transport.send({ ...request, authorization: `Bearer ${token}` }, call), auth };
    }
    if (this.basicAuthorization !== undefined && challenges.some((c) => c.scheme === "basic")) {
      return { response: await this.transport.send({ ...request, authorization: this.basicAuthorization }, call), auth };
    }
    return { response: first, auth };
  }

  private token(challenge: Challenge, scope: string, call: CallContext): Promise<string> {
    const key = `${this.host} ${scope}`;
    const pending = this.pendingTokens.get(key);
    if (pending !== undefined) return pending;
    const exchange = this.exchange(challenge, scope, call).finally(() => this.pendingTokens.delete(key));
    this.pendingTokens.set(key, exchange);
    return exchange;
  }

  /** GET realm?service=…&scope=repository:<name>:pull — the scope is built here, never taken from the challenge. */
  private async exchange(challenge: Challenge, scope: string, call: CallContext): Promise<string> {
    const realmText = challenge.params.get("realm");
    if (realmText === undefined || realmText === "") throw new RegistryError("invalid", "Bearer challenge without realm");
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw new RegistryError("invalid", "Bearer challenge with a malformed realm");
    }
    const service = challenge.params.get("service");
    if (service !== undefined && service !== "") realm.searchParams.set("service", service);
    realm.searchParams.set("scope", scope);
    const what = `token for ${scope}`;
    const auth: AuthUsed = this.basicAuthorization === undefined ? "anonymous" : "credential";
    const response = await this.transport.send(
      {
        url: realm,
        headers: { accept: "application/json" },
        ...(this.basicAuthorization === undefined ? {} : { authorization: this.basicAuthorization }),
        maxBytes: MAX_TOKEN_BYTES,
        what,
      },
      call,
    );
    if (response.status === 401 || response.status === 403) {
      const { code } = registryErrorBody(response.body);
      throw new RegistryError(
        "denied",
        auth === "anonymous"
          ? `token service refused anonymous access to ${scope} (private package? configure a classic PAT with read:packages)`
          : `token service rejected the configured credential for ${scope}`,
        { status: response.status, auth, ...(code === undefined ? {} : { code }) },
      );
    }
    expectOk(response, what, auth);
    const grant = parseTokenResponse(response.body);
    this.tokens.set(this.host, scope, grant);
    return grant.token;
  }
}

function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`invalid registry base URL ${JSON.stringify(text)}`);
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  ) {
    throw new TypeError(`registry base URL must be http(s)://host[:port], got ${JSON.stringify(text)}`);
  }
  return url;
}

function basicAuthorization(credentials: RegistryCredentials | undefined): string | undefined {
  if (credentials === undefined) return undefined;
  if (credentials.username.includes(":")) throw new TypeError("registry username must not contain ':'");
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

function context(options: FetchOptions): CallContext {
  const call: CallContext = {};
  if (options.signal !== undefined) call.signal = options.signal;
  if (options.deadline !== undefined) call.deadline = options.deadline;
  return call;
}

function checkExpectedSize(size: number | undefined, cap: number, what: string): void {
  if (size === undefined) return;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RegistryError("invalid-reference", `${what}: descriptor size ${size} is not a non-negative integer`);
  }
  if (size > cap) throw new RegistryError("too-large", `${what}: descriptor size ${size} exceeds ${cap} bytes`);
}

function checkSize(body: Uint8Array, expected: number | undefined, what: string): void {
  if (expected !== undefined && body.byteLength !== expected) {
    throw new RegistryError("digest-mismatch", `${what}: got ${body.byteLength} bytes, descriptor says ${expected}`);
  }
}

/** Maps a non-200 response to a typed error (401/403 denied, 404 not-found, 429 rate-limited, 5xx server-error). */
function expectOk(response: HttpResponse, what: string, auth: AuthUsed): void {
  const { status } = response;
  if (status === 200) return;
  const { code, message } = registryErrorBody(response.body);
  const detail = code === undefined ? (message === undefined ? "" : ` (${message})`) : ` (${code}${message === undefined ? "" : `: ${message}`})`;
  const details = { status, ...(code === undefined ? {} : { code }) };
  if (status === 401) {
    const challenged = response.headers.get("www-authenticate") !== null;
    throw new RegistryError(
      "denied",
      `${what}: unauthorized${detail}${challenged ? "" : auth === "credential" ? "; no challenge was offered, check the configured credential" : ""}`,
      { ...details, auth },
    );
  }
  if (status === 403) throw new RegistryError("denied", `${what}: access denied${detail}`, { ...details, auth });
  if (status === 404) throw new RegistryError("not-found", `${what}: not found${detail}`, details);
  if (status === 429) throw new RegistryError("rate-limited", `${what}: rate limited${detail}`, details);
  if (status === 408) throw new RegistryError("timeout", `${what}: registry answered 408${detail}`, details);
  if (status >= 500) throw new RegistryError("server-error", `${what}: registry answered ${status}${detail}`, details);
  throw new RegistryError("invalid", `${what}: unexpected HTTP status ${status}${detail}`, details);
}

/** First `{"errors":[{"code","message"}]}` entry, or a short plain-text excerpt; control characters removed. */
function registryErrorBody(body: Uint8Array): { code?: string; message?: string } {
  const text = new TextDecoder().decode(body);
  const clean = (value: string): string | undefined => {
    const single = value.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
    return single === "" ? undefined : single.length > 300 ? `${single.slice(0, 300)}…` : single;
  };
  try {
    const parsed: unknown = JSON.parse(text);
    const first: unknown = (parsed as { errors?: unknown[] } | null)?.errors?.[0];
    if (typeof first === "object" && first !== null) {
      const { code, message } = first as { code?: unknown; message?: unknown };
      const out: { code?: string; message?: string } = {};
      if (typeof code === "string" && /^[A-Z_]{1,64}$/.test(code)) out.code = code;
      const cleaned = typeof message === "string" ? clean(message) : undefined;
      if (cleaned !== undefined) out.message = cleaned;
      return out;
    }
  } catch {
    // not JSON: fall back to text
  }
  const cleaned = clean(text);
  return cleaned === undefined ? {} : { message: cleaned };
}
