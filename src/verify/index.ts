export { compareTrees, type Comparison, type FileDifference, type MissingFile } from "./compare.js";
export { contextFilter, expectedTree, type ContextFile, type ExpectedFile, type ExpectedTree } from "./context.js";
export { configuredMapping, mapDockerfile, type CopyStep, type MappingEntry, type SourceMapping } from "./dockerfile.js";
export { VerifyError, type VerifyErrorKind } from "./errors.js";
export { blobHasher, gitBlobSha1 } from "./git-blob.js";
export {
  DEFAULT_DOWNLOAD_BUDGET,
  readImageTree,
  type ImageFile,
  type ImageTree,
  type ImageTreeLimits,
  type LayerRef,
  type OpenLayer,
} from "./image-tree.js";
export { verifyImage, type VerifyInput, type VerifyReport } from "./verify.js";
