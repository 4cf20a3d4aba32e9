export {
  classify,
  classifyPayloadManifest,
  DEFAULT_PLATFORM,
  parsePlatform,
  selectPlatform,
  formatPlatform,
  missingContent,
  MAX_CHILD_FETCHES,
  MAX_INDEX_DEPTH,
  MAX_INDEX_ENTRIES,
  MAX_LAYERS,
  type ArtifactKind,
  type CacheForm,
  type Classification,
  type ClassifyInput,
  type ContainerMetadataManifest,
  type MissingContent,
  type PayloadClassification,
  type PlatformEntry,
  type Problem,
  type ProblemId,
  type ProblemSeverity,
  type Verdict,
} from "./classify.js";
export {
  DEFAULT_ALLOWED_HOSTS,
  DEFAULT_REGISTRY_URL,
  MAX_BLOB_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_TOKEN_BYTES,
  RegistryClient,
  type RegistryClientOptions,
  type RegistryCredentials,
} from "./client.js";
export { parseManifest, type Descriptor, type Document, type Platform } from "./documents.js";
export { parseGoDuration, parseRetryAfterHeader, parseRetryHint } from "./durations.js";
export { credentialsFromEnv, registryOptionsFromEnv, type Env } from "./env.js";
export {
  RegistryError,
  cannotInspectReason,
  errorMessage,
  isRegistryError,
  isTlsFailureOnPrivateHost,
  type CannotInspectReason,
  type RegistryErrorKind,
} from "./errors.js";
export type { FetchLike, Sleep } from "./http.js";
export { REVISION_KEY, resolveImageLayers, type ImageLayers } from "./image-layers.js";
export { DEFAULT_INSPECT_BUDGET_MS, inspect, type InspectOptions, type InspectResult, type InspectTarget } from "./inspect.js";
export { MANIFEST_ACCEPT, MediaType } from "./media-types.js";
export { OciLayoutSource } from "./oci-layout.js";
export { DEFAULT_TARBALL_BYTES, unpackLayoutTarball, type TarballOptions, type UnpackedLayout } from "./oci-tarball.js";
export {
  formatImageReference,
  isReferrerTag,
  isValidDigest,
  isValidName,
  isValidTag,
  parseImageReference,
  registryApiHost,
  sha256Digest,
  DOCKER_HUB,
  DOCKER_HUB_ALLOWED_HOSTS,
  type ImageReference,
} from "./reference.js";
export type { BlobDescriptor, BlobStreamSource, FetchOptions, FetchedManifest, ManifestSource } from "./source.js";
