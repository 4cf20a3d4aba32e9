import { describe, expect, it } from "@jest/globals";
import { RegistryError, cannotInspectReason, credentialsFromEnv, registryOptionsFromEnv } from "../../src/registry/index.js";

describe("credentialsFromEnv", () => {
  it("uses GHCR_TOKEN for ghcr.io, falling back to TAGGUARD_REGISTRY_TOKEN", () => {
    expect(credentialsFromEnv({ GHCR_TOKEN: "ghp_a", TAGGUARD_REGISTRY_TOKEN: "b" }, "ghcr.io")).toEqual({ username: "tagguard", password: "ghp_a" });
    expect(credentialsFromEnv({ GHCR_TOKEN: "", TAGGUARD_REGISTRY_TOKEN: "b" }, "ghcr.io")).toEqual({ username: "tagguard", password: "b" });
    expect(credentialsFromEnv({}, "ghcr.io")).toBeUndefined();
  });

  it("never sends GHCR_TOKEN to another registry", () => {
    expect(credentialsFromEnv({ GHCR_TOKEN: "ghp_a" }, "127.0.0.1:5000")).toBeUndefined();
    expect(credentialsFromEnv({ GHCR_TOKEN: "ghp_a", TAGGUARD_REGISTRY_TOKEN: "pw", TAGGUARD_REGISTRY_USERNAME: "ci" }, "registry.example")).toEqual({
      username: "ci",
      password: "pw",
    });
  });
});

describe("registryOptionsFromEnv", () => {
  it("defaults to ghcr.io and takes TAGGUARD_REGISTRY_URL when set", () => {
    expect(registryOptionsFromEnv({ GHCR_TOKEN: "ghp_a" })).toEqual({
      baseUrl: "https://ghcr.io",
      credentials: { username: "tagguard", password: "ghp_a" },
    });
    expect(registryOptionsFromEnv({ TAGGUARD_REGISTRY_URL: "http://127.0.0.1:5000", GHCR_TOKEN: "ghp_a" })).toEqual({ baseUrl: "http://127.0.0.1:5000" });
    expect(() => registryOptionsFromEnv({ TAGGUARD_REGISTRY_URL: "not a url" })).toThrow(new TypeError('TAGGUARD_REGISTRY_URL is not a URL: "not a url"'));
  });
});

describe("cannotInspectReason", () => {
  it("carries the kind and details of a RegistryError and marks anything else internal", () => {
    expect(cannotInspectReason(new RegistryError("denied", "nope", { status: 403, code: "DENIED", auth: "anonymous" }))).toEqual({
      kind: "denied",
      message: "nope",
      status: 403,
      code: "DENIED",
      auth: "anonymous",
    });
    expect(cannotInspectReason(new Error("boom"))).toEqual({ kind: "internal", message: "boom" });
    expect(cannotInspectReason("odd")).toEqual({ kind: "internal", message: "odd" });
  });
});
