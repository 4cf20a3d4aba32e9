import { describe, expect, it } from "@jest/globals";
import { imageTagKey, jobOptionsFromEnv, repositoryKey } from "../../src/app/runtime/queue.js";

describe("job configuration", () => {
  it("reads TAGGUARD_CONCURRENCY, TAGGUARD_LEASE_MS and TAGGUARD_SHUTDOWN_TIMEOUT_MS, with defaults", () => {
    expect(jobOptionsFromEnv({}, true)).toEqual({ concurrency: 4, leaseMs: 30_000, shutdownMs: 8_000, maxAttempts: 10, soleUser: true });
    expect(jobOptionsFromEnv({ TAGGUARD_CONCURRENCY: "2", TAGGUARD_LEASE_MS: "5000", TAGGUARD_SHUTDOWN_TIMEOUT_MS: "3000" }, false)).toEqual({
      concurrency: 2,
      leaseMs: 5000,
      shutdownMs: 3000,
      maxAttempts: 10,
      soleUser: false,
    });
    expect(() => jobOptionsFromEnv({ TAGGUARD_LEASE_MS: "soon" }, false)).toThrow('TAGGUARD_LEASE_MS must be a positive integer, got "soon"');
  });
});

describe("serialisation keys", () => {
  it("keys pull request work by repository, case-insensitively", () => {
    expect(repositoryKey("Acme", "App")).toBe("repo:acme/app");
  });

  it("keys package work by image and tag; tags keep their case", () => {
    expect(imageTagKey("ghcr.io/Acme/App", "v1.2.3-RC")).toBe("image:ghcr.io/acme/app:v1.2.3-RC");
  });
});
