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

/**
 * Parses `host/name:tag` or `host/name@sha256:…` (`host/name:tag@sha256:…` is accepted; the digest wins). The
 * registry host is required: the first path component must contain `.` or `:`, be `localhost` or a bracketed IPv6
 * address. A tag or digest is required too (no implicit `latest`).
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
  if (slash < 0) fail("expected host/name:tag or host/name@sha256:…");
  const registry = rest.slice(0, slash).toLowerCase();
  if (!looksLikeHost(registry)) fail(`${JSON.stringify(registry)} is not a registry host (e.g. ghcr.io)`);
  if (!isValidAuthority(registry)) fail(`invalid registry host ${JSON.stringify(registry)}`);
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon > path.lastIndexOf("/")) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!isValidTag(tag)) fail(`invalid tag ${JSON.stringify(tag)}`);
  }
  const name = path.toLowerCase();
  if (!isValidName(name)) fail(`invalid repository name ${JSON.stringify(path)}`);
  if (tag === undefined && digest === undefined) fail("add a :tag or @sha256:… digest");
  const ref: ImageReference = { registry, name };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
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
