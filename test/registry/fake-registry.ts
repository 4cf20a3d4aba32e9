import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** A request as the fake saw it. `authorization` is recorded so tests can assert where credentials went. */
export interface RecordedRequest {
  server: "registry" | "blobs";
  method: string;
  /** Path and query. */
  path: string;
  accept: string | undefined;
  authorization: string | undefined;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface FakeRegistryOptions {
  /** Repositories that need `credential` for a token (others get anonymous tokens, like public ghcr packages). */
  privateRepositories?: string[];
  /** The Basic credential the token endpoint accepts. */
  credential?: { username: string; password: string };
  /** Serve blob redirects from a second server on another port (another origin), like pkg-containers.githubusercontent.com. */
  separateBlobHost?: boolean;
}

export const FAKE_SERVICE = "fake-registry";

const ACCEPT_MESSAGES: Record<string, string> = {
  "application/vnd.oci.image.index.v1+json": "OCI index found, but accept header does not support OCI indexes",
  "application/vnd.oci.image.manifest.v1+json": "OCI manifest found, but accept header does not support OCI manifests",
  "application/vnd.docker.distribution.manifest.list.v2+json": "manifest list found, but accept header does not support manifest lists",
  "application/vnd.docker.distribution.manifest.v2+json": "schema 2 manifest found, but accept header does not support schema 2 manifests",
};

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * A strict ghcr-like registry on 127.0.0.1: every /v2 request needs a Bearer token from `/token` (401 + challenge
 * with ghcr's placeholder scope otherwise); manifests are served only when the exact media type is in `Accept`
 * (else 404 MANIFEST_UNKNOWN "OCI index found, but accept header does not support OCI indexes"); responses carry
 * `Docker-Content-Digest`; blob GETs answer 307 to a pre-signed `/_blobstore/…?sig=…` URL.
 */
export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  /** Consulted first for every request; return a response to replace the default behaviour. */
  override: ((request: RecordedRequest) => FakeResponse | undefined) | undefined;
  private readonly repositories = new Map<string, { manifests: Map<string, { bytes: Uint8Array; mediaType: string }>; tags: Map<string, string> }>();
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly tokens = new Map<string, string>();
  private readonly signatures = new Set<string>();
  private registryServer: Server | undefined;
  private blobServer: Server | undefined;

  private constructor(private readonly options: FakeRegistryOptions) {}

  static async start(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
    const registry = new FakeRegistry(options);
    registry.registryServer = await listen((req, res) => registry.handle("registry", req, res));
    if (options.separateBlobHost === true) {
      registry.blobServer = await listen((req, res) => registry.handle("blobs", req, res));
    }
    return registry;
  }

  /** `127.0.0.1:PORT` of the registry. */
  get host(): string {
    return `127.0.0.1:${(this.registryServer!.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  /** `127.0.0.1:PORT` that blob redirects point at (the registry itself unless `separateBlobHost`). */
  get blobHost(): string {
    return this.blobServer === undefined ? this.host : `127.0.0.1:${(this.blobServer.address() as AddressInfo).port}`;
  }

  /** Stores a manifest (and tags it); returns its digest. */
  putManifest(name: string, bytes: Uint8Array | string, mediaType: string, tags: string[] = []): string {
    const content = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const digest = sha256(content);
    const repository = this.repository(name);
    repository.manifests.set(digest, { bytes: content, mediaType });
    for (const tag of tags) repository.tags.set(tag, digest);
    return digest;
  }

  putBlob(bytes: Uint8Array | string): string {
    const content = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const digest = sha256(content);
    this.blobs.set(digest, content);
    return digest;
  }

  /**
   * Pushes an OCI image layout into repository `name`: every blob, every blob that is a manifest or index (by its
   * `mediaType`), and the `org.opencontainers.image.ref.name` tags of `index.json`.
   */
  importLayout(dir: string, name: string): void {
    const blobDir = join(dir, "blobs", "sha256");
    for (const file of readdirSync(blobDir)) {
      const bytes = new Uint8Array(readFileSync(join(blobDir, file)));
      this.putBlob(bytes);
      const mediaType = documentMediaType(bytes);
      if (mediaType !== undefined) this.putManifest(name, bytes, mediaType);
    }
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    for (const entry of index.manifests) {
      const tag = entry.annotations?.["org.opencontainers.image.ref.name"];
      if (tag !== undefined) this.repository(name).tags.set(tag, entry.digest);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.registryServer, this.blobServer].map((server) => (server === undefined ? undefined : close(server))));
  }

  private repository(name: string) {
    let repository = this.repositories.get(name);
    if (repository === undefined) {
      repository = { manifests: new Map(), tags: new Map() };
      this.repositories.set(name, repository);
    }
    return repository;
  }

  private handle(server: RecordedRequest["server"], req: IncomingMessage, res: ServerResponse): void {
    const recorded: RecordedRequest = {
      server,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      accept: req.headers.accept,
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);
    const reply = this.override?.(recorded) ?? this.route(recorded);
    const body = reply.body === undefined ? new Uint8Array(0) : typeof reply.body === "string" ? new TextEncoder().encode(reply.body) : reply.body;
    res.writeHead(reply.status, { "content-length": String(body.byteLength), ...reply.headers });
    res.end(recorded.method === "HEAD" ? undefined : body);
  }

  private route(request: RecordedRequest): FakeResponse {
    const url = new URL(request.path, "http://fake");
    if (request.server === "blobs" || url.pathname.startsWith("/_blobstore/")) return this.blobStore(url);
    if (url.pathname === "/token") return this.token(url, request.authorization);
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (url.pathname !== "/v2/" && match === null) return error(404, "NOT_FOUND", "not found");
    const name = match?.[1] ?? "";
    const granted = this.tokens.get(/^Bearer (.+)$/.exec(request.authorization ?? "")?.[1] ?? "");
    if (granted === undefined || (match !== null && granted !== `repository:${name}:pull`)) {
      return {
        ...error(401, "UNAUTHORIZED", "authentication required"),
        headers: {
          "content-type": "application/json",
          "www-authenticate": `Bearer realm="${this.url}/token",service="${FAKE_SERVICE}",scope="repository:user/image:pull"`,
        },
      };
    }
    if (match === null) return { status: 200, headers: { "content-type": "application/json" }, body: "{}" };
    const repository = this.repositories.get(name);
    if (repository === undefined) return error(404, "NAME_UNKNOWN", "repository name not known to registry");
    const reference = match[3]!;
    if (match[2] === "blobs") {
      if (!this.blobs.has(reference)) return error(404, "BLOB_UNKNOWN", "blob unknown to registry");
      const signature = randomBytes(8).toString("hex");
      this.signatures.add(signature);
      return { status: 307, headers: { location: `http://${this.blobHost}/_blobstore/${reference}?se=2099-01-01&sig=${signature}` } };
    }
    const digest = reference.startsWith("sha256:") ? reference : repository.tags.get(reference);
    const manifest = digest === undefined ? undefined : repository.manifests.get(digest);
    if (manifest === undefined || digest === undefined) return error(404, "MANIFEST_UNKNOWN", "manifest unknown");
    const accepted = (request.accept ?? "").split(",").map((t) => t.split(";")[0]!.trim().toLowerCase());
    if (!accepted.includes(manifest.mediaType)) {
      return error(404, "MANIFEST_UNKNOWN", ACCEPT_MESSAGES[manifest.mediaType] ?? "manifest unknown");
    }
    return {
      status: 200,
      headers: { "content-type": manifest.mediaType, "docker-content-digest": digest },
      body: manifest.bytes,
    };
  }

  private token(url: URL, authorization: string | undefined): FakeResponse {
    const scope = url.searchParams.get("scope") ?? "";
    const name = /^repository:([^:]+):pull$/.exec(scope)?.[1];
    if (name === undefined || url.searchParams.get("service") !== FAKE_SERVICE) return error(400, "UNSUPPORTED", "bad token request");
    const basic = /^Basic (.+)$/.exec(authorization ?? "")?.[1];
    const { credential } = this.options;
    if (basic !== undefined) {
      const [username, ...rest] = Buffer.from(basic, "base64").toString("utf8").split(":");
      if (credential === undefined || username !== credential.username || rest.join(":") !== credential.password) {
        return error(401, "UNAUTHORIZED", "invalid credentials");
      }
    } else if (this.options.privateRepositories?.includes(name) === true) {
      return error(403, "DENIED", "requested access to the resource is denied");
    }
    const token = randomBytes(16).toString("hex");
    this.tokens.set(token, scope);
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) };
  }

  private blobStore(url: URL): FakeResponse {
    const digest = /^\/_blobstore\/(sha256:[a-f0-9]{64})$/.exec(url.pathname)?.[1];
    const blob = digest === undefined ? undefined : this.blobs.get(digest);
    if (blob === undefined) return error(404, "BLOB_UNKNOWN", "blob unknown");
    if (!this.signatures.has(url.searchParams.get("sig") ?? "")) return { status: 403, body: "signature mismatch" };
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: blob };
  }
}

function error(status: number, code: string, message: string): FakeResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ errors: [{ code, message }] }) };
}

function documentMediaType(bytes: Uint8Array): string | undefined {
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { schemaVersion?: unknown; mediaType?: unknown };
    return json.schemaVersion === 2 && typeof json.mediaType === "string" && /manifest|index/.test(json.mediaType) ? json.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
