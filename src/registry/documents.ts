import { MediaType, isImageManifestType, isIndexType, isSchema1Type } from "./media-types.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A content descriptor with only the fields tagguard uses (`urls` is never copied). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: Platform;
  annotations: ReadonlyMap<string, string>;
}

export interface ManifestDocument {
  kind: "manifest";
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
}

export interface IndexDocument {
  kind: "index";
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
}

export type Document = ManifestDocument | IndexDocument;

export type ParseResult =
  | { ok: true; document: Document }
  | { ok: false; verdict: "invalid" | "unsupported"; reason: string; mediaType: string | undefined };

/** Media types the content was announced with: the response `Content-Type` and/or the parent's descriptor. */
export interface DeclaredTypes {
  contentType?: string | undefined;
  descriptorMediaType?: string | undefined;
}

/** OCI digest grammar (any algorithm); tagguard only fetches sha256 digests, checked separately. */
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

class Invalid extends Error {}

/**
 * Parses and validates a manifest or index (after the size cap). Rejects: non-UTF-8 or non-JSON bytes; a document
 * with both `manifests` and `layers`/`config` (CVE-2021-41190); a body `mediaType` that disagrees with the
 * `Content-Type` or the descriptor; schema versions other than 2; malformed descriptors. Schema 1 and unknown
 * manifest types are `unsupported`.
 */
export function parseManifest(bytes: Uint8Array, declared: DeclaredTypes = {}): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return invalid("document is not valid UTF-8 JSON", declared.contentType ?? declared.descriptorMediaType);
  }
  if (!isRecord(json)) return invalid("document is not a JSON object", undefined);
  const bodyType = json.mediaType;
  if (bodyType !== undefined && typeof bodyType !== "string") return invalid("mediaType is not a string", undefined);
  const { contentType, descriptorMediaType } = declared;
  const reportedType = bodyType ?? contentType ?? descriptorMediaType;
  if (bodyType !== undefined && contentType !== undefined && bodyType !== contentType) {
    return invalid(`Content-Type ${contentType} does not match the document's mediaType ${bodyType}`, reportedType);
  }
  if (bodyType !== undefined && descriptorMediaType !== undefined && bodyType !== descriptorMediaType) {
    return invalid(`descriptor mediaType ${descriptorMediaType} does not match the document's mediaType ${bodyType}`, reportedType);
  }
  if (bodyType === undefined && contentType !== undefined && descriptorMediaType !== undefined && contentType !== descriptorMediaType) {
    return invalid(`Content-Type ${contentType} does not match the descriptor mediaType ${descriptorMediaType}`, reportedType);
  }
  const hasManifests = "manifests" in json;
  if (hasManifests && ("layers" in json || "config" in json)) {
    return invalid("document has both manifests and layers/config (ambiguous)", reportedType);
  }
  if (json.schemaVersion === 1 || (reportedType !== undefined && isSchema1Type(reportedType))) {
    return { ok: false, verdict: "unsupported", reason: "Docker schema 1 manifests are not supported", mediaType: reportedType };
  }
  const mediaType = reportedType ?? (hasManifests ? MediaType.ociIndex : "config" in json ? MediaType.ociManifest : undefined);
  if (mediaType === undefined) return invalid("document has no mediaType and no manifests or config", undefined);
  if (!isIndexType(mediaType) && !isImageManifestType(mediaType)) {
    return { ok: false, verdict: "unsupported", reason: `unsupported manifest media type ${mediaType}`, mediaType };
  }
  if (json.schemaVersion !== 2) return invalid("schemaVersion is not 2", mediaType);
  try {
    const artifactType = optionalString(json.artifactType, "artifactType");
    const subject = json.subject === undefined ? undefined : descriptor(json.subject, "subject");
    const base = { mediaType, ...(artifactType === undefined ? {} : { artifactType }), ...(subject === undefined ? {} : { subject }) };
    if (isIndexType(mediaType)) {
      if (!Array.isArray(json.manifests)) throw new Invalid("index has no manifests array");
      const manifests = json.manifests.map((entry, i) => descriptor(entry, `manifests[${i}]`));
      return { ok: true, document: { kind: "index", ...base, manifests } };
    }
    if (!Array.isArray(json.layers)) throw new Invalid("manifest has no layers array");
    const config = descriptor(json.config, "config");
    const layers = json.layers.map((entry, i) => descriptor(entry, `layers[${i}]`));
    return { ok: true, document: { kind: "manifest", ...base, config, layers } };
  } catch (error) {
    if (error instanceof Invalid) return invalid(error.message, mediaType);
    throw error;
  }
}

/** Platform of a single image from its config blob (only ever called for image config media types). */
export function parseImageConfigPlatform(bytes: Uint8Array): { ok: true; platform: Platform } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: "image config is not valid UTF-8 JSON" };
  }
  if (!isRecord(json)) return { ok: false, reason: "image config is not a JSON object" };
  const { os, architecture, variant } = json;
  if (typeof os !== "string" || os === "" || typeof architecture !== "string" || architecture === "") {
    return { ok: false, reason: "image config has no os/architecture" };
  }
  if (variant !== undefined && typeof variant !== "string") return { ok: false, reason: "image config variant is not a string" };
  return { ok: true, platform: variant === undefined || variant === "" ? { os, architecture } : { os, architecture, variant } };
}

function invalid(reason: string, mediaType: string | undefined): ParseResult {
  return { ok: false, verdict: "invalid", reason, mediaType };
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new Invalid(`${where} is not an object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== "string" || mediaType === "") throw new Invalid(`${where}.mediaType is missing`);
  if (typeof digest !== "string" || !ANY_DIGEST.test(digest)) throw new Invalid(`${where}.digest is malformed`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new Invalid(`${where}.size is not a non-negative integer`);
  const out: Descriptor = { mediaType, digest, size, annotations: annotations(value.annotations, where) };
  const artifactType = optionalString(value.artifactType, `${where}.artifactType`);
  if (artifactType !== undefined) out.artifactType = artifactType;
  if (value.platform !== undefined) out.platform = platform(value.platform, `${where}.platform`);
  return out;
}

function platform(value: unknown, where: string): Platform {
  if (!isRecord(value)) throw new Invalid(`${where} is not an object`);
  const { os, architecture } = value;
  if (typeof os !== "string" || typeof architecture !== "string") throw new Invalid(`${where} needs os and architecture`);
  const variant = optionalString(value.variant, `${where}.variant`);
  return variant === undefined || variant === "" ? { os, architecture } : { os, architecture, variant };
}

function annotations(value: unknown, where: string): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) throw new Invalid(`${where}.annotations is not an object`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out.set(key, item);
  }
  return out;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Invalid(`${where} is not a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
