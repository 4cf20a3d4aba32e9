import { describe, expect, it } from "@jest/globals";
import { parseGoDuration, parseRetryAfterHeader, parseRetryHint } from "../../src/registry/index.js";

describe("parseGoDuration", () => {
  it.each([
    ["880.092µs", 0.880092],
    ["880.092\u03bcs", 0.880092],
    ["880us", 0.88],
    ["10.305464ms", 10.305464],
    ["1m30s", 90_000],
    ["1h2m3.5s", 3_723_500],
    ["2S", 2000],
    ["1500000ns", 1.5],
    [".5s", 500],
    ["0", 0],
  ])("%s = %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "1", "1x", "s", "-1s", "1s2", "1.2.3s", "1 s"])("rejects %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("parseRetryAfterHeader", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay-seconds and HTTP-dates", () => {
    expect(parseRetryAfterHeader("2", now)).toBe(2000);
    expect(parseRetryAfterHeader(" 0 ", now)).toBe(0);
    expect(parseRetryAfterHeader("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfterHeader("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("ignores absent and malformed values", () => {
    expect(parseRetryAfterHeader(null, now)).toBeUndefined();
    expect(parseRetryAfterHeader("1.5", now)).toBeUndefined();
    expect(parseRetryAfterHeader("soon", now)).toBeUndefined();
  });
});

describe("parseRetryHint", () => {
  it("reads ghcr's pull hint from a plain-text body", () => {
    expect(parseRetryHint("toomanyrequests: retry-after: 880.092µs, allowed: 44000/minute")).toBeCloseTo(0.880092, 9);
  });

  it("reads the upload hint from a JSON error body, escaped µ included", () => {
    expect(parseRetryHint('{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 10.305464ms, allowed: 2000/minute"}]}')).toBeCloseTo(10.305464, 9);
    expect(parseRetryHint('{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 3\\u00b5s"}]}')).toBeCloseTo(0.003, 9);
  });

  it("reads composite durations and returns undefined without a hint", () => {
    expect(parseRetryHint("TOOMANYREQUESTS: Retry-After: 1m30s")).toBe(90_000);
    expect(parseRetryHint('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}')).toBeUndefined();
  });
});
