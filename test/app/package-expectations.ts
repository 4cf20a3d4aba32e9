import { DOCS } from "../support/docs.js";
import { fixture } from "../registry/fixtures.js";
import { IMAGE, MAIN_SHA } from "./package-harness.js";

/** What the publish watcher writes for the registry fixtures and `test/fixtures/app/repo`. */

export const CACHE = fixture("cache-manifest").digest;
export const CACHE_INDEX = fixture("cache-index").digest;
export const GOOD = fixture("multiarch-legacy-att").digest;
export const OTHER_GOOD = fixture("docker-list").digest;
export const CACHE_CONFIG = "sha256:7fa6702022002c2a5900a6d9a8484d396420f98f6a68ce2cef7240d849544e7d";
export const CACHE_LAYER = "sha256:bf020dd2e5bd2438318fc2ca579ed8fd70e442d599e8d054c866b832e2303a47";
export const CI = ".github/workflows/ci.yml";
export const MARKER = `<!-- tagguard:incident image=${IMAGE} tag=latest -->`;

function cacheView(): string {
  return [
    "```text",
    `application/vnd.oci.image.manifest.v1+json ${CACHE}`,
    `  config application/vnd.buildkit.cacheconfig.v0 ${CACHE_CONFIG} 262 B`,
    `  layer  application/vnd.oci.image.layer.v1.tar+gzip ${CACHE_LAYER} 45 B`,
    "```",
  ].join("\n");
}

/** The "Likely cause" section for `test/fixtures/app/repo` at `sha`: the cache-to line of ci.yml and its push. */
export function ciCause(sha = MAIN_SHA): string {
  return [
    `These cache exports in the workflows on \`main\` (at [\`${sha.slice(0, 7)}\`](https://github.com/acme/app/tree/${sha})) write to this tag:`,
    "",
    `- [${CI}:21](https://github.com/acme/app/blob/${sha}/${CI}#L21) (definite): exports the BuildKit registry cache to \`ghcr.io/acme/app:latest\`, also pushed as an image`,
    `  - [${CI}:19](https://github.com/acme/app/blob/${sha}/${CI}#L19): ghcr.io/acme/app:latest is pushed as an image here (job image, step #3 in ${CI})`,
  ].join("\n");
}

export function restore(lastGood: string | undefined): string {
  return lastGood
    ? [
        `The last runnable image tagguard saw on this tag is \`${lastGood}\`. Point the tag back at it:`,
        "",
        "```sh",
        `docker buildx imagetools create -t ghcr.io/acme/app:latest ghcr.io/acme/app@${lastGood}`,
        "```",
      ].join("\n")
    : [
        "tagguard has not seen a runnable image on this tag, so it cannot name a good digest. Once the cache ref is fixed, re-run the workflow that publishes the tag, or point the tag at a known good digest from the package's version history:",
        "",
        "```sh",
        "docker buildx imagetools create -t ghcr.io/acme/app:latest ghcr.io/acme/app@<good digest>",
        "```",
      ].join("\n");
}

export function incidentBody(o: { decidedBy: string; cause: string; lastGood?: string }): string {
  return [
    "**`ghcr.io/acme/app:latest` holds a BuildKit registry cache, not a runnable image.** The version published to this tag is a cache manifest, which no container runtime can run.",
    "",
    "### What was found",
    "",
    `- Digest: \`${CACHE}\``,
    "- Media types: `application/vnd.oci.image.manifest.v1+json`; config `application/vnd.buildkit.cacheconfig.v0`; layers `application/vnd.oci.image.layer.v1.tar+gzip`",
    `- Decided by: ${o.decidedBy}`,
    "",
    cacheView(),
    "",
    "### Impact",
    "",
    "Pulling or deploying `ghcr.io/acme/app:latest` fails until the tag points at an image again:",
    "",
    "- `docker pull` / `docker run`: `unsupported media type application/vnd.buildkit.cacheconfig.v0`, or `manifest unknown` for the index form older BuildKit versions export",
    "- Azure App Service and other platforms that pull the tag: `ContainerCreateFailure`",
    "",
    "### Likely cause",
    "",
    o.cause,
    "",
    "### Fix",
    "",
    "Export the cache to a ref that is never pushed as an image: a dedicated tag, or better a separate repository. For `docker/build-push-action`:",
    "",
    "```yaml",
    "cache-from: type=registry,ref=ghcr.io/acme/app:buildcache",
    "cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
    "```",
    "",
    "(or `ghcr.io/acme/app-cache:buildcache`). Keep reading the old cache with `cache-from` until the new ref is filled; it costs one cold build at most.",
    "",
    "### Restore the tag",
    "",
    restore(o.lastGood),
    "",
    `tagguard closes this issue when a runnable image is published to \`ghcr.io/acme/app:latest\`. [About these incidents](${DOCS}incidents.md), and how to turn them off.`,
    "",
    MARKER,
    `<!-- tagguard:cache-digest ${CACHE} -->`,
    ...(o.lastGood ? [`<!-- tagguard:last-good ${o.lastGood} -->`] : []),
  ].join("\n");
}

/** "Decided by" when the registry at `host` decided and the tag still held the cache. */
export function fromRegistry(host: string): string {
  return `the registry (${host}), manifest fetched by digest; the tag still pointed at it when read again`;
}

/**
 * What the publish watcher reads and writes, in order, to open an incident for acme/app at `main` (the App's own
 * `GET /app` and installation token aside): `api` is the repository's API path, such as `/api/v3/repos/acme/app`.
 */
export function incidentCalls(api: string, main: string): string[] {
  return [
    `GET ${api}/issues?state=open&labels=tagguard-incident&per_page=100`,
    `GET ${api}/branches/main`,
    `GET ${api}/contents/.github%2Ftagguard.yml?ref=${main}`,
    // The workflows listed by name and size, then the chosen files read (at most the file cap).
    "POST /api/graphql",
    "POST /api/graphql",
    `GET ${api}/labels/tagguard-incident`,
    `POST ${api}/labels`,
    `POST ${api}/issues`,
  ];
}
