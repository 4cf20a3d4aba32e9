import { parseImageConfigPlatform, parseManifest, type Descriptor, type IndexDocument, type ManifestDocument, type Platform } from "./documents.js";
import { RegistryError } from "./errors.js";
import {
  ATTESTATION_REFERENCE_TYPE,
  Annotation,
  MediaType,
  isImageConfigType,
  isImageManifestType,
  isIndexType,
  isLayerType,
  isManifestOrIndexType,
} from "./media-types.js";
import type { FetchedManifest } from "./source.js";

export type Verdict = "image" | "buildkit-cache" | "artifact" | "invalid" | "unsupported";
/** `image-manifest`: config is the cache config (BuildKit ≥ 0.21 default). `index`: index/list of cache blobs. */
export type CacheForm = "image-manifest" | "index";
export type ArtifactKind = "attestation" | "signature" | "sbom" | "other";
export type ProblemSeverity = "error" | "warning";
export type ProblemId =
  | "buildkit-cache"
  | "invalid-manifest"
  | "unsupported-manifest"
  | "not-runnable"
  | "unknown-artifact-index"
  | "no-linux-amd64"
  | "platform-missing"
  | "attestation-index"
  | "attestation-subject-missing";

/** One finding about the inspected tag. Every non-image verdict carries exactly one error-severity problem. */
export interface Problem {
  id: ProblemId;
  severity: ProblemSeverity;
  message: string;
}

export interface PlatformEntry {
  os: string;
  architecture: string;
  variant: string | null;
  /** Digest of the platform's image manifest. */
  digest: string;
}

export interface Classification {
  verdict: Verdict;
  /** Set for `buildkit-cache` only. */
  form: CacheForm | null;
  /** Set for `artifact` only. */
  artifactKind: ArtifactKind | null;
  /** The root's media type (body `mediaType`, else the announced type); null when it could not be determined. */
  mediaType: string | null;
  /** Runnable platforms (attestations and other artifacts excluded), in index order. */
  platforms: PlatformEntry[];
  /** Attestation manifests found (either BuildKit form), never counted as platforms. */
  attestations: number;
  problems: Problem[];
}

export interface ClassifyInput {
  root: FetchedManifest;
  /** Child manifests/indexes by digest, already verified against their descriptors. */
  children?: ReadonlyMap<string, FetchedManifest>;
  /** Config blobs by digest (only a lone image manifest's platform needs one). */
  configs?: ReadonlyMap<string, Uint8Array>;
  /** The platform the image must provide (`--platform`); default linux/amd64. */
  platform?: Platform;
}

/** Content the classifier still needs: fetch these (verifying digest and size), add them, and ask again. */
export interface MissingContent {
  manifests: Descriptor[];
  configs: Descriptor[];
}

export const MAX_INDEX_ENTRIES = 1000;
export const MAX_LAYERS = 1000;
/** Index levels walked: a root index and one nested index. */
export const MAX_INDEX_DEPTH = 2;
export const MAX_CHILD_FETCHES = 32;

/**
 * Classifies a fetched root document (registry.md §10) given its children and configs. Pure: no I/O. Throws
 * `RegistryError("too-large")` when the document exceeds the walk caps, and a plain Error when content it needs is
 * missing from the maps (see `missingContent`).
 */
export function classify(input: ClassifyInput): Classification {
  const walk = new Walk(input);
  const { outcome, mediaType, isIndex } = walk.root(input.root);
  if (outcome.type === "pending") {
    const missing = [...walk.missingManifests.keys(), ...walk.missingConfigs.keys()];
    throw new Error(`classify: content missing for ${missing.join(", ")}; fetch what missingContent() lists first`);
  }
  return toClassification(outcome, mediaType, isIndex, input.platform ?? DEFAULT_PLATFORM);
}

/** What `classify` still needs for this input; empty lists when it can decide. Same caps and errors as `classify`. */
export function missingContent(input: ClassifyInput): MissingContent {
  const walk = new Walk(input);
  if (walk.root(input.root).outcome.type !== "pending") return { manifests: [], configs: [] };
  return { manifests: [...walk.missingManifests.values()], configs: [...walk.missingConfigs.values()] };
}

type Outcome =
  | { type: "pending" }
  | { type: "cache"; form: CacheForm }
  | { type: "invalid"; reason: string }
  | { type: "unsupported"; reason: string }
  | { type: "artifact"; kind: ArtifactKind; attestations: number; unknownIndex?: string; note?: string }
  | { type: "image"; platforms: PlatformEntry[]; attestations: number; dangling: string[] };

const PENDING: Outcome = { type: "pending" };

class Walk {
  readonly missingManifests = new Map<string, Descriptor>();
  readonly missingConfigs = new Map<string, Descriptor>();
  private readonly wanted = new Set<string>();
  private readonly children: ReadonlyMap<string, FetchedManifest>;
  private readonly configs: ReadonlyMap<string, Uint8Array>;

  constructor(input: ClassifyInput) {
    this.children = input.children ?? new Map();
    this.configs = input.configs ?? new Map();
  }

  root(fetched: FetchedManifest): { outcome: Outcome; mediaType: string | null; isIndex: boolean } {
    const parsed = parseManifest(fetched.bytes, { contentType: fetched.contentType });
    if (!parsed.ok) {
      return { outcome: { type: parsed.verdict, reason: parsed.reason }, mediaType: parsed.mediaType ?? null, isIndex: false };
    }
    const doc = parsed.document;
    return {
      outcome: doc.kind === "index" ? this.index(doc, 0) : this.manifest(doc, fetched.digest, undefined),
      mediaType: doc.mediaType,
      isIndex: doc.kind === "index",
    };
  }

  private child(entry: Descriptor, depth: number): Outcome {
    this.wanted.add(entry.digest);
    if (this.wanted.size > MAX_CHILD_FETCHES) {
      throw new RegistryError("too-large", `more than ${MAX_CHILD_FETCHES} child manifests to fetch`);
    }
    const fetched = this.children.get(entry.digest);
    if (fetched === undefined) {
      this.missingManifests.set(entry.digest, entry);
      return PENDING;
    }
    const parsed = parseManifest(fetched.bytes, { contentType: fetched.contentType, descriptorMediaType: entry.mediaType });
    if (!parsed.ok) return { type: parsed.verdict, reason: parsed.reason };
    const doc = parsed.document;
    return doc.kind === "index" ? this.index(doc, depth) : this.manifest(doc, entry.digest, entry.platform);
  }

  private manifest(doc: ManifestDocument, digest: string, hint: Platform | undefined): Outcome {
    if (doc.layers.length > MAX_LAYERS) {
      throw new RegistryError("too-large", `manifest ${digest} lists ${doc.layers.length} layers; the limit is ${MAX_LAYERS}`);
    }
    if (doc.config.mediaType === MediaType.buildkitCacheConfig) return { type: "cache", form: "image-manifest" };
    const kind = artifactKind(doc);
    if (kind !== undefined) return { type: "artifact", kind, attestations: kind === "attestation" ? 1 : 0 };
    let platform: Platform;
    if (hint !== undefined && isRealPlatform(hint)) {
      platform = hint;
    } else {
      const bytes = this.configs.get(doc.config.digest);
      if (bytes === undefined) {
        this.missingConfigs.set(doc.config.digest, doc.config);
        return PENDING;
      }
      const parsed = parseImageConfigPlatform(bytes);
      if (!parsed.ok) return { type: "invalid", reason: `config ${doc.config.digest}: ${parsed.reason}` };
      platform = parsed.platform;
    }
    return { type: "image", platforms: [platformEntry(platform, digest)], attestations: 0, dangling: [] };
  }

  private index(doc: IndexDocument, depth: number): Outcome {
    if (doc.manifests.length > MAX_INDEX_ENTRIES) {
      throw new RegistryError("too-large", `index lists ${doc.manifests.length} entries; the limit is ${MAX_INDEX_ENTRIES}`);
    }
    if (doc.manifests.some((d) => d.mediaType === MediaType.buildkitCacheConfig)) return { type: "cache", form: "index" };
    const blobTypes = [...new Set(doc.manifests.filter((d) => !isManifestOrIndexType(d.mediaType)).map((d) => d.mediaType))];
    if (blobTypes.length > 0) return { type: "artifact", kind: "other", attestations: 0, unknownIndex: blobTypes.join(", ") };
    const siblings = new Set(doc.manifests.map((d) => d.digest));
    let attestations = 0;
    const dangling: string[] = [];
    const results: { entry: Descriptor; outcome: Outcome }[] = [];
    for (const entry of doc.manifests) {
      const referenceType = entry.annotations.get(Annotation.referenceType);
      if (referenceType !== undefined && referenceType !== ATTESTATION_REFERENCE_TYPE) continue;
      if (referenceType === ATTESTATION_REFERENCE_TYPE || entry.artifactType === MediaType.attestationManifest) {
        attestations += 1;
        const subject = entry.annotations.get(Annotation.referenceDigest);
        if (subject !== undefined && !siblings.has(subject)) {
          dangling.push(`attestation manifest ${entry.digest} refers to ${subject}, which the index does not list`);
        }
        continue;
      }
      if (isIndexType(entry.mediaType) && depth + 1 >= MAX_INDEX_DEPTH) {
        throw new RegistryError("too-large", `index nesting exceeds ${MAX_INDEX_DEPTH} levels at ${entry.digest}`);
      }
      results.push({ entry, outcome: this.child(entry, depth + 1) });
    }
    const cache = results.find((r) => r.outcome.type === "cache");
    if (cache !== undefined) return cache.outcome;
    for (const { entry, outcome } of results) {
      if (outcome.type === "invalid" || outcome.type === "unsupported") {
        return { type: "invalid", reason: `child ${entry.digest}: ${outcome.reason}` };
      }
    }
    if (results.some((r) => r.outcome.type === "pending")) return PENDING;
    const platforms: PlatformEntry[] = [];
    let artifact: ArtifactKind | undefined;
    for (const { outcome } of results) {
      if (outcome.type === "image") {
        platforms.push(...outcome.platforms);
        attestations += outcome.attestations;
        dangling.push(...outcome.dangling);
      } else if (outcome.type === "artifact") {
        attestations += outcome.attestations;
        artifact ??= outcome.kind;
      }
    }
    if (platforms.length === 0) {
      return {
        type: "artifact",
        kind: attestations > 0 ? "attestation" : (artifact ?? "other"),
        attestations,
        note: "the index lists no runnable image manifest",
      };
    }
    return { type: "image", platforms, attestations, dangling };
  }
}

/** Row 6 of the classifier table: the manifest is an artifact (and which kind), or undefined for an image. */
function artifactKind(doc: ManifestDocument): ArtifactKind | undefined {
  const layerTypes = doc.layers.map((l) => l.mediaType);
  const artifact =
    doc.artifactType !== undefined ||
    doc.subject !== undefined ||
    !isImageConfigType(doc.config.mediaType) ||
    layerTypes.length === 0 ||
    layerTypes.some((t) => !isLayerType(t));
  if (!artifact) return undefined;
  return kindOfTypes([doc.artifactType, doc.config.mediaType, ...layerTypes]);
}

function kindOfTypes(types: readonly (string | undefined)[]): ArtifactKind {
  const known = types.filter((t): t is string => t !== undefined && t !== "");
  if (known.some((t) => t === MediaType.attestationManifest || t === MediaType.inToto)) return "attestation";
  if (known.some((t) => /^application\/vnd\.(dev\.cosign\.|dev\.sigstore\.bundle|cncf\.notary\.)/.test(t))) return "signature";
  if (known.some((t) => /spdx|cyclonedx|syft/i.test(t))) return "sbom";
  return "other";
}

function isRealPlatform(platform: Platform): boolean {
  return platform.os !== "" && platform.architecture !== "" && !(platform.os === "unknown" && platform.architecture === "unknown");
}

function platformEntry(platform: Platform, digest: string): PlatformEntry {
  return { os: platform.os, architecture: platform.architecture, variant: platform.variant ?? null, digest };
}

/** The platform an image must provide unless the caller names another (Azure App Service, Lambda, most CI). */
export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

/**
 * Parses `os/arch[/variant]` as `docker --platform` takes it (lowercased). Throws RegistryError
 * (`invalid-reference`) for anything else.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(p))) {
    throw new RegistryError("invalid-reference", `invalid platform ${JSON.stringify(text)} (expected os/arch[/variant], e.g. linux/arm64)`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/**
 * The first entry that runs `wanted`: same os and architecture, and the variant when `wanted` names one (an
 * arm64 entry without a variant is `v8`, as containerd normalises it).
 */
export function selectPlatform(platforms: readonly PlatformEntry[], wanted: Platform): PlatformEntry | undefined {
  return platforms.find(
    (p) =>
      p.os === wanted.os &&
      p.architecture === wanted.architecture &&
      (wanted.variant === undefined ||
        (p.variant ?? (p.architecture === "arm64" ? "v8" : null)) === wanted.variant),
  );
}

export function formatPlatform(platform: { os: string; architecture: string; variant?: string | null }): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== null).join("/");
}

const ARTIFACT_PHRASE: Record<ArtifactKind, string> = {
  attestation: "an attestation artifact",
  signature: "a signature artifact",
  sbom: "an SBOM artifact",
  other: "an artifact",
};

function toClassification(
  outcome: Exclude<Outcome, { type: "pending" }>,
  mediaType: string | null,
  isIndex: boolean,
  platform: Platform,
): Classification {
  const base = { form: null, artifactKind: null, mediaType, platforms: [], attestations: 0 };
  switch (outcome.type) {
    case "cache":
      return {
        ...base,
        verdict: "buildkit-cache",
        form: outcome.form,
        problems: [
          {
            id: "buildkit-cache",
            severity: "error",
            message:
              (outcome.form === "index"
                ? "the tag holds a BuildKit registry cache (an index of cache blobs), not a runnable image"
                : `the tag holds a BuildKit registry cache (config ${MediaType.buildkitCacheConfig}), not a runnable image`) +
              "; export the cache to its own ref, e.g. cache-to: type=registry,ref=<image>:buildcache,mode=max",
          },
        ],
      };
    case "invalid":
      return { ...base, verdict: "invalid", problems: [{ id: "invalid-manifest", severity: "error", message: outcome.reason }] };
    case "unsupported":
      return { ...base, verdict: "unsupported", problems: [{ id: "unsupported-manifest", severity: "error", message: outcome.reason }] };
    case "artifact":
      return {
        ...base,
        verdict: "artifact",
        artifactKind: outcome.kind,
        attestations: outcome.attestations,
        problems: [
          outcome.unknownIndex === undefined
            ? {
                id: "not-runnable",
                severity: "error",
                message: `the tag holds ${ARTIFACT_PHRASE[outcome.kind]}, not a runnable image${
                  outcome.note === undefined ? "" : ` (${outcome.note})`
                }`,
              }
            : {
                id: "unknown-artifact-index",
                severity: "error",
                message: `the index lists blobs (${outcome.unknownIndex}) but no BuildKit cache config and no image manifests; it is not a runnable image`,
              },
        ],
      };
    case "image": {
      const problems: Problem[] = [];
      if (selectPlatform(outcome.platforms, platform) === undefined) {
        const isDefault = formatPlatform(platform) === formatPlatform(DEFAULT_PLATFORM);
        problems.push({
          id: isDefault ? "no-linux-amd64" : "platform-missing",
          severity: "error",
          message: `no ${formatPlatform(platform)} image; platforms: ${outcome.platforms.map(formatPlatform).join(", ")}`,
        });
      }
      const only = outcome.platforms[0]!;
      if (isIndex && outcome.platforms.length === 1 && outcome.attestations > 0) {
        problems.push({
          id: "attestation-index",
          severity: "warning",
          message: `a single-platform image (${formatPlatform(only)}) is wrapped in an index with ${outcome.attestations} attestation manifest${
            outcome.attestations === 1 ? "" : "s"
          }; AWS Lambda, Fly.io and Azure Container Instances reject indexes: build with provenance: false (and sbom: false) or deploy by digest ${only.digest}`,
        });
      }
      for (const message of outcome.dangling) problems.push({ id: "attestation-subject-missing", severity: "warning", message });
      return { ...base, verdict: "image", platforms: outcome.platforms, attestations: outcome.attestations, problems };
    }
  }
}

/** The webhook's `container_metadata.manifest` summary (ghcr `registry_package` events). */
export interface ContainerMetadataManifest {
  digest?: string;
  media_type?: string;
  size?: number;
  config?: { digest?: string; media_type?: string; size?: number };
  layers?: { digest?: string; media_type?: string; size?: number }[];
}

export type PayloadClassification =
  | { verdict: "buildkit-cache"; form: "image-manifest" }
  | { verdict: "image" }
  | { verdict: "artifact"; artifactKind: ArtifactKind }
  | { verdict: "undecided"; reason: string };

/**
 * Fast path over the webhook summary, no I/O. Decides only for single manifests (an index summary has an empty
 * config and no layers). `image` means "an image manifest" — platform and problems still need `inspect`.
 */
export function classifyPayloadManifest(summary: unknown): PayloadClassification {
  if (typeof summary !== "object" || summary === null || Array.isArray(summary)) {
    return { verdict: "undecided", reason: "no manifest summary" };
  }
  const { media_type: mediaType, config, layers } = summary as ContainerMetadataManifest;
  if (typeof mediaType !== "string" || mediaType === "") return { verdict: "undecided", reason: "summary has no media_type" };
  if (isIndexType(mediaType)) return { verdict: "undecided", reason: "index summaries do not list their entries" };
  if (!isImageManifestType(mediaType)) return { verdict: "undecided", reason: `unexpected media_type ${mediaType}` };
  const configType = typeof config === "object" && config !== null ? config.media_type : undefined;
  if (typeof configType !== "string" || configType === "") return { verdict: "undecided", reason: "summary has no config media_type" };
  if (configType === MediaType.buildkitCacheConfig) return { verdict: "buildkit-cache", form: "image-manifest" };
  if (!Array.isArray(layers) || layers.some((l) => typeof l !== "object" || l === null || typeof l.media_type !== "string")) {
    return { verdict: "undecided", reason: "summary layers are malformed" };
  }
  const layerTypes = layers.map((l) => l.media_type as string);
  if (!isImageConfigType(configType) || layerTypes.length === 0 || layerTypes.some((t) => !isLayerType(t))) {
    return { verdict: "artifact", artifactKind: kindOfTypes([configType, ...layerTypes]) };
  }
  return { verdict: "image" };
}
