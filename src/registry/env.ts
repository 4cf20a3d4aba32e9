import { DEFAULT_REGISTRY_URL, type RegistryClientOptions, type RegistryCredentials } from "./client.js";

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_USERNAME = "tagguard";

/**
 * Credential for `registryHost` (`host[:port]`) from the environment:
 * - `ghcr.io`: `GHCR_TOKEN`, else `TAGGUARD_REGISTRY_TOKEN`;
 * - any other host: `TAGGUARD_REGISTRY_TOKEN`.
 * Username: `TAGGUARD_REGISTRY_USERNAME`, default `tagguard` (ghcr accepts any username with a classic PAT).
 * Empty values count as unset. Undefined means anonymous.
 */
export function credentialsFromEnv(env: Env, registryHost: string): RegistryCredentials | undefined {
  const value = (key: string): string | undefined => {
    const v = env[key];
    return v === undefined || v === "" ? undefined : v;
  };
  const password =
    registryHost === "ghcr.io" ? (value("GHCR_TOKEN") ?? value("TAGGUARD_REGISTRY_TOKEN")) : value("TAGGUARD_REGISTRY_TOKEN");
  if (password === undefined) return undefined;
  return { username: value("TAGGUARD_REGISTRY_USERNAME") ?? DEFAULT_USERNAME, password };
}

/**
 * Client options for the app: base URL from `TAGGUARD_REGISTRY_URL` (default `https://ghcr.io`; an `http://` URL,
 * e.g. a test registry on 127.0.0.1, switches to plain-http mode) and the credential from `credentialsFromEnv`.
 */
export function registryOptionsFromEnv(env: Env): Pick<RegistryClientOptions, "baseUrl" | "credentials"> {
  const configured = env.TAGGUARD_REGISTRY_URL;
  const baseUrl = configured === undefined || configured === "" ? DEFAULT_REGISTRY_URL : configured;
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    throw new TypeError(`TAGGUARD_REGISTRY_URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  const credentials = credentialsFromEnv(env, host);
  return credentials === undefined ? { baseUrl } : { baseUrl, credentials };
}
