import { RegistryError } from "./errors.js";

export interface Challenge {
  /** Lowercased auth scheme, e.g. `bearer` or `basic`. */
  scheme: string;
  /** Auth parameters; names lowercased. */
  params: Map<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACES = /[ \t]*/y;

/**
 * Parses a `WWW-Authenticate` header into its challenges (RFC 9110 §11.6.1: `scheme param=value, param="quoted"`,
 * several challenges separated by commas). Returns [] for a header it cannot parse.
 */
export function parseWwwAuthenticate(header: string | null): Challenge[] {
  if (header === null) return [];
  let pos = 0;
  const skip = (): void => {
    SPACES.lastIndex = pos;
    SPACES.exec(header);
    pos = SPACES.lastIndex;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = pos;
    const match = TOKEN.exec(header);
    if (match === null) return undefined;
    pos = TOKEN.lastIndex;
    return match[0];
  };
  const quoted = (): string | undefined => {
    let out = "";
    for (pos += 1; pos < header.length; pos += 1) {
      const ch = header[pos]!;
      if (ch === "\\") {
        pos += 1;
        out += header[pos] ?? "";
      } else if (ch === '"') {
        pos += 1;
        return out;
      } else {
        out += ch;
      }
    }
    return undefined;
  };
  const challenges: Challenge[] = [];
  let current: Challenge | undefined;
  while (pos < header.length) {
    skip();
    if (header[pos] === ",") {
      pos += 1;
      continue;
    }
    const start = pos;
    const name = token();
    if (name === undefined) return [];
    skip();
    if (header[pos] === "=" && current !== undefined) {
      pos += 1;
      skip();
      const value = header[pos] === '"' ? quoted() : token();
      if (value === undefined) return [];
      current.params.set(name.toLowerCase(), value);
    } else if (header[pos] === "=") {
      return [];
    } else {
      pos = start + name.length;
      current = { scheme: name.toLowerCase(), params: new Map() };
      challenges.push(current);
    }
  }
  return challenges;
}

export interface TokenGrant {
  token: string;
  /** Seconds, when the token service said. */
  expiresIn: number | undefined;
  /** Milliseconds since the epoch, when the token service said. */
  issuedAt: number | undefined;
}

/** Parses a token service response (`token` or `access_token`, optional `expires_in`, `issued_at`). */
export function parseTokenResponse(body: Uint8Array): TokenGrant {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new RegistryError("invalid", "token response is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RegistryError("invalid", "token response is not a JSON object");
  }
  const record = parsed as Record<string, unknown>;
  const token = [record.token, record.access_token].find((t): t is string => typeof t === "string" && t !== "");
  if (token === undefined) throw new RegistryError("invalid", "token response has no token");
  if (!/^[\x21-\x7e]+$/.test(token)) throw new RegistryError("invalid", "token response has a malformed token");
  const expiresIn =
    typeof record.expires_in === "number" && Number.isFinite(record.expires_in) && record.expires_in > 0
      ? record.expires_in
      : undefined;
  const issuedAtMs = typeof record.issued_at === "string" ? Date.parse(record.issued_at) : Number.NaN;
  return { token, expiresIn, issuedAt: Number.isNaN(issuedAtMs) ? undefined : issuedAtMs };
}

const MIN_LIFETIME_S = 60;
const EXPIRY_MARGIN_MS = 5_000;

/** Bearer tokens per (registry host, scope), kept until `issued_at + max(expires_in, 60 s) − 5 s`. */
export class TokenCache {
  private readonly entries = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  get(host: string, scope: string): string | undefined {
    const key = `${host} ${scope}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(host: string, scope: string, grant: TokenGrant): void {
    const now = this.now();
    const issuedAt = grant.issuedAt === undefined ? now : Math.min(grant.issuedAt, now);
    const lifetimeMs = Math.max(grant.expiresIn ?? MIN_LIFETIME_S, MIN_LIFETIME_S) * 1000;
    this.entries.set(`${host} ${scope}`, { token: grant.token, expiresAt: issuedAt + lifetimeMs - EXPIRY_MARGIN_MS });
  }

  delete(host: string, scope: string): void {
    this.entries.delete(`${host} ${scope}`);
  }
}
