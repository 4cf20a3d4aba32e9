import { HEAD } from "./harness.js";

/** What the real engine reports on `test/fixtures/app/repo`, rendered by the App at a given head SHA. */

export const CI = ".github/workflows/ci.yml";
export const ACTION = ".github/actions/publish/action.yml";
export const CI_FP = "6a16f0650f74ccbe";
export const ACTION_FP = "2428786595e3d250";
export const PARSE_FP = "d250c3bce54c6612";

const consequence =
  'The export replaces the image: the tag then holds a BuildKit cache manifest (config application/vnd.buildkit.cacheconfig.v0), so deployments fail (Azure App Service: ContainerCreateFailure) and docker run reports "manifest unknown" or "unsupported media type application/vnd.buildkit.cacheconfig.v0".';
const fixTitle =
  "export the cache to a dedicated ref such as ghcr.io/acme/app:buildcache (or a separate repository like ghcr.io/acme/app-cache:buildcache), keeping its other attributes";

const link = (sha: string, path: string, line: number) => `[${path}:${line}](https://github.com/acme/app/blob/${sha}/${path}#L${line})`;

/** The inline comment on `cache-to` in ci.yml line 21, with the one-line suggestion. */
export function ciComment(sha = HEAD): string {
  return [
    "**error** `cache-overwrites-tag` (definite)",
    "",
    `cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image. ${consequence}`,
    "",
    "Related:",
    `- ${link(sha, CI, 19)}: ghcr.io/acme/app:latest is pushed as an image here (job image, step #3 in .github/workflows/ci.yml)`,
    "",
    `**Fix:** ${fixTitle}`,
    "",
    "```suggestion",
    "          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
    "```",
    "",
    `<!-- tagguard:v1 fp=${CI_FP} rule=cache-overwrites-tag -->`,
  ].join("\n");
}

/** The review body listing the composite-action finding, which is outside the diff. */
export function repoReviewBody(sha = HEAD): string {
  return [
    `**tagguard** found 2 new problems in the workflows at \`${sha.slice(0, 7)}\`.`,
    "",
    "**Outside the diff**",
    "",
    `- **error** \`cache-overwrites-tag\` (definite) at ${link(sha, ACTION, 15)}: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:stable, a tag that is also pushed as an image. ${consequence} <!-- tagguard:v1 fp=${ACTION_FP} rule=cache-overwrites-tag -->`,
    `  - related: ${link(sha, ACTION, 14)}: ghcr.io/acme/app:stable is pushed as an image here (job publish, step #2 in .github/actions/publish/action.yml, via ./.github/actions/publish)`,
    `  - **Fix (review before applying):** ${fixTitle}`,
  ].join("\n");
}

export const PARSE_MESSAGE = "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]";
