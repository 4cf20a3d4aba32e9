import { compareTrees, type Comparison } from "./compare.js";
import { expectedTree, type ContextFile } from "./context.js";
import type { SourceMapping } from "./dockerfile.js";
import { readImageTree, type ImageTreeLimits, type LayerRef, type OpenLayer } from "./image-tree.js";
import { normalizeImagePath } from "./paths.js";

export interface VerifyInput {
  /** The image's layers, bottom first. */
  layers: readonly LayerRef[];
  open: OpenLayer;
  /** Absolute path in the image, e.g. `/app`. */
  path: string;
  /** The build context's files, `.dockerignore` already applied. */
  context: readonly ContextFile[];
  mapping: SourceMapping;
  limits?: ImageTreeLimits;
}

export interface VerifyReport {
  /** `/app`, normalised. */
  path: string;
  comparison: Comparison;
  /** Where the mapping came from (`Dockerfile`, `config`). */
  mappingOrigin: string;
  /** RUN lines after the first COPY into the path: they may change copied files. */
  runsAfterCopy: number[];
  layersRead: number;
  layersSkipped: number;
  bytesRead: number;
}

/**
 * Proves whether the image's files under `path` are the context's files as the mapping places them: the expected
 * tree is computed first (a mapping error costs no download), then the layers are streamed and compared.
 */
export async function verifyImage(input: VerifyInput): Promise<VerifyReport> {
  const expected = expectedTree(input.context, input.mapping, input.path);
  // only files a source entry expects are hashed: generated files (node_modules, build output) are just listed
  const tree = await readImageTree(input.layers, input.path, input.open, { ...input.limits, hashes: (path) => expected.files.has(path) });
  return {
    path: `/${normalizeImagePath(input.path)}`,
    comparison: compareTrees(expected, tree),
    mappingOrigin: input.mapping.origin,
    runsAfterCopy: input.mapping.runsAfterCopy,
    layersRead: tree.layersRead.length,
    layersSkipped: tree.layersSkipped.length,
    bytesRead: tree.bytesRead,
  };
}
