import { createHash } from "node:crypto";
import { RegistryError } from "./errors.js";

/** OCI distribution-spec repository name grammar (lowercase only). */
export const NAME_PATTERN =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The only digests tagguard puts in a URL or trusts: sha256, lowercase hex. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
const REFERRER_TAG_PATTERN = /^sha256-[a-f0-9]{64}(?:\.sig|\.att|\.sbom)?$/;
const MAX_NAME_LENGTH = 255;

export const isValidName = (name: string): boolean => name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
export const isValidTag = (tag: string): boolean => TAG_PATTERN.test(tag);
export const isValidDigest = (digest: string): boolean => DIGEST_PATTERN.test(digest);

/** Tags cosign and the referrers fallback create (`sha256-<hex>`, `.sig`, `.att`, `.sbom`); events for them are skipped. */
export const isReferrerTag = (tag: string): boolean => REFERRER_TAG_PATTERN.test(tag);

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function assertName(name: string): void {
  if (!isValidName(name)) {
    throw new RegistryError("invalid-reference", `invalid repository name ${JSON.stringify(name)}`);
  }
}

export function assertDigest(digest: string): void {
  if (!isValidDigest(digest)) {
    throw new RegistryError("invalid-reference", `invalid digest ${JSON.stringify(digest)} (expected sha256:<64 hex>)`);
  }
}

/** Validates a manifest reference (tag or digest) and says which it is. */
export function referenceKind(reference: string): "tag" | "digest" {
  if (reference.startsWith("sha256:")) {
    assertDigest(reference);
    return "digest";
  }
  if (!isValidTag(reference)) {
    throw new RegistryError("invalid-reference", `invalid tag or digest ${JSON.stringify(reference)}`);
  }
  return "tag";
}

/** `host[:port]/name[:tag][@digest]` split into parts. Host and name are lowercased. */
export interface ImageReference {
  /** `host[:port]` as it appears in a URL authority. */
  registry: string;
  name: string;
  tag?: string;
  digest?: string;
}

/** Docker Hub's name in references, and the host its registry API is served from. */
export const DOCKER_HUB = "docker.io";
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Docker Hub's token service and blob CDN: the hosts its token realm and blob redirects point at. */
export const DOCKER_HUB_ALLOWED_HOSTS: readonly string[] = ["auth.docker.io", "production.cloudflare.docker.com"];
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, "index.docker.io", DOCKER_HUB_API_HOST]);

/**
 * Parses a reference the way Docker normalises it: `host/name:tag`, `host/name@sha256:…` (`name:tag@sha256:…` is
 * accepted; the digest wins), or a Docker Hub short name (`ubuntu:22.04` is `docker.io/library/ubuntu:22.04`,
 * `acme/app:1` is `docker.io/acme/app:1`). The first path component is a registry host when it contains `.` or
 * `:`, is `localhost` or a bracketed IPv6 address. `index.docker.io` and `registry-1.docker.io` are `docker.io`.
 * A tag or digest is required (no implicit `latest`).
 */
export function parseImageReference(input: string): ImageReference {
  const fail = (why: string): never => {
    throw new RegistryError("invalid-reference", `invalid image reference ${JSON.stringify(input)}: ${why}`);
  };
  let rest = input.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest)) fail("digest must be sha256:<64 lowercase hex>");
  }
  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash).toLowerCase();
  let registry = DOCKER_HUB;
  let path = rest;
  if (looksLikeHost(first)) {
    if (!isValidAuthority(first)) fail(`invalid registry host ${JSON.stringify(first)}`);
    registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
    path = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon > path.lastIndexOf("/")) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!isValidTag(tag)) fail(`invalid tag ${JSON.stringify(tag)}`);
  }
  let name = path.toLowerCase();
  if (registry === DOCKER_HUB && !name.includes("/")) name = `library/${name}`;
  if (!isValidName(name)) fail(`invalid repository name ${JSON.stringify(path)}`);
  if (tag === undefined && digest === undefined) fail("add a :tag or @sha256:… digest");
  const ref: ImageReference = { registry, name };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `host[:port]` that serves a registry's API: Docker Hub's is `registry-1.docker.io`, every other is itself. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.name}${ref.tag === undefined ? "" : `:${ref.tag}`}${
    ref.digest === undefined ? "" : `@${ref.digest}`
  }`;
}

function looksLikeHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" || component.startsWith("[");
}

/** True when `authority` is exactly a `host[:port]` (no user info, path or anything URL parsing would rewrite). */
export function isValidAuthority(authority: string): boolean {
  if (authority === "" || /[/?#@\\\s]/.test(authority)) return false;
  try {
    const url = new URL(`https://${authority}`);
    return url.host === authority || `${url.hostname}:443` === authority;
  } catch {
    return false;
  }
}
