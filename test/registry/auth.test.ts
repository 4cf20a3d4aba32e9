import { describe, expect, it } from "@jest/globals";
import { TokenCache, parseTokenResponse, parseWwwAuthenticate } from "../../src/registry/auth.js";
import { RegistryError } from "../../src/registry/index.js";
import { encode } from "./fixtures.js";

const plain = (header: string | null) =>
  parseWwwAuthenticate(header).map((c) => ({ scheme: c.scheme, params: Object.fromEntries(c.params) }));

describe("parseWwwAuthenticate", () => {
  it("parses ghcr's Bearer challenge", () => {
    expect(plain('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:user/image:pull" } },
    ]);
  });

  it("handles escapes, token values, spacing and several challenges", () => {
    expect(plain('Basic realm="a \\"b\\"", charset=UTF-8 , Bearer Realm="https://r/t",Error=insufficient_scope')).toEqual([
      { scheme: "basic", params: { realm: 'a "b"', charset: "UTF-8" } },
      { scheme: "bearer", params: { realm: "https://r/t", error: "insufficient_scope" } },
    ]);
  });

  it("returns no challenge for absent or malformed headers", () => {
    expect(plain(null)).toEqual([]);
    expect(plain('realm="x"')).toEqual([]);
    expect(plain('Bearer realm="unterminated')).toEqual([]);
    expect(plain("Bearer realm=https://x/token")).toEqual([]);
  });
});

describe("parseTokenResponse", () => {
  it("accepts token or access_token with optional expiry", () => {
    expect(parseTokenResponse(encode({ token: "abc", expires_in: 300, issued_at: "2026-01-01T00:00:00Z" }))).toEqual({
      token: "abc",
      expiresIn: 300,
      issuedAt: Date.parse("2026-01-01T00:00:00Z"),
    });
    expect(parseTokenResponse(encode({ access_token: "xyz" }))).toEqual({ token: "xyz", expiresIn: undefined, issuedAt: undefined });
  });

  it.each([
    ["not json", "token response is not valid JSON"],
    ["[]", "token response is not a JSON object"],
    ['{"token":""}', "token response has no token"],
    ['{"token":"a\\r\\nX-Injected: 1"}', "token response has a malformed token"],
  ])("rejects %s", (body, message) => {
    expect(() => parseTokenResponse(encode(body))).toThrow(new RegistryError("invalid", message));
  });
});

describe("TokenCache", () => {
  it("keeps a token until issued_at + max(expires_in, 60 s) − 5 s, per host and scope", () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set("ghcr.io", "repository:a/b:pull", { token: "t1", expiresIn: 300, issuedAt: now - 10_000 });
    cache.set("ghcr.io", "repository:a/c:pull", { token: "t2", expiresIn: 10, issuedAt: undefined });
    expect(cache.get("ghcr.io", "repository:a/b:pull")).toBe("t1");
    expect(cache.get("other.io", "repository:a/b:pull")).toBeUndefined();
    now += 284_999;
    expect(cache.get("ghcr.io", "repository:a/b:pull")).toBe("t1");
    now += 1;
    expect(cache.get("ghcr.io", "repository:a/b:pull")).toBeUndefined();
    expect(cache.get("ghcr.io", "repository:a/c:pull")).toBeUndefined();
  });

  it("treats a missing or short expires_in as 60 s and a future issued_at as now", () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set("h", "s", { token: "t", expiresIn: undefined, issuedAt: 999_999 });
    now = 54_999;
    expect(cache.get("h", "s")).toBe("t");
    now = 55_000;
    expect(cache.get("h", "s")).toBeUndefined();
    cache.set("h", "s", { token: "u", expiresIn: 1, issuedAt: undefined });
    cache.delete("h", "s");
    expect(cache.get("h", "s")).toBeUndefined();
  });
});
