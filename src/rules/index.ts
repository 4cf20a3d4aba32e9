import attestationsBreakDeployTarget from "./attestations-break-deploy-target.js";
import bakeUnknownAttribute from "./bake-unknown-attribute.js";
import buildkitTooOldForGhaCache from "./buildkit-too-old-for-gha-cache.js";
import cacheOverwritesTag from "./cache-overwrites-tag.js";
import cacheRefImplicitLatest from "./cache-ref-implicit-latest.js";
import cacheRefMissingType from "./cache-ref-missing-type.js";
import cacheWrittenTwice from "./cache-written-twice.js";
import ghaCacheNeedsRuntime from "./gha-cache-needs-runtime.js";
import ghaCacheScopeShared from "./gha-cache-scope-shared.js";
import gitContextIgnoresWorkspace from "./git-context-ignores-workspace.js";
import platformMismatch from "./platform-mismatch.js";
import tagPushedByMultipleBuilds from "./tag-pushed-by-multiple-builds.js";
import untaggedCleanupBreaksIndex from "./untagged-cleanup-breaks-index.js";
import uppercaseImageRef from "./uppercase-image-ref.js";
import type { Rule } from "../rule-kit/rule.js";

/** Every rule, in documentation order. Adding a rule means adding it here and a page in docs/rules/. */
export const rules: Rule[] = [
  cacheOverwritesTag,
  cacheRefMissingType,
  cacheRefImplicitLatest,
  ghaCacheScopeShared,
  cacheWrittenTwice,
  ghaCacheNeedsRuntime,
  buildkitTooOldForGhaCache,
  attestationsBreakDeployTarget,
  untaggedCleanupBreaksIndex,
  platformMismatch,
  tagPushedByMultipleBuilds,
  uppercaseImageRef,
  gitContextIgnoresWorkspace,
  bakeUnknownAttribute,
];
