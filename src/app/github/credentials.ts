/**
 * The App's credentials, checked before the server starts: the private key in whatever shape an
 * environment hands it over, and one `GET /app` with the App's JWT, so a wrong key or App ID stops the
 * process with one line saying which instead of failing every event later.
 */

import { createPrivateKey } from "node:crypto";
import { getPrivateKey } from "@probot/get-private-key";
import { ProbotOctokit } from "probot";

export type KeyResult = { ok: true; pem: string } | { ok: false; problem: string };

/** Removes one pair of matching quotes around the whole value (`docker run --env-file` keeps them). */
function unquoted(value: string): string {
  const v = value.trim();
  const q = v[0];
  return v.length >= 2 && (q === '"' || q === "'") && v.endsWith(q) ? v.slice(1, -1).trim() : v;
}

/**
 * The App's private key as PEM, from `PRIVATE_KEY` (PEM with newlines, one line with literal `\n`,
 * wrapped in quotes, or base64 of the PEM) or else the file `PRIVATE_KEY_PATH` names (relative to
 * `cwd`); never a `.pem` file found in `cwd` without being named. `@probot/get-private-key` does the decoding Probot itself does; tagguard only strips the
 * quotes it keeps, and then checks that the result is a private key Node can sign with.
 */
export function resolvePrivateKey(env: Readonly<Record<string, string | undefined>>, cwd: string): KeyResult {
  const raw = env.PRIVATE_KEY?.trim() ? env.PRIVATE_KEY : undefined;
  // Without either variable, get-private-key would take any .pem file in the working directory, perhaps another
  // App's key; tagguard asks for the key by name instead.
  if (raw === undefined && !env.PRIVATE_KEY_PATH?.trim()) return { ok: false, problem: "no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH" };
  const source = raw === undefined ? "PRIVATE_KEY_PATH" : "PRIVATE_KEY";
  let pem: string | null;
  try {
    const value = raw === undefined ? undefined : unquoted(raw);
    // A base64 value is only recognised without the line breaks `base64` adds every 76 characters.
    const compact = value !== undefined && !value.includes("-----BEGIN") ? value.replace(/\s+/g, "") : value;
    pem = getPrivateKey({ env: { PRIVATE_KEY: compact, PRIVATE_KEY_PATH: env.PRIVATE_KEY_PATH?.trim() || undefined }, cwd });
  } catch (err) {
    if (raw !== undefined) {
      return { ok: false, problem: "PRIVATE_KEY is neither a PEM private key (with newlines or literal \\n, quoted or not) nor base64 of one" };
    }
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^\[@probot\/get-private-key\]\s*/, "");
    return { ok: false, problem: `PRIVATE_KEY_PATH is not usable: ${reason}` };
  }
  if (pem === null) return { ok: false, problem: "no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH" };
  try {
    createPrivateKey(pem);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, problem: `${source} is not a valid PEM private key (${reason}); use the .pem file GitHub generated for the App` };
  }
  return { ok: true, pem };
}

export interface AppCredentials {
  appId: number;
  privateKey: string;
  /** REST API base: `https://api.github.com`, or `<GHE_PROTOCOL>://<GHE_HOST>/api/v3`. */
  baseUrl: string;
}

export type CredentialCheck = { ok: true; slug: string } | { ok: false; problem: string };

/** What GitHub's answer to `GET /app` with the App's JWT means, as one line naming the setting to fix. */
export function credentialProblem(appId: number, status: number | undefined, message: string, baseUrl: string): string {
  const answer = status === undefined ? message : `GitHub answered ${status} "${message}"`;
  if (status === undefined) return `cannot reach GitHub at ${baseUrl} to check the App's credentials: ${message}`;
  if (status === 404 || /integration not found/i.test(message)) {
    return `APP_ID ${appId} is not a GitHub App on ${baseUrl} (${answer}); copy the App ID from the App's settings page`;
  }
  if (/could not be decoded|signature/i.test(message)) {
    return `PRIVATE_KEY is not a key of App ${appId} (${answer}); generate a key on that App's settings page, or correct APP_ID`;
  }
  if (/'exp'|'iat'|expiration|issued at/i.test(message)) {
    return `GitHub refused the App's token because this machine's clock is wrong (${answer}); synchronise the clock`;
  }
  return `GitHub refused the App's credentials for App ${appId} (${answer})`;
}

/**
 * `GET /app` signed with the App's JWT, through Probot's own Octokit and authentication, so what passes
 * here is what the server will use. Not retried: the process is about to stop or start.
 */
export async function checkAppCredentials(c: AppCredentials, fetchImpl: typeof fetch = fetch): Promise<CredentialCheck> {
  const octokit = new ProbotOctokit({
    auth: { appId: c.appId, privateKey: c.privateKey },
    baseUrl: c.baseUrl,
    request: { fetch: fetchImpl },
    retry: { enabled: false },
    throttle: { enabled: false },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  try {
    const { data } = await octokit.rest.apps.getAuthenticated();
    if (!data?.slug) return { ok: false, problem: `GitHub answered GET /app for App ${c.appId} without the App's slug` };
    return { ok: true, slug: data.slug };
  } catch (err) {
    // An HTTP answer comes with `response`; a request that got none (DNS, refused, TLS) has only a cause.
    const e = err as { status?: unknown; message?: unknown; response?: { data?: { message?: unknown } }; cause?: unknown };
    const status = e.response !== undefined && typeof e.status === "number" ? e.status : undefined;
    const reply = e.response?.data?.message;
    const message =
      typeof reply === "string" ? reply : e.cause instanceof Error ? `${String(e.message)}: ${e.cause.message}` : String(e.message ?? err);
    return { ok: false, problem: credentialProblem(c.appId, status, message, c.baseUrl) };
  }
}
