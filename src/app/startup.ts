/**
 * Starting the App server (`node lib/app/index.js`, what `npm start` and the Docker image run): the
 * settings are checked before Probot starts, so a server that would accept forged deliveries or fail
 * every event never starts. Each refusal is one line on stderr and exit status 1.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { type ApplicationFunction, run } from "probot";
import { docsUrlFromEnv } from "../report/docs-url.js";
import { checkAppCredentials, resolvePrivateKey } from "./github/credentials.js";

type Env = Record<string, string | undefined>;

/**
 * The environment Probot 14 runs with: `.env` in the working directory is applied over the process
 * environment, so a value in `.env` wins over the same variable set outside it.
 */
export function withDotenv(processEnv: Readonly<Env>, dotenvText: string | undefined): Env {
  return { ...processEnv, ...(dotenvText === undefined ? {} : parseEnv(dotenvText)) };
}

export type StartupPlan =
  /** Probot's setup flow registers the App from app.yml (development only). */
  | { kind: "setup"; env: Env }
  /** Credentials present: check them with GitHub, then serve. `env.PRIVATE_KEY` is the key as PEM. */
  | { kind: "serve"; env: Env; appId: number; privateKey: string; baseUrl: string }
  | { kind: "refuse"; problem: string };

/** The REST API base Probot derives from `GHE_HOST` and `GHE_PROTOCOL`. */
export function apiBaseUrl(env: Readonly<Env>): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : "https://api.github.com";
}

/** What to do with these settings: Probot's setup flow, serve after the credential check, or refuse. */
export function planStartup(env: Readonly<Env>, cwd: string): StartupPlan {
  const production = env.NODE_ENV === "production";
  const appIdText = env.APP_ID?.trim() ?? "";
  const hasKey = Boolean(env.PRIVATE_KEY?.trim() || env.PRIVATE_KEY_PATH?.trim());
  if (production) {
    // Every missing setting at once, so one restart fixes them all.
    const missing: string[] = [];
    const secret = env.WEBHOOK_SECRET ?? "";
    if (secret === "") missing.push("WEBHOOK_SECRET is empty; with NODE_ENV=production set it to the App's webhook secret");
    if (secret === "development") {
      missing.push('WEBHOOK_SECRET is "development", Probot\'s public default; with NODE_ENV=production set it to the App\'s webhook secret');
    }
    if (appIdText === "") missing.push("APP_ID is not set; NODE_ENV=production needs the App's credentials (the setup flow runs only in development)");
    if (!hasKey) missing.push("no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH");
    if (missing.length) return { kind: "refuse", problem: missing.join(". Also: ") };
  } else if (appIdText === "" && !hasKey) {
    return { kind: "setup", env: { ...env } };
  }
  const docs = docsUrlFromEnv(env);
  if ("problem" in docs) return { kind: "refuse", problem: docs.problem };
  if (!/^[1-9][0-9]*$/.test(appIdText)) {
    return { kind: "refuse", problem: `APP_ID ${JSON.stringify(appIdText)} is not a numeric App ID; copy the App ID (not the client ID) from the App's settings page` };
  }
  const key = resolvePrivateKey(env, cwd);
  if (!key.ok) return { kind: "refuse", problem: key.problem };
  const appId = Number(appIdText);
  return { kind: "serve", env: { ...env, PRIVATE_KEY: key.pem }, appId, privateKey: key.pem, baseUrl: apiBaseUrl(env) };
}

export interface StartOptions {
  /** The process environment; `.env` is applied over it (default `process.env`, which is updated). */
  env?: Env;
  cwd?: string;
  fetch?: typeof fetch;
  /** Writes a refusal (default: to stderr, then exit with status 1). */
  refuse?: (line: string) => never;
}

export type ServerPlan = Exclude<StartupPlan, { kind: "refuse" }>;

function refuseAndExit(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/**
 * Applies `.env` over the environment as Probot does (before anything reads it), checks the settings
 * (see `planStartup`) and verifies the credentials with `GET /app`. Refuses with one line otherwise.
 */
export async function checkStartup(o: StartOptions = {}): Promise<ServerPlan> {
  const cwd = o.cwd ?? process.cwd();
  const env = o.env ?? process.env;
  const refuse: (line: string) => never = o.refuse ?? refuseAndExit;
  let dotenv: string | undefined;
  try {
    dotenv = readFileSync(join(cwd, ".env"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") refuse(`tagguard: cannot start: .env cannot be read: ${(err as Error).message}`);
  }
  Object.assign(env, withDotenv(env, dotenv));
  const plan = planStartup(env, cwd);
  if (plan.kind === "refuse") refuse(`tagguard: cannot start: ${plan.problem}`);
  if (plan.kind === "serve") {
    const check = await checkAppCredentials(plan, o.fetch);
    if (!check.ok) refuse(`tagguard: cannot start: ${check.problem}`);
  }
  return plan;
}

/** Runs the App with Probot's server, or Probot's setup flow when there are no credentials yet. */
export async function serve(app: ApplicationFunction, plan: ServerPlan): Promise<void> {
  await run(app, { env: plan.env });
}
