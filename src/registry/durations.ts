const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Parses a Go `time.Duration` string (`880.092µs`, `10.305464ms`, `1m30s`), case-insensitively, into milliseconds.
 * Returns undefined for anything else, including negative durations.
 */
export function parseGoDuration(text: string): number | undefined {
  const input = text.trim().toLowerCase().replace(/^\+/, "");
  if (input === "0") return 0;
  if (input === "") return undefined;
  SEGMENT.lastIndex = 0;
  let total = 0;
  while (SEGMENT.lastIndex < input.length) {
    const match = SEGMENT.exec(input);
    if (match === null) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** `Retry-After` header: delay-seconds or an HTTP-date, in milliseconds from `nowMs` (never negative). */
export function parseRetryAfterHeader(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const HINT = /retry-after:\s*([0-9.]+[a-z\u00b5\u03bc0-9.]*)/i;

/**
 * ghcr's rate-limit hint inside an error body (`toomanyrequests: retry-after: 880.092µs, allowed: 44000/minute`),
 * either as plain text or inside `{"errors":[{"message":…}]}`. Milliseconds, or undefined when absent.
 */
export function parseRetryHint(body: string): number | undefined {
  const texts = [body];
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed) && Array.isArray(parsed.errors)) {
      for (const entry of parsed.errors) {
        if (isRecord(entry) && typeof entry.message === "string") texts.push(entry.message);
      }
    }
  } catch {
    // plain-text body: searched as is
  }
  for (const text of texts) {
    const match = HINT.exec(text);
    const ms = match ? parseGoDuration(match[1]!) : undefined;
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
