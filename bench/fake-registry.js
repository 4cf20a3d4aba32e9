// A small ghcr-like registry on 127.0.0.1 for the benchmarks: Bearer tokens from `/token` (401 with a challenge
// otherwise), manifests by tag or digest (only when their media type is accepted), blobs, and a fixed latency before
// every response. Every request is recorded with its arrival and response times.

import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const MediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
  inToto: "application/vnd.in-toto+json",
  cacheConfig: "application/vnd.buildkit.cacheconfig.v0",
};

const SERVICE = "bench-registry";

export const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const encode = (value) => (value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(typeof value === "string" ? value : JSON.stringify(value)));

export class FakeRegistry {
  constructor(latencyMs = 0) {
    this.latencyMs = latencyMs;
    this.requests = [];
    this.manifests = new Map();
    this.tags = new Map();
    this.blobs = new Map();
    this.tokens = new Set();
  }

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get host() {
    return `127.0.0.1:${this.server.address().port}`;
  }

  async stop() {
    await new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  putBlob(value) {
    const bytes = encode(value);
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }

  /** Stores a manifest or index in repository `name` (tagged with `tags`); returns its descriptor. */
  putManifest(name, doc, tags = []) {
    const bytes = encode(doc);
    const digest = sha256(bytes);
    this.manifests.set(`${name}@${digest}`, { bytes, mediaType: doc.mediaType });
    for (const tag of tags) this.tags.set(`${name}:${tag}`, digest);
    return { mediaType: doc.mediaType, digest, size: bytes.length };
  }

  /**
   * A multi-platform image as BuildKit pushes it with default attestations: an OCI index of one image manifest per
   * platform plus one attestation manifest (`unknown/unknown`, in-toto layer) per platform.
   */
  putMultiPlatformImage(name, tag, platforms) {
    const entries = [];
    const attestations = [];
    for (const p of platforms) {
      const [os, architecture, variant] = p.split("/");
      const config = this.putBlob({ architecture, os, ...(variant ? { variant } : {}), rootfs: { type: "layers", diff_ids: [] }, config: {} });
      const layer = this.putBlob(randomBytes(256));
      const image = this.putManifest(name, {
        schemaVersion: 2,
        mediaType: MediaTypes.manifest,
        config: { mediaType: MediaTypes.config, ...config },
        layers: [{ mediaType: MediaTypes.layer, ...layer }],
      });
      entries.push({ ...image, platform: { architecture, os, ...(variant ? { variant } : {}) } });
      const statement = this.putBlob({ _type: "https://in-toto.io/Statement/v0.1", predicateType: "https://slsa.dev/provenance/v0.2", subject: [{ digest: { sha256: image.digest.slice(7) } }] });
      const attConfig = this.putBlob({ architecture: "unknown", os: "unknown", rootfs: { type: "layers", diff_ids: [] }, config: {} });
      const attestation = this.putManifest(name, {
        schemaVersion: 2,
        mediaType: MediaTypes.manifest,
        config: { mediaType: MediaTypes.config, ...attConfig },
        layers: [{ mediaType: MediaTypes.inToto, ...statement, annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" } }],
      });
      attestations.push({
        ...attestation,
        platform: { architecture: "unknown", os: "unknown" },
        annotations: { "vnd.docker.reference.digest": image.digest, "vnd.docker.reference.type": "attestation-manifest" },
      });
    }
    return this.putManifest(name, { schemaVersion: 2, mediaType: MediaTypes.index, manifests: [...entries, ...attestations] }, [tag]);
  }

  /** A BuildKit registry cache exported with `image-manifest=true` (BuildKit ≥ 0.21) onto `tag`. */
  putCacheManifest(name, tag) {
    const config = this.putBlob({ layers: [], records: [] });
    const layer = this.putBlob(randomBytes(128));
    return this.putManifest(
      name,
      { schemaVersion: 2, mediaType: MediaTypes.manifest, config: { mediaType: MediaTypes.cacheConfig, ...config }, layers: [{ mediaType: MediaTypes.layer, ...layer }] },
      [tag],
    );
  }

  /** The longest chain of requests where each starts after the previous one was answered (among `requests`). */
  static sequentialRoundTrips(requests) {
    const sorted = [...requests].sort((a, b) => a.start - b.start);
    const chain = [];
    let best = 0;
    sorted.forEach((r, i) => {
      let before = 0;
      for (let j = 0; j < i; j++) if (sorted[j].end <= r.start) before = Math.max(before, chain[j]);
      chain[i] = before + 1;
      best = Math.max(best, chain[i]);
    });
    return best;
  }

  /** Most requests in flight at once. */
  static maxConcurrency(requests) {
    const events = requests.flatMap((r) => [
      [r.start, 1],
      [r.end, -1],
    ]);
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let max = 0;
    for (const [, d] of events) {
      now += d;
      max = Math.max(max, now);
    }
    return max;
  }

  handle(req, res) {
    const record = { method: req.method, path: req.url, start: performance.now(), end: undefined, status: 0 };
    this.requests.push(record);
    req.resume();
    req.on("end", () => {
      const reply = this.route(req);
      setTimeout(() => {
        record.status = reply.status;
        res.writeHead(reply.status, { "content-length": String(reply.body?.length ?? 0), ...reply.headers });
        res.end(req.method === "HEAD" ? undefined : reply.body);
        record.end = performance.now();
      }, this.latencyMs);
    });
  }

  route(req) {
    const url = new URL(req.url, "http://registry");
    const error = (status, code, message, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body: encode({ errors: [{ code, message }] }) });
    if (url.pathname === "/token") {
      const token = randomBytes(12).toString("hex");
      this.tokens.add(token);
      return { status: 200, headers: { "content-type": "application/json" }, body: encode({ token }) };
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!auth || !this.tokens.has(auth)) {
      return error(401, "UNAUTHORIZED", "authentication required", {
        "www-authenticate": `Bearer realm="http://${this.host}/token",service="${SERVICE}",scope="repository:user/image:pull"`,
      });
    }
    if (url.pathname === "/v2/") return { status: 200, headers: { "content-type": "application/json" }, body: encode({}) };
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) return error(404, "NOT_FOUND", "not found");
    const [, name, kind, reference] = m;
    if (kind === "blobs") {
      const blob = this.blobs.get(reference);
      return blob ? { status: 200, headers: { "content-type": "application/octet-stream", "docker-content-digest": reference }, body: blob } : error(404, "BLOB_UNKNOWN", "blob unknown");
    }
    const digest = reference.startsWith("sha256:") ? reference : this.tags.get(`${name}:${reference}`);
    const manifest = digest && this.manifests.get(`${name}@${digest}`);
    if (!manifest) return error(404, "MANIFEST_UNKNOWN", "manifest unknown");
    const accepted = (req.headers.accept ?? "").split(",").map((t) => t.split(";")[0].trim());
    if (!accepted.includes(manifest.mediaType)) return error(404, "MANIFEST_UNKNOWN", "manifest type not accepted");
    return { status: 200, headers: { "content-type": manifest.mediaType, "docker-content-digest": digest }, body: manifest.bytes };
  }
}
