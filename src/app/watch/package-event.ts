import { isReferrerTag, isValidDigest, isValidName, isValidTag } from "../../registry/index.js";

/** The events the publish watcher handles: GitHub sends `registry_package` to Apps, `package` is its newer twin. */
export const PACKAGE_EVENTS = ["registry_package.published", "package.published"] as const;

export type PackageEvent = (typeof PACKAGE_EVENTS)[number];

/** Host users pull GitHub Packages container images from; the registry tagguard reads is configured separately. */
export const GHCR_HOST = "ghcr.io";

/** The repository a package is linked to. */
export interface LinkedRepository {
  owner: string;
  repo: string;
  /** Base of permalinks: the payload's `html_url`, else `https://github.com/<owner>/<repo>`. */
  htmlUrl: string;
  /** Undefined when the payload does not say; read from the API then. */
  defaultBranch: string | undefined;
}

/** A tagged container version, with every part that goes into a URL validated. */
export interface PublishedVersion {
  /** `owner.login/name`, lowercased, valid per the OCI name grammar. */
  name: string;
  /** `ghcr.io/<name>`, the image as users pull it. */
  image: string;
  /** Valid per the OCI tag grammar. */
  tag: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  /** `package_version.id`, for logs. */
  versionId: number | undefined;
  /** `container_metadata.manifest` as sent; `classifyPayloadManifest` checks its shape. */
  manifestSummary: unknown;
  /** Undefined for packages not linked to a repository. */
  repository: LinkedRepository | undefined;
}

export type PackageEventParse =
  | { kind: "publish"; version: PublishedVersion }
  | { kind: "skip"; level: "debug" | "warn"; reason: string };

type Loose = Record<string, unknown>;

function object(value: unknown): Loose | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function linkedRepository(payload: Loose): LinkedRepository | undefined {
  const repository = object(payload.repository);
  const owner = text(object(repository?.owner)?.login);
  const repo = text(repository?.name);
  if (!repository || owner === undefined || repo === undefined) return undefined;
  return {
    owner,
    repo,
    htmlUrl: text(repository.html_url) ?? `https://github.com/${owner}/${repo}`,
    defaultBranch: text(repository.default_branch),
  };
}

/**
 * Reads a `registry_package` or `package` delivery (`eventName` is the key of the package object).
 * Only tagged container versions are acted on: untagged manifests (the children GitHub announces one
 * by one for a multi-platform push) and referrer tags (`sha256-<hex>.sig`) are skipped. Name, tag and
 * digest are validated against the OCI grammars; nothing else from the payload is used to reach the registry.
 */
export function parsePackageEvent(eventName: string, payload: unknown): PackageEventParse {
  const skip = (level: "debug" | "warn", reason: string): PackageEventParse => ({ kind: "skip", level, reason });
  const root = object(payload);
  const pkg = object(root?.[eventName]);
  if (!root || !pkg) return skip("warn", `the payload has no ${eventName} object`);
  const type = text(pkg.package_type);
  if (type?.toLowerCase() !== "container") return skip("debug", `not a container package (package_type ${JSON.stringify(type ?? null)})`);
  const version = object(pkg.package_version);
  if (!version) return skip("warn", "the payload has no package_version");
  const metadata = object(version.container_metadata);
  const tagInfo = object(metadata?.tag);
  const tag = text(tagInfo?.name);
  if (tag === undefined) return skip("debug", "untagged manifest (a child of a multi-platform push); its tagged parent is inspected");
  if (isReferrerTag(tag)) return skip("debug", `referrer tag ${tag} (signature, attestation or SBOM)`);
  if (!isValidTag(tag)) return skip("warn", `tag ${JSON.stringify(tag)} is not a valid OCI tag`);
  const owner = text(object(pkg.owner)?.login) ?? text(pkg.namespace);
  const packageName = text(pkg.name);
  if (owner === undefined || packageName === undefined) return skip("warn", "the payload names no package owner or name");
  const name = `${owner}/${packageName}`.toLowerCase();
  if (!isValidName(name)) return skip("warn", `${JSON.stringify(name)} is not a valid OCI repository name`);
  const digest = text(tagInfo?.digest) ?? text(version.version);
  if (digest === undefined || !isValidDigest(digest)) {
    return skip("warn", `the version digest ${JSON.stringify(digest ?? null)} is not sha256:<64 lowercase hex>`);
  }
  return {
    kind: "publish",
    version: {
      name,
      image: `${GHCR_HOST}/${name}`,
      tag,
      digest,
      versionId: typeof version.id === "number" ? version.id : undefined,
      manifestSummary: metadata?.manifest,
      repository: linkedRepository(root),
    },
  };
}
