import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { privateKey } from "../app/harness.js";
import { freshDatabase } from "../support/database.js";
import { freePort } from "../../src/app/runtime/embedded-postgres.js";

/**
 * The built App (`lib/`, produced by `npm test` / `npm run build`) as a real `probot run` process
 * against a fake GitHub API on 127.0.0.1, receiving signed deliveries over HTTP like from GitHub.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const APP = join(ROOT, "lib", "app", "index.js");

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface ProbotProcessOptions {
  /** Port of the fake GitHub API (`GHE_HOST=127.0.0.1:<port>`, plain http). */
  githubPort: number;
  webhookSecret: string;
  /** Extra environment, e.g. `TAGGUARD_REGISTRY_URL`. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Start as `node lib/app/index.js`, with tagguard's start-up checks (default: `probot run lib/app/index.js`). */
  checked?: boolean;
  /**
   * The store: a `DATABASE_URL` (default: a fresh database on the Jest run's PostgreSQL), or "embedded": the
   * embedded PostgreSQL under `cwd`/.tagguard, as `npm start` runs without `DATABASE_URL`.
   */
  database?: string;
  /** Working directory (kept by `stop`; default: a new temporary one, removed by `stop`). */
  cwd?: string;
}

export class ProbotProcess {
  private log = "";

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly cwd: string,
    private readonly ownsCwd: boolean,
    private readonly secret: string,
  ) {
    child.stdout?.on("data", (d: Buffer) => (this.log += d.toString("utf8")));
    child.stderr?.on("data", (d: Buffer) => (this.log += d.toString("utf8")));
  }

  /** Starts the App in production mode and waits until `/ping` answers. */
  static async start(o: ProbotProcessOptions): Promise<ProbotProcess> {
    if (!existsSync(APP)) throw new Error(`${APP} is missing: build first (npm test runs \`tsc -p tsconfig.build.json\`)`);
    const port = await freePort();
    const cwd = o.cwd ?? mkdtempSync(join(tmpdir(), "tagguard-e2e-"));
    // As root, the embedded PostgreSQL runs as the `postgres` user, which must reach the data directory.
    chmodSync(cwd, 0o755);
    const database = o.database ?? (await freshDatabase());
    const [command, args] = o.checked ? [process.execPath, [APP]] : [join(ROOT, "node_modules", ".bin", "probot"), ["run", APP]];
    const child = spawn(command, args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: o.webhookSecret,
        PORT: String(port),
        HOST: "127.0.0.1",
        GHE_HOST: `127.0.0.1:${o.githubPort}`,
        GHE_PROTOCOL: "http",
        LOG_LEVEL: "info",
        LOG_FORMAT: "json",
        ...(database === "embedded" ? {} : { DATABASE_URL: database }),
        ...o.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const server = new ProbotProcess(child, port, cwd, o.cwd === undefined, o.webhookSecret);
    try {
      await server.waitForPing(Date.now() + (o.startTimeoutMs ?? 15_000));
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("the process did not start");
    return this.child.pid;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.log;
  }

  /** JSON log lines of the process. */
  logLines(): Record<string, unknown>[] {
    return this.log
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Resolves with the first JSON log line matching `predicate`, polling until `timeoutMs`. */
  async waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logLines().find(predicate);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no matching log line:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** POSTs a delivery signed with the webhook secret (or with `signature` when given). */
  deliver(event: string, body: string, o: { id?: string; signature?: string } = {}): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": o.id ?? randomUUID(),
        "x-hub-signature-256": o.signature ?? sign(body, this.secret),
      },
      body,
    });
  }

  /** Sends `signal` and resolves with the exit code (null when the signal ended it) once the process exited. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.kill(signal);
    return exited;
  }

  /** The process's own answer to `GET path`. */
  get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}${path}`);
  }

  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    if (this.ownsCwd) rmSync(this.cwd, { recursive: true, force: true });
  }

  private async waitForPing(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`probot exited with ${this.child.exitCode}:\n${this.log}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/ping`);
        if (res.ok && (await res.text()) === "PONG") return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`probot did not answer /ping:\n${this.log}`);
  }
}
