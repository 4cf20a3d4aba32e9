import { describe, expect, it } from "@jest/globals";
import {
  RegistryError,
  formatImageReference,
  isReferrerTag,
  isValidDigest,
  isValidName,
  isValidTag,
  parseImageReference,
  registryApiHost,
} from "../../src/registry/index.js";

const HEX = "80f897a817928176ba4fa7c6e90086af60ebebfbda8273179395b0b3e2f8efeb";

describe("OCI grammars", () => {
  it.each([
    ["acme/app", true],
    ["cadence/api.v2", true],
    ["a__b/c-d--e", true],
    ["a_b.c", true],
    ["Acme/app", false],
    ["a___b", false],
    ["-app", false],
    ["app-", false],
    ["a//b", false],
    ["a/../b", false],
    ["a/b/", false],
    ["", false],
    [`${"a".repeat(256)}`, false],
  ])("name %j valid: %s", (name, valid) => {
    expect(isValidName(name)).toBe(valid);
  });

  it.each([
    ["latest", true],
    ["1.2.3", true],
    ["_x", true],
    ["V1-rc.1_b", true],
    [`a${"b".repeat(127)}`, true],
    [`a${"b".repeat(128)}`, false],
    [".hidden", false],
    ["-x", false],
    ["a/b", false],
    ["", false],
  ])("tag %j valid: %s", (tag, valid) => {
    expect(isValidTag(tag)).toBe(valid);
  });

  it.each([
    [`sha256:${HEX}`, true],
    [`sha256:${HEX.toUpperCase()}`, false],
    [`sha512:${HEX}${HEX}`, false],
    [`sha256:${HEX.slice(1)}`, false],
    [`sha256:${HEX}/../x`, false],
  ])("digest %j valid: %s", (digest, valid) => {
    expect(isValidDigest(digest)).toBe(valid);
  });

  it("recognises referrer-fallback and cosign tags", () => {
    expect([`sha256-${HEX}`, `sha256-${HEX}.sig`, `sha256-${HEX}.att`, `sha256-${HEX}.sbom`, "sha256-abc", "latest"].map(isReferrerTag)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("parseImageReference", () => {
  it.each([
    ["ghcr.io/acme/app:1.2.3", { registry: "ghcr.io", name: "acme/app", tag: "1.2.3" }],
    ["ghcr.io/Codertocat/Hello-World:latest", { registry: "ghcr.io", name: "codertocat/hello-world", tag: "latest" }],
    ["127.0.0.1:5000/team/svc/api:v1", { registry: "127.0.0.1:5000", name: "team/svc/api", tag: "v1" }],
    ["localhost/app:dev", { registry: "localhost", name: "app", tag: "dev" }],
    [`ghcr.io/acme/app@sha256:${HEX}`, { registry: "ghcr.io", name: "acme/app", digest: `sha256:${HEX}` }],
    [`ghcr.io/acme/app:1@sha256:${HEX}`, { registry: "ghcr.io", name: "acme/app", tag: "1", digest: `sha256:${HEX}` }],
    ["ubuntu:22.04", { registry: "docker.io", name: "library/ubuntu", tag: "22.04" }],
    ["acme/app:1", { registry: "docker.io", name: "acme/app", tag: "1" }],
    ["docker.io/ubuntu:22.04", { registry: "docker.io", name: "library/ubuntu", tag: "22.04" }],
    ["docker.io/library/ubuntu:22.04", { registry: "docker.io", name: "library/ubuntu", tag: "22.04" }],
    ["index.docker.io/acme/app:1", { registry: "docker.io", name: "acme/app", tag: "1" }],
    ["registry-1.docker.io/library/node:20", { registry: "docker.io", name: "library/node", tag: "20" }],
    [`alpine@sha256:${HEX}`, { registry: "docker.io", name: "library/alpine", digest: `sha256:${HEX}` }],
  ])("parses %s", (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    ["ubuntu", 'invalid image reference "ubuntu": add a :tag or @sha256:… digest'],
    ["Ubu..ntu:1", 'invalid image reference "Ubu..ntu:1": invalid repository name "Ubu..ntu"'],
    ["ghcr.io/acme/app", 'invalid image reference "ghcr.io/acme/app": add a :tag or @sha256:… digest'],
    ["ghcr.io/acme/app:", 'invalid image reference "ghcr.io/acme/app:": invalid tag ""'],
    ["ghcr.io/acme/app@sha256:abc", 'invalid image reference "ghcr.io/acme/app@sha256:abc": digest must be sha256:<64 lowercase hex>'],
    ["ghcr.io/acme/a..b:1", 'invalid image reference "ghcr.io/acme/a..b:1": invalid repository name "acme/a..b"'],
    ["user@ghcr.io/acme/app:1", 'invalid image reference "user@ghcr.io/acme/app:1": digest must be sha256:<64 lowercase hex>'],
    ["ghcr.io:99999/acme/app:1", 'invalid image reference "ghcr.io:99999/acme/app:1": invalid registry host "ghcr.io:99999"'],
  ])("rejects %s", (input, message) => {
    expect(() => parseImageReference(input)).toThrow(new RegistryError("invalid-reference", message));
  });

  it("formats back to the canonical form", () => {
    expect(formatImageReference(parseImageReference("GHCR.IO/Acme/App:V1"))).toBe("ghcr.io/acme/app:V1");
    expect(formatImageReference(parseImageReference("ubuntu:22.04"))).toBe("docker.io/library/ubuntu:22.04");
  });

  it("talks to Docker Hub's API host for docker.io", () => {
    expect([registryApiHost("docker.io"), registryApiHost("ghcr.io"), registryApiHost("127.0.0.1:5000")]).toEqual([
      "registry-1.docker.io",
      "ghcr.io",
      "127.0.0.1:5000",
    ]);
  });
});
