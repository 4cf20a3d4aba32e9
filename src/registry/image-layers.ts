import { DEFAULT_PLATFORM, formatPlatform, selectPlatform } from "./classify.js";
import { parseManifest, type Descriptor, type Platform } from "./documents.js";
import { RegistryError } from "./errors.js";
import { inspect, type InspectOptions, type InspectTarget } from "./inspect.js";
import type { FetchedManifest, ManifestSource } from "./source.js";

/** `org.opencontainers.image.revision`: the commit metadata-action records as a label and an annotation. */
export const REVISION_KEY = "org.opencontainers.image.revision";

/** One platform's image, ready to stream: its layers (bottom first) and what its config and annotations say. */
export interface ImageLayers {
  /** Digest of the tag's root document (index or manifest). */
  rootDigest: string;
  /** Digest of the platform's image manifest. */
  manifestDigest: string;
  platform: string;
  layers: Descriptor[];
  /** The config's `history` `created_by` of each layer (e.g. `COPY . /app # buildkit`), aligned with `layers`. */
  createdBy: (string | undefined)[];
  /** `WorkingDir` of the image config, when set. */
  workingDir: string | undefined;
  /** The revision label, or annotation of the manifest or index; undefined when none is recorded. */
  revision: string | undefined;
}

/**
 * Resolves `target` to the image for `platform` (default linux/amd64): classifies the tag (a cache, an artifact or
 * an image without that platform throws RegistryError `invalid`), fetches the platform's manifest and config, and
 * returns its layers with the revision and working directory.
 */
export async function resolveImageLayers(
  source: ManifestSource,
  target: InspectTarget,
  options: InspectOptions & { platform?: Platform } = {},
): Promise<ImageLayers> {
  const platform = options.platform ?? DEFAULT_PLATFORM;
  const result = await inspect(source, target, options);
  if (result.verdict !== "image") {
    throw new RegistryError("invalid", `${target.reference} is not an image: ${result.problems[0]?.message ?? result.verdict}`);
  }
  const entry = selectPlatform(result.platforms, platform);
  if (entry === undefined) {
    throw new RegistryError("not-found", `no ${formatPlatform(platform)} image; platforms: ${result.platforms.map(formatPlatform).join(", ")}`);
  }
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const root = await source.getManifest(target.name, result.digest, call);
  const manifest = entry.digest === root.digest ? root : await source.getManifest(target.name, entry.digest, call);
  const parsed = parseManifest(manifest.bytes, { contentType: manifest.contentType });
  if (!parsed.ok || parsed.document.kind !== "manifest") throw new RegistryError("invalid", `manifest ${entry.digest} is not an image manifest`);
  const config = parseConfig(await source.getBlob(target.name, parsed.document.config, call));
  const revision = config.labels[REVISION_KEY] ?? annotation(manifest, REVISION_KEY) ?? annotation(root, REVISION_KEY) ?? indexEntryRevision(root, entry.digest);
  return {
    rootDigest: result.digest,
    manifestDigest: entry.digest,
    platform: formatPlatform(entry),
    layers: parsed.document.layers,
    createdBy: config.history.length === parsed.document.layers.length ? config.history : parsed.document.layers.map(() => undefined),
    workingDir: config.workingDir,
    revision,
  };
}

interface ConfigFacts {
  labels: Record<string, string>;
  workingDir: string | undefined;
  /** `created_by` of the history entries that made a layer (`empty_layer` ones left out). */
  history: (string | undefined)[];
}

function parseConfig(bytes: Uint8Array): ConfigFacts {
  const json = safeJson(bytes) as { config?: { Labels?: unknown; WorkingDir?: unknown }; history?: unknown } | undefined;
  const labels: Record<string, string> = {};
  const raw = json?.config?.Labels;
  if (typeof raw === "object" && raw !== null) {
    for (const [key, value] of Object.entries(raw)) if (typeof value === "string") labels[key] = value;
  }
  const workingDir = json?.config?.WorkingDir;
  const history = (Array.isArray(json?.history) ? (json.history as unknown[]) : [])
    .filter((h) => typeof h === "object" && h !== null && (h as { empty_layer?: unknown }).empty_layer !== true)
    .map((h) => {
      const createdBy = (h as { created_by?: unknown }).created_by;
      return typeof createdBy === "string" ? createdBy : undefined;
    });
  return { labels, workingDir: typeof workingDir === "string" && workingDir !== "" ? workingDir : undefined, history };
}

/** A top-level annotation of a manifest or index. */
function annotation(document: FetchedManifest, key: string): string | undefined {
  const json = safeJson(document.bytes) as { annotations?: Record<string, unknown> } | undefined;
  const value = json?.annotations?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The revision annotation on the index's descriptor of the platform manifest. */
function indexEntryRevision(root: FetchedManifest, digest: string): string | undefined {
  const parsed = parseManifest(root.bytes, { contentType: root.contentType });
  if (!parsed.ok || parsed.document.kind !== "index") return undefined;
  const entry = parsed.document.manifests.find((m) => m.digest === digest);
  return entry?.annotations.get(REVISION_KEY) ?? undefined;
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
