/** Media types and annotations used by the registry client and the classifier (registry.md §1). */
export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  buildkitCacheConfig: "application/vnd.buildkit.cacheconfig.v0",
  inToto: "application/vnd.in-toto+json",
  attestationManifest: "application/vnd.docker.attestation.manifest.v1+json",
} as const;

/** The one `Accept` header sent with every manifest request: OCI index, OCI manifest, Docker list, Docker v2. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerList,
  MediaType.dockerManifest,
].join(", ");

export const Annotation = {
  referenceType: "vnd.docker.reference.type",
  referenceDigest: "vnd.docker.reference.digest",
  refName: "org.opencontainers.image.ref.name",
} as const;

/** Value of `vnd.docker.reference.type` on BuildKit attestation descriptors. */
export const ATTESTATION_REFERENCE_TYPE = "attestation-manifest";

const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.ociIndex, MediaType.dockerList]);
const MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaType.ociManifest, MediaType.dockerManifest]);
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.ociConfig, MediaType.dockerConfig]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([MediaType.dockerSchema1, MediaType.dockerSchema1Signed]);
const LAYER_TYPES: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

export const isIndexType = (mediaType: string): boolean => INDEX_TYPES.has(mediaType);
export const isImageManifestType = (mediaType: string): boolean => MANIFEST_TYPES.has(mediaType);
export const isManifestOrIndexType = (mediaType: string): boolean =>
  INDEX_TYPES.has(mediaType) || MANIFEST_TYPES.has(mediaType);
export const isImageConfigType = (mediaType: string): boolean => IMAGE_CONFIG_TYPES.has(mediaType);
export const isSchema1Type = (mediaType: string): boolean => SCHEMA1_TYPES.has(mediaType);
/** Filesystem layer types a container runtime can unpack. */
export const isLayerType = (mediaType: string): boolean => LAYER_TYPES.has(mediaType);

/** `Content-Type` value without parameters, trimmed and lowercased; undefined when absent or empty. */
export function essence(contentType: string | null | undefined): string | undefined {
  if (contentType === null || contentType === undefined) return undefined;
  const value = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return value === "" ? undefined : value;
}
