import type { VerifyReport } from "../../verify/index.js";
import { fenced, markdownText } from "../review/review.js";
import type { IncidentKind } from "./incident-issues.js";
import { type TagKey, tagRef } from "./incident.js";

/**
 * Incident issues for a published image whose files differ from its source (a stale layer). Pure: no I/O.
 *
 * Markers (HTML comments, invisible on GitHub):
 * - `<!-- tagguard:stale-incident image=<image> tag=<tag> -->` in the body: one open incident per image:tag;
 * - `<!-- tagguard:stale-digest <digest> -->` in the body and each repeat comment: digests already reported;
 * - `<!-- tagguard:verified <digest> -->` in the comment that closes the incident.
 */

const STALE_DIGEST = /<!-- tagguard:stale-digest (sha256:[a-f0-9]{64}) -->/g;
/** Differing or missing files listed in the issue; the rest are counted. */
export const MAX_LISTED_FILES = 50;

export function staleMarker(key: TagKey): string {
  return `<!-- tagguard:stale-incident image=${key.image} tag=${key.tag} -->`;
}

export const STALE_INCIDENT: IncidentKind = {
  hasMarker: (body, key) => (body ?? "").split("\n").some((line) => line.trim() === staleMarker(key)),
  title: (key) => `${tagRef(key)} ships files that differ from its source`,
  reportedDigests: (body) => [...(body ?? "").matchAll(STALE_DIGEST)].map((m) => m[1]!),
};

/** What was verified: the published image, the repository at the image's revision, and the mapping used. */
export interface VerifiedPublish {
  key: TagKey;
  /** The published digest (index or manifest). */
  digest: string;
  platform: string;
  manifestDigest: string;
  /** `https://github.com/<owner>/<repo>`. */
  repoUrl: string;
  revision: string;
  /** The build context, relative to the repository root (`.` for the root). */
  context: string;
  /** Dockerfile path relative to the repository root, when the mapping came from it. */
  dockerfile: string | undefined;
  /** `created_by` of each layer (image config history), by layer digest. */
  createdBy: ReadonlyMap<string, string>;
  report: VerifyReport;
}

function code(s: string): string {
  return `\`${s.replaceAll("`", "'").replaceAll("<!--", "&lt;!--")}\``;
}

function blobUrl(v: VerifiedPublish, repoPath: string, line?: number): string {
  const encoded = repoPath.split("/").map(encodeURIComponent).join("/");
  return `${v.repoUrl}/blob/${v.revision}/${encoded}${line === undefined ? "" : `#L${line}`}`;
}

function repoPath(v: VerifiedPublish, contextPath: string): string {
  return v.context === "." ? contextPath : `${v.context.replace(/\/+$/, "")}/${contextPath}`;
}

function imagePath(v: VerifiedPublish, relative: string): string {
  return v.report.path === "/" ? `/${relative}` : `${v.report.path}/${relative}`;
}

function fileList(v: VerifiedPublish): string {
  const c = v.report.comparison;
  const items = [
    ...c.differences.map((d) => `- [${code(repoPath(v, d.source))}](${blobUrl(v, repoPath(v, d.source))}) → ${code(imagePath(v, d.path))}: ${markdownText(d.detail, true)}`),
    ...c.missing.map((m) => `- [${code(repoPath(v, m.source))}](${blobUrl(v, repoPath(v, m.source))}) → ${code(imagePath(v, m.path))}: missing from the image`),
  ];
  const shown = items.slice(0, MAX_LISTED_FILES);
  if (items.length > shown.length) shown.push(`- … ${items.length - shown.length} more`);
  return shown.join("\n");
}

function layerSection(v: VerifiedPublish): string {
  const layers = [...new Set(v.report.comparison.differences.map((d) => d.layer))];
  if (layers.length === 0) return "The differing files are missing from the image, so no layer holds a stale copy.";
  const lines = layers.map((layer) => {
    const step = v.createdBy.get(layer);
    const copyLines = [...new Set(v.report.comparison.differences.filter((d) => d.layer === layer && d.line > 0).map((d) => d.line))];
    const dockerfile =
      v.dockerfile === undefined || copyLines.length === 0
        ? ""
        : `; the files come from ${copyLines.map((line) => `[${v.dockerfile}:${line}](${blobUrl(v, v.dockerfile!, line)})`).join(", ")}`;
    return `- ${code(layer)}${step === undefined ? "" : `, written by ${code(step)}`}${dockerfile}`;
  });
  return [`The stale ${layers.length === 1 ? "copy is" : "copies are"} in:`, lines.join("\n")].join("\n\n");
}

function comparedSection(v: VerifiedPublish): string {
  const c = v.report.comparison;
  const lines = [
    `- Image: ${code(`${v.key.image}@${v.digest}`)} (${v.platform}, manifest ${code(v.manifestDigest)})`,
    `- Source: [${code(v.revision.slice(0, 7))}](${v.repoUrl}/tree/${v.revision}), context ${code(v.context)}, mapping from ${code(v.report.mappingOrigin)}`,
    `- ${c.compared} file${c.compared === 1 ? "" : "s"} compared under ${code(v.report.path)}; ${c.onlyInImage.count} only in the image (made by the build, not a failure)`,
  ];
  for (const f of c.fromOtherStages) lines.push(`- Not compared: ${code(imagePath(v, f.dir))}, written by ${code(f.from)}`);
  if (v.report.runsAfterCopy.length > 0) {
    lines.push(`- Note: RUN instructions after the copy (lines ${v.report.runsAfterCopy.join(", ")}) may change copied files`);
  }
  return lines.join("\n");
}

function fixSection(): string {
  return [
    "Rebuild the image without the build cache, so every `COPY` reads the commit's files again: `no-cache: true` on `docker/build-push-action` for one run (or a cache bust: a changed build argument before the `COPY`). Then give each build call its own GitHub Actions cache scope, so build calls stop overwriting and serving each other's layers:",
    fenced("yaml", ["cache-from: type=gha,scope=${{ github.workflow }}-<build name>", "cache-to: type=gha,scope=${{ github.workflow }}-<build name>,mode=max"]),
  ].join("\n\n");
}

/** The issue body for a stale image; `docsBase` (see report/docs-url.ts) for the link to docs/incidents.md. */
export function staleIncidentBody(v: VerifiedPublish, docsBase: string): string {
  const c = v.report.comparison;
  const count = c.differences.length + c.missing.length;
  return [
    `**${code(tagRef(v.key))} ships files that are not the files of its revision.** The image records revision [${code(v.revision.slice(0, 7))}](${v.repoUrl}/commit/${v.revision}), but ${count} file${count === 1 ? "" : "s"} under ${code(v.report.path)} ${count === 1 ? "differs" : "differ"} from that commit: a build cache most likely served a stale layer. CI stayed green; the image runs old code.`,
    "### What differs",
    fileList(v),
    "### Where the stale copy is",
    layerSection(v),
    "### What was compared",
    comparedSection(v),
    "### Fix",
    fixSection(),
    `tagguard closes this issue when an image whose files match its revision is published to ${code(tagRef(v.key))}. [About these incidents](${docsBase}incidents.md#stale-image-incidents), and how to turn them off.`,
    [staleMarker(v.key), `<!-- tagguard:stale-digest ${v.digest} -->`].join("\n"),
  ].join("\n\n");
}

/** The comment for another stale image published to a tag with an open incident. */
export function staleRepeatComment(v: VerifiedPublish): string {
  return [
    `Another image published to ${code(tagRef(v.key))} differs from its revision [${code(v.revision.slice(0, 7))}](${v.repoUrl}/commit/${v.revision}): ${code(v.digest)}.`,
    fileList(v),
    `<!-- tagguard:stale-digest ${v.digest} -->`,
  ].join("\n\n");
}

/** The comment that closes the incident once a verified image is on the tag. */
export function staleResolvedComment(v: VerifiedPublish): string {
  return [
    `${code(tagRef(v.key))} now holds ${code(v.digest)}, whose ${v.report.comparison.compared} files under ${code(v.report.path)} match revision [${code(v.revision.slice(0, 7))}](${v.repoUrl}/commit/${v.revision}). Closing this incident.`,
    `<!-- tagguard:verified ${v.digest} -->`,
  ].join("\n\n");
}
