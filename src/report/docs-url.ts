/**
 * Where tagguard's documentation lives: one canonical address for the README, app.yml, package.json and
 * every message that links a rule or page. Links point at the running version's tag (`v<version>`), so
 * they describe the behaviour of the code that wrote them. An operator can point them elsewhere (a fork,
 * a GitHub Enterprise Server mirror) with `TAGGUARD_DOCS_URL`.
 */

import { readFileSync } from "node:fs";

/** The project's home; releases are tagged `v<version>`. */
export const PROJECT_URL = "https://github.com/tagguard/tagguard";

/** The running version, from package.json. */
export const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** The `docs/` directory at the running version's tag. */
export const DOCS_URL = `${PROJECT_URL}/blob/v${VERSION}/docs/`;

/**
 * The docs base from `TAGGUARD_DOCS_URL` (default `DOCS_URL`): an http(s) URL of a `docs/` directory,
 * in which `{version}` stands for the running version's tag. Always ends with `/`.
 */
export function docsUrlFromEnv(env: Readonly<Record<string, string | undefined>>): { url: string } | { problem: string } {
  const raw = env.TAGGUARD_DOCS_URL?.trim();
  if (!raw) return { url: DOCS_URL };
  // The value is not repeated: it could hold credentials.
  const problem = `TAGGUARD_DOCS_URL is not an http(s) URL of tagguard's docs/ directory without credentials, query or fragment (e.g. ${PROJECT_URL}/blob/{version}/docs/)`;
  let url: URL;
  try {
    url = new URL(raw.replaceAll("{version}", `v${VERSION}`));
  } catch {
    return { problem };
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "") return { problem };
  return { url: url.href.endsWith("/") ? url.href : `${url.href}/` };
}

/** The docs base for messages: the operator's `TAGGUARD_DOCS_URL` when valid (start-up refuses an invalid one). */
export function docsBaseOf(env: Readonly<Record<string, string | undefined>>): string {
  const docs = docsUrlFromEnv(env);
  return "url" in docs ? docs.url : DOCS_URL;
}

/** The page of a rule (or input diagnostic) under a docs base. */
export function ruleDocsUrl(id: string, base: string = DOCS_URL): string {
  return `${base}rules/${id}.md`;
}
