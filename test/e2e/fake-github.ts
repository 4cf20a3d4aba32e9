import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query, relative to the server root (e.g. `/api/v3/app`). */
  url: string;
  body: unknown;
  authorization: string | undefined;
}

export interface Reply {
  status: number;
  body: unknown;
}

export type Route = (req: RecordedRequest) => Reply | undefined;

/** A GitHub API stand-in on 127.0.0.1: answers from a route table and records every request. */
/** The App's own routes every fake GitHub answers: its installation token (seen in Authorization) and `GET /app`. */
export const APP_ROUTES: Record<string, Reply> = {
  "POST /api/v3/app/installations/42/access_tokens": {
    status: 201,
    body: { token: "ghs_e2e_installation_token", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" },
  },
  "GET /api/v3/app": { status: 200, body: { id: 123, slug: "tagguard", name: "tagguard" } },
};

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly waiters: { predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];

  constructor(private readonly routes: Record<string, Route | Reply>) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The recorded requests but the recovery sweep's reads of the App's delivery log, which it makes on its own. */
  get calls(): RecordedRequest[] {
    return this.requests.filter((r) => !r.url.startsWith("/api/v3/app/hook/deliveries"));
  }

  /** Resolves with the first recorded request (past or future) matching the predicate. */
  waitFor(predicate: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      body: raw ? (JSON.parse(raw) as unknown) : undefined,
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);
    const route = this.routes[`${recorded.method} ${recorded.url}`];
    const reply = typeof route === "function" ? route(recorded) : route;
    const { status, body } = reply ?? { status: 404, body: { message: "Not Found" } };
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
    for (const w of [...this.waiters]) {
      if (w.predicate(recorded)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(recorded);
      }
    }
  }
}
