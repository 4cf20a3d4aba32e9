import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy does with one request instead of passing it through untouched. */
export type Fault =
  /** Answers with this response; the target never sees the request. */
  | { kind: "reply"; status: number; headers?: Record<string, string>; body?: string }
  /** Resets the connection (TCP RST) without answering. */
  | { kind: "reset" }
  /** Passes the request on after `ms`. */
  | { kind: "delay"; ms: number }
  /** Passes the request on once `until` resolves. */
  | { kind: "hold"; until: Promise<void> }
  /** Never answers (the connection is dropped when the proxy stops). */
  | { kind: "hang" };

export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** The fault applied, if any. */
  fault?: Fault["kind"];
}

type Matcher = (method: string, path: string) => boolean;

/**
 * An HTTP proxy on 127.0.0.1 in front of a fake server (the fake GitHub or the fake registry) that injects faults
 * into chosen requests. Origins of the target in `Location` and `WWW-Authenticate` are rewritten to the proxy, so
 * every hop (token service, blob redirects) goes through it.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private readonly faults: { match: Matcher; queue: Fault[] }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: { predicate: (r: ProxiedRequest) => boolean; resolve: (r: ProxiedRequest) => void }[] = [];
  private server: Server | undefined;

  private constructor(private readonly target: string) {}

  /** `target` is the origin of the fake server, e.g. `http://127.0.0.1:5000`. */
  static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    const server = createServer((req, res) => void proxy.handle(req, res));
    server.on("connection", (socket) => {
      proxy.sockets.add(socket);
      socket.on("close", () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy.server = server;
    return proxy;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** `127.0.0.1:PORT`. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  /** Applies `faults`, one each, to the next requests that `match` (`METHOD /path` prefix, or a predicate). */
  inject(match: string | Matcher, ...faults: Fault[]): void {
    const matcher: Matcher = typeof match === "string" ? (method, path) => `${method} ${path}`.startsWith(match) : match;
    this.faults.push({ match: matcher, queue: faults });
  }

  /** Resolves with the first request (past or future) matching the predicate, when it reaches the proxy. */
  waitFor(predicate: (r: ProxiedRequest) => boolean): Promise<ProxiedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  /** Requests that got `kind`, as `METHOD /path`. */
  faulted(kind: Fault["kind"]): string[] {
    return this.requests.filter((r) => r.fault === kind).map((r) => `${r.method} ${r.path}`);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private nextFault(method: string, path: string): Fault | undefined {
    const entry = this.faults.find((f) => f.queue.length > 0 && f.match(method, path));
    return entry?.queue.shift();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const fault = this.nextFault(method, path);
    const request: ProxiedRequest = fault === undefined ? { method, path } : { method, path, fault: fault.kind };
    this.requests.push(request);
    for (const w of [...this.waiters]) {
      if (w.predicate(request)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(request);
      }
    }
    switch (fault?.kind) {
      case "reply":
        res.writeHead(fault.status, fault.headers).end(fault.body);
        return;
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "hang":
        return;
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
      case "hold":
        await fault.until;
        break;
      case undefined:
        break;
    }
    await this.forward(req, method, path, chunks.length > 0 ? Buffer.concat(chunks) : undefined, res);
  }

  private async forward(req: IncomingMessage, method: string, path: string, body: Buffer | undefined, res: ServerResponse): Promise<void> {
    const headers = new Headers();
    for (const name of ["accept", "authorization", "content-type", "x-github-delivery"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers.set(name, value);
    }
    let upstream: Response;
    try {
      upstream = await fetch(`${this.target}${path}`, { method, headers, body, redirect: "manual" });
    } catch {
      req.socket.destroy();
      return;
    }
    const out: Record<string, string> = {};
    for (const [name, value] of upstream.headers) {
      if (name === "content-length" || name === "transfer-encoding" || name === "connection" || name === "keep-alive") continue;
      out[name] = name === "location" || name === "www-authenticate" ? value.split(this.target).join(this.url) : value;
    }
    const bytes = Buffer.from(await upstream.arrayBuffer());
    if (res.destroyed) return;
    res.writeHead(upstream.status, { ...out, "content-length": String(bytes.byteLength) }).end(method === "HEAD" ? undefined : bytes);
  }
}
