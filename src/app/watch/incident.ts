import { formatRef } from "../../docker/image-ref.js";
import type { ContainerMetadataManifest, Document } from "../../registry/index.js";
import type { Finding } from "../../report/finding.js";
import { fenced, markdownText, type Permalinks } from "../review/review.js";

/**
 * Incident issues for image tags that hold a BuildKit cache: the issue text and the hidden markers
 * that identify an incident and record what it has reported. Pure: no I/O.
 *
 * Markers (HTML comments, invisible on GitHub):
 * - `<!-- tagguard:incident image=<image> tag=<tag> -->` in the issue body: one open incident per image:tag;
 * - `<!-- tagguard:cache-digest <digest> -->` in the body and in each repeat comment: digests already reported;
 * - `<!-- tagguard:last-good <digest> -->` in the body: the last runnable digest seen on the tag when the
 *   incident was opened, so a restarted process can still name it in later comments;
 * - `<!-- tagguard:resolved <digest> -->` in the comment that closes the incident.
 */

/** An image tag as users pull it: `image` is `ghcr.io/<name>`. */
export interface TagKey {
  image: string;
  tag: string;
}

export function tagRef(key: TagKey): string {
  return `${key.image}:${key.tag}`;
}

export function incidentMarker(key: TagKey): string {
  return `<!-- tagguard:incident image=${key.image} tag=${key.tag} -->`;
}

export function hasIncidentMarker(body: string | null | undefined, key: TagKey): boolean {
  return (body ?? "").split("\n").some((line) => line.trim() === incidentMarker(key));
}

const CACHE_DIGEST = /<!-- tagguard:cache-digest (sha256:[a-f0-9]{64}) -->/g;
const LAST_GOOD = /<!-- tagguard:last-good (sha256:[a-f0-9]{64}) -->/;

/** Cache digests an incident body or comment says it reported. */
export function reportedDigests(body: string | null | undefined): string[] {
  return [...(body ?? "").matchAll(CACHE_DIGEST)].map((m) => m[1]);
}

/** The last runnable digest recorded in an incident body. */
export function lastGoodIn(body: string | null | undefined): string | undefined {
  return LAST_GOOD.exec(body ?? "")?.[1];
}

/** One descriptor line of the compact manifest view. */
export interface ViewEntry {
  role: "config" | "layer" | "entry";
  mediaType: string;
  digest: string;
  size: number | undefined;
}

/** A compact view of the published manifest: its media type and descriptors, annotations left out. */
export interface ManifestView {
  mediaType: string | undefined;
  digest: string;
  entries: ViewEntry[];
}

export function viewOfDocument(doc: Document, digest: string): ManifestView {
  const entries: ViewEntry[] =
    doc.kind === "index"
      ? doc.manifests.map((d) => ({ role: "entry", mediaType: d.mediaType, digest: d.digest, size: d.size }))
      : [
          { role: "config", mediaType: doc.config.mediaType, digest: doc.config.digest, size: doc.config.size },
          ...doc.layers.map((d): ViewEntry => ({ role: "layer", mediaType: d.mediaType, digest: d.digest, size: d.size })),
        ];
  return { mediaType: doc.mediaType, digest, entries };
}

/** The view the webhook's `container_metadata.manifest` summary gives; fields that are not strings are dropped. */
export function viewOfSummary(summary: unknown, digest: string): ManifestView {
  const s = (typeof summary === "object" && summary !== null ? summary : {}) as ContainerMetadataManifest;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const entry = (role: ViewEntry["role"], d: unknown): ViewEntry[] => {
    const o = (typeof d === "object" && d !== null ? d : {}) as { media_type?: unknown; digest?: unknown; size?: unknown };
    const mediaType = str(o.media_type);
    return mediaType === undefined ? [] : [{ role, mediaType, digest: str(o.digest) ?? "(no digest)", size: num(o.size) }];
  };
  return {
    mediaType: str(s.media_type),
    digest,
    entries: [...entry("config", s.config), ...(Array.isArray(s.layers) ? s.layers.flatMap((l) => entry("layer", l)) : [])],
  };
}

/** Descriptor lines shown in the compact view; the rest are counted. */
export const MAX_VIEW_ENTRIES = 10;

/** Payload and registry text: no HTML comments (they could forge a marker), no backticks breaking code spans. */
function code(s: string): string {
  return `\`${s.replaceAll("`", "'").replaceAll("<!--", "&lt;!--")}\``;
}

function size(n: number | undefined): string {
  return n === undefined ? "" : ` ${n} B`;
}

export function renderView(view: ManifestView): string {
  const shown = view.entries.slice(0, MAX_VIEW_ENTRIES);
  const width = Math.max(0, ...shown.map((e) => e.role.length));
  const lines = [
    `${view.mediaType ?? "(media type unknown)"} ${view.digest}`,
    ...shown.map((e) => `  ${e.role.padEnd(width)} ${e.mediaType} ${e.digest}${size(e.size)}`),
  ];
  const rest = view.entries.length - shown.length;
  if (rest > 0) lines.push(`  … ${rest} more`);
  return fenced("text", lines.map((l) => l.replaceAll("<!--", "&lt;!--")));
}

/** The distinct media types of the view, for the summary line. */
function mediaTypes(view: ManifestView): string {
  const parts: string[] = [];
  if (view.mediaType !== undefined) parts.push(code(view.mediaType));
  for (const role of ["config", "layer", "entry"] as const) {
    const types = [...new Set(view.entries.filter((e) => e.role === role).map((e) => e.mediaType))];
    if (types.length > 0) parts.push(`${role === "entry" ? "entries" : role === "layer" ? "layers" : "config"} ${types.map(code).join(", ")}`);
  }
  return parts.join("; ");
}

/** What decided the verdict, and what re-reading the tag showed. */
export type Evidence =
  | { source: "registry"; registryHost: string; recheck: Recheck }
  | { source: "payload"; registryHost: string; registryProblem: string };

/** The tag, read again just before reporting. */
export type Recheck =
  | { kind: "same" }
  | { kind: "other"; digest: string; description: string }
  | { kind: "unreadable"; reason: string };

function evidenceText(e: Evidence): string {
  if (e.source === "payload") {
    return `the manifest summary in GitHub's webhook payload; the registry (${e.registryHost}) could not be read (${markdownText(e.registryProblem, true)}), so the content and the tag were not re-checked`;
  }
  const recheck =
    e.recheck.kind === "same"
      ? "the tag still pointed at it when read again"
      : e.recheck.kind === "other"
        ? `the tag, read again, now points at ${code(e.recheck.digest)}, which is ${markdownText(e.recheck.description, true)}`
        : `the tag could not be read again (${markdownText(e.recheck.reason, true)})`;
  return `the registry (${e.registryHost}), manifest fetched by digest; ${recheck}`;
}

/** The repository's workflows on the default branch, as far as they explain the cache on the tag. */
export type WorkflowEvidence =
  | { kind: "read"; branch: string; sha: string; links: Permalinks; treeUrl: string; causes: Finding[] }
  | { kind: "unreadable"; reason: string };

export interface IncidentInput {
  key: TagKey;
  digest: string;
  view: ManifestView;
  evidence: Evidence;
  workflows: WorkflowEvidence;
  /** The last runnable digest seen on the tag, when known. */
  lastGood: string | undefined;
  /** The docs base (see report/docs-url.ts): the incident links docs/incidents.md. */
  docsBase: string;
}

export function incidentTitle(key: TagKey): string {
  return `${tagRef(key)} holds a BuildKit cache, not a runnable image`;
}

function causeSection(w: WorkflowEvidence, key: TagKey): string {
  if (w.kind === "unreadable") {
    return `tagguard could not read the repository's workflows (${markdownText(w.reason, true)}), so it cannot point at the step that exported the cache.`;
  }
  const at = `${code(w.branch)} (at [\`${w.sha.slice(0, 7)}\`](${w.treeUrl}))`;
  if (w.causes.length === 0) {
    return [
      `No workflow on ${at} exports a BuildKit registry cache to ${code(tagRef(key))}.`,
      "The cache may come from a workflow on another branch, from an older revision, or from a build outside GitHub Actions (`docker buildx build --cache-to …`).",
    ].join(" ");
  }
  const items = w.causes.map((f) => {
    const refs = (f.refs ?? []).map(formatRef).sort();
    const lines = [
      `- ${w.links.span(f.primary)} (${f.confidence}): exports the BuildKit registry cache to ${refs.map(code).join(" and ")}, also pushed as an image`,
    ];
    for (const r of f.related) lines.push(`  - ${w.links.span(r.span)}: ${markdownText(r.message, true)}`);
    return lines.join("\n");
  });
  return [`These cache exports in the workflows on ${at} write to this tag:`, items.join("\n")].join("\n\n");
}

function fixSection(key: TagKey): string {
  return [
    "Export the cache to a ref that is never pushed as an image: a dedicated tag, or better a separate repository. For `docker/build-push-action`:",
    fenced("yaml", [`cache-from: type=registry,ref=${key.image}:buildcache`, `cache-to: type=registry,ref=${key.image}:buildcache,mode=max`]),
    `(or \`${key.image}-cache:buildcache\`). Keep reading the old cache with \`cache-from\` until the new ref is filled; it costs one cold build at most.`,
  ].join("\n\n");
}

/** How to point the tag back at a runnable image. */
function restoreSection(key: TagKey, lastGood: string | undefined): string {
  if (lastGood !== undefined) {
    return [
      `The last runnable image tagguard saw on this tag is \`${lastGood}\`. Point the tag back at it:`,
      fenced("sh", [`docker buildx imagetools create -t ${tagRef(key)} ${key.image}@${lastGood}`]),
    ].join("\n\n");
  }
  return [
    "tagguard has not seen a runnable image on this tag, so it cannot name a good digest. Once the cache ref is fixed, re-run the workflow that publishes the tag, or point the tag at a known good digest from the package's version history:",
    fenced("sh", [`docker buildx imagetools create -t ${tagRef(key)} ${key.image}@<good digest>`]),
  ].join("\n\n");
}

export function incidentBody(input: IncidentInput): string {
  const { key } = input;
  return [
    `**${code(tagRef(key))} holds a BuildKit registry cache, not a runnable image.** The version published to this tag is a cache manifest, which no container runtime can run.`,
    "### What was found",
    [`- Digest: \`${input.digest}\``, `- Media types: ${mediaTypes(input.view)}`, `- Decided by: ${evidenceText(input.evidence)}`].join("\n"),
    renderView(input.view),
    "### Impact",
    [
      `Pulling or deploying ${code(tagRef(key))} fails until the tag points at an image again:`,
      "",
      "- `docker pull` / `docker run`: `unsupported media type application/vnd.buildkit.cacheconfig.v0`, or `manifest unknown` for the index form older BuildKit versions export",
      "- Azure App Service and other platforms that pull the tag: `ContainerCreateFailure`",
    ].join("\n"),
    "### Likely cause",
    causeSection(input.workflows, key),
    "### Fix",
    fixSection(key),
    "### Restore the tag",
    restoreSection(key, input.lastGood),
    `tagguard closes this issue when a runnable image is published to ${code(tagRef(key))}. [About these incidents](${input.docsBase}incidents.md), and how to turn them off.`,
    [
      incidentMarker(key),
      `<!-- tagguard:cache-digest ${input.digest} -->`,
      ...(input.lastGood === undefined ? [] : [`<!-- tagguard:last-good ${input.lastGood} -->`]),
    ].join("\n"),
  ].join("\n\n");
}

/** The comment for another cache published to a tag that already has an open incident. */
export function repeatComment(key: TagKey, digest: string, evidence: Evidence, lastGood: string | undefined): string {
  return [
    `Another BuildKit cache was published to ${code(tagRef(key))}: \`${digest}\` (decided by ${evidenceText(evidence)}). The tag is still not runnable.`,
    restoreSection(key, lastGood),
    `<!-- tagguard:cache-digest ${digest} -->`,
  ].join("\n\n");
}

/** The comment that closes an incident once a runnable image is on the tag again. */
export function resolvedComment(key: TagKey, digest: string, platforms: string[], source: "registry" | "payload"): string {
  const where = platforms.length > 0 ? ` (${platforms.join(", ")})` : "";
  const by = source === "registry" ? "the registry" : "the manifest summary in GitHub's webhook payload (the registry could not be read)";
  return [
    `${code(tagRef(key))} holds a runnable image again: \`${digest}\`${where}, decided by ${by}. Closing this incident.`,
    `<!-- tagguard:resolved ${digest} -->`,
  ].join("\n\n");
}
