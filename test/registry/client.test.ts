import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import {
  MANIFEST_ACCEPT,
  RegistryClient,
  RegistryError,
  sha256Digest,
  type FetchLike,
  type RegistryClientOptions,
} from "../../src/registry/index.js";
import { blob, documentJson, fixture } from "./fixtures.js";

const GHCR = "https://ghcr.io";
const CDN = "https://pkg-containers.githubusercontent.com";
const CHALLENGE = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"';
const UNAUTHORIZED = { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] };
const SCOPE = { service: "ghcr.io", scope: "repository:acme/app:pull" };
const DOC = fixture("docker-v2");
const BYTES = Buffer.from(blob(DOC.digest));
const SERVED = { "content-type": DOC.mediaType, "docker-content-digest": DOC.digest };
const CONFIG = (documentJson(DOC.digest).config as { digest: string; size: number });
const PAT = "ghp_classicPersonalAccessToken0000000000";
const BASIC = `Basic ${Buffer.from(`tagguard:${PAT}`).toString("base64")}`;

let sleeps: number[];
const client = (options: RegistryClientOptions = {}) =>
  new RegistryClient({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });

/** Manifest interceptor that only matches the four-type Accept header. */
const manifest = (path: string, options: nock.Options = {}) => nock(GHCR, options).get(path).matchHeader("accept", MANIFEST_ACCEPT);
const anonymous = { badheaders: ["authorization"] };
const challenge = (path: string) => manifest(path, anonymous).reply(401, UNAUTHORIZED, { "www-authenticate": CHALLENGE });
const token = (value: string, options: nock.Options = anonymous) => nock(GHCR, options).get("/token").query(SCOPE).reply(200, { token: value });

beforeEach(() => {
  sleeps = [];
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error("expected a RegistryError");
}

describe("token flow", () => {
  it("fetches an anonymous token for its own scope, then reuses it", async () => {
    const c = client();
    challenge("/v2/acme/app/manifests/1.0");
    token("anon-token");
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer anon-token").reply(200, BYTES, SERVED);
    manifest(`/v2/acme/app/manifests/${DOC.digest}`).matchHeader("authorization", "Bearer anon-token").reply(200, BYTES, SERVED);
    await expect(c.getManifest("acme/app", "1.0")).resolves.toEqual({ digest: DOC.digest, contentType: DOC.mediaType, bytes: new Uint8Array(BYTES) });
    await expect(c.getManifest("acme/app", DOC.digest)).resolves.toMatchObject({ digest: DOC.digest });
  });

  it("sends a configured classic PAT as Basic auth to the token realm only", async () => {
    const c = client({ credentials: { username: "tagguard", password: PAT } });
    challenge("/v2/acme/app/manifests/1.0");
    token("private-token", { reqheaders: { authorization: BASIC } });
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer private-token").reply(200, BYTES, SERVED);
    await expect(c.getManifest("acme/app", "1.0")).resolves.toMatchObject({ digest: DOC.digest });
  });

  it("maps an anonymous token refusal to denied", async () => {
    challenge("/v2/acme/app/manifests/1.0");
    nock(GHCR, anonymous).get("/token").query(SCOPE).reply(403, { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] });
    const error = await failure(client().getManifest("acme/app", "1.0"));
    expect({ kind: error.kind, status: error.status, code: error.code, auth: error.auth, message: error.message }).toEqual({
      kind: "denied",
      status: 403,
      code: "DENIED",
      auth: "anonymous",
      message: "token service refused anonymous access to repository:acme/app:pull (private package? configure a classic PAT with read:packages)",
    });
  });

  it("maps a manifest DENIED after a credentialed token to denied, without leaking the token", async () => {
    challenge("/v2/acme/app/manifests/1.0");
    token("secret-token-value", { reqheaders: { authorization: BASIC } });
    manifest("/v2/acme/app/manifests/1.0")
      .matchHeader("authorization", "Bearer secret-token-value")
      .reply(403, { errors: [{ code: "DENIED", message: "permission_denied: The token provided does not match expected scopes." }] });
    const error = await failure(client({ credentials: { username: "tagguard", password: PAT } }).getManifest("acme/app", "1.0"));
    expect(error).toEqual(
      new RegistryError("denied", "manifest acme/app:1.0: access denied (DENIED: permission_denied: The token provided does not match expected scopes.)"),
    );
    expect({ auth: error.auth, status: error.status }).toEqual({ auth: "credential", status: 403 });
    expect(`${error.message} ${error.stack ?? ""}`).not.toMatch(/secret-token-value|ghp_/);
  });

  it("re-exchanges once on a fresh 401, then gives up", async () => {
    const c = client();
    challenge("/v2/acme/app/manifests/1.0");
    token("t1");
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t1").reply(200, BYTES, SERVED);
    await c.getManifest("acme/app", "1.0");

    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t1").reply(401, UNAUTHORIZED, { "www-authenticate": CHALLENGE });
    token("t2");
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t2").reply(200, BYTES, SERVED);
    await expect(c.getManifest("acme/app", "1.0")).resolves.toMatchObject({ digest: DOC.digest });

    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t2").reply(401, UNAUTHORIZED, { "www-authenticate": CHALLENGE });
    token("t3");
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t3").reply(401, UNAUTHORIZED, { "www-authenticate": CHALLENGE });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("denied", "manifest acme/app:1.0: unauthorized (UNAUTHORIZED: authentication required)"),
    );
  });

  it("drops a cached token once issued_at + max(expires_in, 60 s) − 5 s has passed", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const c = client({ now: () => now });
    challenge("/v2/acme/app/manifests/1.0");
    nock(GHCR, anonymous).get("/token").query(SCOPE).reply(200, { token: "short", expires_in: 30, issued_at: "2026-01-01T00:00:00Z" });
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer short").twice().reply(200, BYTES, SERVED);
    await c.getManifest("acme/app", "1.0");
    now += 54_999;
    await c.getManifest("acme/app", "1.0");
    now += 1;
    challenge("/v2/acme/app/manifests/1.0");
    token("fresh");
    manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer fresh").reply(200, BYTES, SERVED);
    await c.getManifest("acme/app", "1.0");
  });

  it.each([
    ['Bearer realm="https://evil.example/token",service="ghcr.io"', "refusing to fetch token for repository:acme/app:pull from evil.example: host is not on the allow-list"],
    ['Bearer realm="http://ghcr.io/token",service="ghcr.io"', "refusing http: URL for token for repository:acme/app:pull (only https is allowed)"],
    ['Bearer realm="https://user:pw@ghcr.io/token"', "refusing URL with credentials for token for repository:acme/app:pull"],
  ])("refuses the realm in %s", async (header, message) => {
    manifest("/v2/acme/app/manifests/1.0", anonymous).reply(401, UNAUTHORIZED, { "www-authenticate": header });
    await expect(client({ credentials: { username: "tagguard", password: PAT } }).getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("refused", message),
    );
  });

  it("treats a 401 without a challenge as denied and hints at the configured credential", async () => {
    manifest("/v2/acme/app/manifests/1.0", anonymous).reply(401, { errors: [{ code: "DENIED", message: "invalid token" }] });
    const error = await failure(client({ credentials: { username: "tagguard", password: PAT } }).getManifest("acme/app", "1.0"));
    expect([error.kind, error.auth, error.message]).toEqual([
      "denied",
      "credential",
      "manifest acme/app:1.0: unauthorized (DENIED: invalid token); no challenge was offered, check the configured credential",
    ]);
  });

  it("answers a Basic challenge from a plain-http registry with the credential", async () => {
    const local = "http://registry.local:5000";
    nock(local, anonymous).get("/v2/app/manifests/dev").matchHeader("accept", MANIFEST_ACCEPT).reply(401, "", { "www-authenticate": 'Basic realm="Registry Realm"' });
    nock(local).get("/v2/app/manifests/dev").matchHeader("accept", MANIFEST_ACCEPT).matchHeader("authorization", BASIC).reply(200, BYTES, SERVED);
    const c = client({ baseUrl: local, credentials: { username: "tagguard", password: PAT } });
    await expect(c.getManifest("app", "dev")).resolves.toMatchObject({ digest: DOC.digest });
  });
});

describe("verification", () => {
  const authed = (path: string) => {
    challenge(path);
    token("t");
    return manifest(path).matchHeader("authorization", "Bearer t");
  };

  it("refuses content that does not hash to the requested digest", async () => {
    const other = `sha256:${"0".repeat(64)}`;
    authed(`/v2/acme/app/manifests/${other}`).reply(200, BYTES, { "content-type": DOC.mediaType });
    await expect(client().getManifest("acme/app", other)).rejects.toEqual(
      new RegistryError("digest-mismatch", `manifest acme/app@${other}: content hashes to ${DOC.digest}`),
    );
  });

  it("refuses a Docker-Content-Digest that does not match the content", async () => {
    const header = `sha256:${"1".repeat(64)}`;
    authed("/v2/acme/app/manifests/1.0").reply(200, BYTES, { "content-type": DOC.mediaType, "docker-content-digest": header });
    await expect(client().getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("digest-mismatch", `manifest acme/app:1.0: Docker-Content-Digest ${header} does not match content ${DOC.digest}`),
    );
  });

  it("refuses content whose length differs from the descriptor", async () => {
    authed(`/v2/acme/app/manifests/${DOC.digest}`).reply(200, BYTES, SERVED);
    await expect(client().getManifest("acme/app", DOC.digest, { expectedSize: DOC.size + 1 })).rejects.toEqual(
      new RegistryError("digest-mismatch", `manifest acme/app@${DOC.digest}: got ${DOC.size} bytes, descriptor says ${DOC.size + 1}`),
    );
  });

  it("validates names and digests before building a URL", async () => {
    const c = client();
    await expect(c.getManifest("acme/../admin", "1")).rejects.toEqual(new RegistryError("invalid-reference", 'invalid repository name "acme/../admin"'));
    await expect(c.getManifest("acme/app", "sha256:../../x")).rejects.toEqual(
      new RegistryError("invalid-reference", 'invalid digest "sha256:../../x" (expected sha256:<64 hex>)'),
    );
    await expect(c.getBlob("acme/app", { digest: `sha512:${"a".repeat(128)}`, size: 1 })).rejects.toMatchObject({ kind: "invalid-reference" });
    await expect(c.getManifest("acme/app", "a/b")).rejects.toMatchObject({ kind: "invalid-reference" });
  });

  it("validates its configuration", () => {
    expect(() => new RegistryClient({ baseUrl: "ftp://ghcr.io" })).toThrow(new TypeError('registry base URL must be http(s)://host[:port], got "ftp://ghcr.io"'));
    expect(() => new RegistryClient({ baseUrl: "https://ghcr.io/v2/" })).toThrow(TypeError);
    expect(() => new RegistryClient({ allowedHosts: ["ghcr.io/evil"] })).toThrow(new TypeError('invalid allowed host "ghcr.io/evil"'));
  });
});

describe("size caps", () => {
  const respond = (response: () => Response): FetchLike => async () => response();

  it("rejects a Content-Length over 4 MiB before reading", async () => {
    const c = client({ fetch: respond(() => new Response("{}", { status: 200, headers: { "content-length": String(4 * 1024 * 1024 + 1) } })) });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(new RegistryError("too-large", "manifest acme/app:1.0 exceeds 4194304 bytes"));
  });

  it("counts a streamed body and stops reading once it passes 4 MiB", async () => {
    let pulls = 0;
    const stream = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulls += 1;
          controller.enqueue(new Uint8Array(1024 * 1024));
        },
      });
    const c = client({ fetch: respond(() => new Response(stream(), { status: 200 })) });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(new RegistryError("too-large", "manifest acme/app:1.0 exceeds 4194304 bytes"));
    expect(pulls).toBeLessThanOrEqual(6);
  });

  it("caps token responses at 128 KiB and error bodies at 64 KiB", async () => {
    challenge("/v2/acme/app/manifests/1.0");
    nock(GHCR).get("/token").query(SCOPE).reply(200, JSON.stringify({ token: "x".repeat(128 * 1024) }));
    await expect(client().getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("too-large", "token for repository:acme/app:pull exceeds 131072 bytes"),
    );
    manifest("/v2/acme/app/manifests/2.0").reply(404, "x".repeat(64 * 1024 + 1));
    await expect(client().getManifest("acme/app", "2.0")).rejects.toEqual(
      new RegistryError("too-large", "error body for manifest acme/app:2.0 exceeds 65536 bytes"),
    );
  });

  it("refuses a descriptor size over the blob cap without fetching", async () => {
    await expect(client().getBlob("acme/app", { digest: CONFIG.digest, size: 4 * 1024 * 1024 + 1 })).rejects.toEqual(
      new RegistryError("too-large", `blob acme/app@${CONFIG.digest}: descriptor size 4194305 exceeds 4194304 bytes`),
    );
  });
});

describe("redirects", () => {
  const blobPath = `/v2/acme/app/blobs/${CONFIG.digest}`;
  const signed = `${CDN}/ghcr1/blobs/${CONFIG.digest}?se=2026-01-01T00%3A10%3A00Z&sig=abc`;
  const authedBlob = () => {
    nock(GHCR, anonymous).get(blobPath).reply(401, UNAUTHORIZED, { "www-authenticate": CHALLENGE });
    token("t");
    return nock(GHCR).get(blobPath).matchHeader("authorization", "Bearer t");
  };

  it("follows ghcr's 307 to the blob CDN without forwarding Authorization", async () => {
    authedBlob().reply(307, "", { location: signed });
    nock(CDN, anonymous).get(`/ghcr1/blobs/${CONFIG.digest}`).query({ se: "2026-01-01T00:10:00Z", sig: "abc" }).reply(200, Buffer.from(blob(CONFIG.digest)));
    await expect(client().getBlob("acme/app", CONFIG)).resolves.toEqual(blob(CONFIG.digest));
  });

  it("keeps Authorization on a same-origin redirect", async () => {
    authedBlob().reply(307, "", { location: "/v2/acme/app/blobs/elsewhere" });
    nock(GHCR).get("/v2/acme/app/blobs/elsewhere").matchHeader("authorization", "Bearer t").reply(200, Buffer.from(blob(CONFIG.digest)));
    await expect(client().getBlob("acme/app", CONFIG)).resolves.toEqual(blob(CONFIG.digest));
  });

  it.each([
    ["https://evil.example/steal", `refusing to fetch blob acme/app@${CONFIG.digest} from evil.example: host is not on the allow-list`],
    ["http://pkg-containers.githubusercontent.com/x", `refusing http: URL for blob acme/app@${CONFIG.digest} (only https is allowed)`],
    ["https://169.254.169.254/latest/meta-data/", `refusing to fetch blob acme/app@${CONFIG.digest} from 169.254.169.254: host is not on the allow-list`],
  ])("refuses a redirect to %s", async (location, message) => {
    authedBlob().reply(307, "", { location });
    await expect(client().getBlob("acme/app", CONFIG)).rejects.toEqual(new RegistryError("refused", message));
  });

  it("allows extra hosts the caller lists", async () => {
    authedBlob().reply(302, "", { location: "https://mirror.example/b" });
    nock("https://mirror.example", anonymous).get("/b").reply(200, Buffer.from(blob(CONFIG.digest)));
    await expect(client({ allowedHosts: ["mirror.example"] }).getBlob("acme/app", CONFIG)).resolves.toEqual(blob(CONFIG.digest));
  });

  it("stops after 10 hops", async () => {
    authedBlob().reply(307, "", { location: `${CDN}/hop` });
    nock(CDN).get("/hop").times(10).reply(302, "", { location: `${CDN}/hop` });
    await expect(client().getBlob("acme/app", CONFIG)).rejects.toEqual(
      new RegistryError("refused", `more than 10 redirects fetching blob acme/app@${CONFIG.digest}`),
    );
  });

  it("rejects a blob whose bytes do not match the descriptor", async () => {
    authedBlob().reply(307, "", { location: signed });
    nock(CDN).get(`/ghcr1/blobs/${CONFIG.digest}`).query(true).reply(200, Buffer.from(blob(DOC.digest)));
    await expect(client().getBlob("acme/app", CONFIG)).rejects.toEqual(
      new RegistryError("digest-mismatch", `blob acme/app@${CONFIG.digest}: got ${DOC.size} bytes, descriptor says ${CONFIG.size}`),
    );
  });
});

describe("retries", () => {
  const authed = () => {
    challenge("/v2/acme/app/manifests/1.0");
    token("t");
  };
  const retried = () => manifest("/v2/acme/app/manifests/1.0").matchHeader("authorization", "Bearer t");

  it("honours Retry-After on 429", async () => {
    authed();
    retried().reply(429, { errors: [{ code: "TOOMANYREQUESTS", message: "rate limited" }] }, { "retry-after": "2" });
    retried().reply(200, BYTES, SERVED);
    await client().getManifest("acme/app", "1.0");
    expect(sleeps).toEqual([2000]);
  });

  it("honours ghcr's body hint when it is longer than the backoff", async () => {
    authed();
    retried().reply(429, "toomanyrequests: retry-after: 1.5s, allowed: 44000/minute");
    retried().reply(429, { errors: [{ code: "TOOMANYREQUESTS", message: "retry-after: 880.092µs, allowed: 44000/minute" }] });
    retried().reply(200, BYTES, SERVED);
    await client().getManifest("acme/app", "1.0");
    expect(sleeps).toEqual([1500, 1000]);
  });

  it("backs off 0.5 s · 2ⁿ with ±20 % jitter on 5xx and gives up after 5 attempts", async () => {
    authed();
    retried().reply(503, "unavailable");
    retried().reply(500);
    retried().reply(502);
    retried().reply(504);
    retried().reply(503, { errors: [{ code: "UNAVAILABLE", message: "service unavailable" }] });
    await expect(client().getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("server-error", "manifest acme/app:1.0: registry answered 503 (UNAVAILABLE: service unavailable)"),
    );
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
    const jittered: number[] = [];
    await expect(
      client({ random: () => 0, maxAttempts: 2, sleep: async (ms) => void jittered.push(ms), fetch: async () => new Response("", { status: 503 }) }).getManifest("acme/app", "1.0"),
    ).rejects.toMatchObject({ kind: "server-error" });
    expect(jittered).toEqual([400]);
  });

  it("gives up at once when the registry asks for a wait beyond the budget", async () => {
    const c = client();
    authed();
    retried().reply(429, "", { "retry-after": "120" });
    const error = await failure(c.getManifest("acme/app", "1.0"));
    expect([error.kind, error.message, sleeps]).toEqual(["rate-limited", "manifest acme/app:1.0: rate limited", []]);
    retried().reply(429, "toomanyrequests: retry-after: 2s");
    await expect(c.getManifest("acme/app", "1.0", { deadline: Date.now() + 1500 })).rejects.toMatchObject({ kind: "rate-limited" });
    expect(sleeps).toEqual([]);
  });

  it("tells onRetry about each wait: what failed, how, the attempt and the wait", async () => {
    const notices: unknown[] = [];
    const c = client({ maxAttempts: 3, onRetry: (r) => void notices.push(r) });
    authed();
    retried().reply(503, "unavailable");
    retried().replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    retried().reply(200, BYTES, SERVED);
    await c.getManifest("acme/app", "1.0");
    expect(notices).toEqual([
      { what: "manifest acme/app:1.0", reason: "HTTP 503", attempt: 1, maxAttempts: 3, waitMs: 500 },
      {
        what: "manifest acme/app:1.0",
        reason: "network error fetching manifest acme/app:1.0 from https://ghcr.io/v2/acme/app/manifests/1.0: the connection was reset, ECONNRESET",
        attempt: 2,
        maxAttempts: 3,
        waitMs: 1000,
      },
    ]);
    expect(sleeps).toEqual([500, 1000]);
  });

  it("retries transient network errors, not permanent ones or 404", async () => {
    const c = client();
    authed();
    retried().replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    retried().reply(200, BYTES, SERVED);
    await c.getManifest("acme/app", "1.0");
    expect(sleeps).toEqual([500]);
    retried().replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND ghcr.io" });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("network", "network error fetching manifest acme/app:1.0 from https://ghcr.io/v2/acme/app/manifests/1.0: the host name does not resolve, ENOTFOUND"),
    );
    retried().reply(404, { errors: [{ code: "MANIFEST_UNKNOWN", message: "OCI index found, but accept header does not support OCI indexes" }] });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("not-found", "manifest acme/app:1.0: not found (MANIFEST_UNKNOWN: OCI index found, but accept header does not support OCI indexes)"),
    );
    expect(sleeps).toEqual([500]);
  });
});

describe("timeouts", () => {
  const hang: FetchLike = (_url, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });

  it("times out each request and retries", async () => {
    const c = client({ fetch: hang, requestTimeoutMs: 20, maxAttempts: 2 });
    await expect(c.getManifest("acme/app", "1.0")).rejects.toEqual(
      new RegistryError("timeout", "timed out fetching manifest acme/app:1.0 from https://ghcr.io/v2/acme/app/manifests/1.0"),
    );
    expect(sleeps).toEqual([500]);
  });

  it("stops when the budget is spent or the caller aborts", async () => {
    let calls = 0;
    const counting: FetchLike = (url, init) => {
      calls += 1;
      return hang(url, init);
    };
    await expect(client({ fetch: counting }).getManifest("acme/app", "1.0", { deadline: Date.now() - 1 })).rejects.toEqual(
      new RegistryError("timeout", "inspection budget exhausted"),
    );
    expect(calls).toBe(0);
    const controller = new AbortController();
    const pending = client({ fetch: counting }).getManifest("acme/app", "1.0", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toEqual(new RegistryError("aborted", "aborted while fetching manifest acme/app:1.0 from https://ghcr.io/v2/acme/app/manifests/1.0"));
  });
});

describe("digest helper", () => {
  it("hashes raw bytes", () => {
    expect(sha256Digest(new TextEncoder().encode("{}"))).toBe("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  });
});
