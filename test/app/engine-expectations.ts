import { ruleDocs } from "../support/docs.js";
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

/**
 * The inline comment on `cache-to` in ci.yml line 21: the fix moves the cache-from line reading the same ref too,
 * so it is shown as a diff of both lines (the same at every head but for the permalink's commit).
 */
export function ciComment(sha = HEAD): string {
  return [
    "**error** `cache-overwrites-tag`: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.",
    "",
    'The export replaces the image: the tag then holds a BuildKit cache manifest (config application/vnd.buildkit.cacheconfig.v0), so deployments fail (Azure App Service: ContainerCreateFailure) and docker run reports "manifest unknown" or "unsupported media…',
    "",
    `**Fix:** ${fixTitle}, and read it back from there in cache-from`,
    "",
    `In ${link(sha, CI, 21)}:`,
    "",
    "```diff",
    "-          cache-from: type=registry,ref=ghcr.io/acme/app:latest",
    "-          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
    "+          cache-from: type=registry,ref=ghcr.io/acme/app:buildcache",
    "+          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
    "```",
    "",
    `[\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")})`,
    "",
    `<!-- tagguard:v1 fp=${CI_FP} rule=cache-overwrites-tag -->`,
  ].join("\n");
}

/** The review body listing the composite-action finding, which is outside the diff. */
export function repoReviewBody(sha = HEAD, checkUrl = "https://github.com/acme/app/runs/555"): string {
  return [
    `**tagguard** found 2 new problems in the workflows at \`${sha.slice(0, 7)}\`: 2 errors. The [tagguard check](${checkUrl}) lists every finding.`,
    "",
    "**Outside the diff**",
    "",
    `- **error** \`cache-overwrites-tag\` (definite) at ${link(sha, ACTION, 15)}: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:stable, a tag that is also pushed as an image. ${consequence} [\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")}) <!-- tagguard:v1 fp=${ACTION_FP} rule=cache-overwrites-tag -->`,
    `  - related: ${link(sha, ACTION, 14)}: ghcr.io/acme/app:stable is pushed as an image here (job publish, step #2 in .github/actions/publish/action.yml, via ./.github/actions/publish at .github/workflows/release.yml:13)`,
    `  - **Fix (review before applying):** ${fixTitle}`,
  ].join("\n");
}

export const PARSE_MESSAGE = "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]";

const ciMessage = `cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image. ${consequence}`;
const actionMessage = `cache-to exports the BuildKit registry cache to ghcr.io/acme/app:stable, a tag that is also pushed as an image. ${consequence}`;

/** The completing update of the check run on `test/fixtures/app/repo`: both findings annotated, conclusion failure. */
export function repoCheck(sha = HEAD): unknown {
  return {
    status: "completed",
    conclusion: "failure",
    output: {
      title: "2 errors",
      summary: [
        `**tagguard** analysed 3 workflow-related files at \`${sha.slice(0, 7)}\` and found 2 problems.`,
        "",
        "**By rule**",
        "",
        `- [\`cache-overwrites-tag\`](${ruleDocs("cache-overwrites-tag")}): 2 errors`,
        "",
        "**Findings**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at ${link(sha, ACTION, 15)}: ${actionMessage}`,
        `- **error** \`cache-overwrites-tag\` (definite) at ${link(sha, CI, 21)}: ${ciMessage}`,
      ].join("\n"),
      annotations: [
        {
          path: ACTION,
          start_line: 15,
          end_line: 15,
          start_column: 19,
          end_column: 56,
          annotation_level: "failure",
          title: "cache-overwrites-tag",
          message: `${actionMessage}\n\nRelated:\n- ${ACTION}:14: ghcr.io/acme/app:stable is pushed as an image here (job publish, step #2 in ${ACTION}, via ./.github/actions/publish at .github/workflows/release.yml:13)`,
          raw_details: `Fix (review before applying): ${fixTitle}`,
        },
        {
          path: CI,
          start_line: 21,
          end_line: 21,
          start_column: 21,
          end_column: 71,
          annotation_level: "failure",
          title: "cache-overwrites-tag",
          message: `${ciMessage}\n\nRelated:\n- ${CI}:19: ghcr.io/acme/app:latest is pushed as an image here (job image, step #3 in ${CI})`,
          raw_details: [
            `Fix: ${fixTitle}, and read it back from there in cache-from`,
            "",
            `${CI}:20-21`,
            "-          cache-from: type=registry,ref=ghcr.io/acme/app:latest",
            "-          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
            "+          cache-from: type=registry,ref=ghcr.io/acme/app:buildcache",
            "+          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
          ].join("\n"),
        },
      ],
    },
  };
}

/** The completing update of the check run on `test/fixtures/app/malformed`. */
export function malformedCheck(): unknown {
  return {
    status: "completed",
    conclusion: "failure",
    output: {
      title: "1 error",
      summary: [
        "**tagguard** analysed 1 workflow-related file at `1111111` and found 1 problem.",
        "",
        "**By rule**",
        "",
        `- [\`parse-error\`](${ruleDocs("parse-error")}): 1 error`,
        "",
        "**Findings**",
        "",
        `- **error** \`parse-error\` (definite) at ${link(HEAD, CI, 10)}: ${PARSE_MESSAGE}`,
      ].join("\n"),
      annotations: [
        { path: CI, start_line: 10, end_line: 10, start_column: 11, end_column: 12, annotation_level: "failure", title: "parse-error", message: PARSE_MESSAGE },
      ],
    },
  };
}
