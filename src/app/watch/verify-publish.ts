import type { ProbotOctokit } from "probot";
import { globRegExp } from "../../config/glob.js";
import type { VerifyEntry } from "../../config/types.js";
import {
  type BlobStreamSource,
  cannotInspectReason,
  type ManifestSource,
  parsePlatform,
  resolveImageLayers,
} from "../../registry/index.js";
import {
  configuredMapping,
  contextFilter,
  type ContextFile,
  DEFAULT_DOWNLOAD_BUDGET,
  mapDockerfile,
  verifyImage,
  VerifyError,
} from "../../verify/index.js";
import { decodeBase64Text } from "../github/repo-files.js";
import type { StoreMemory } from "../runtime/memory.js";
import { describeError } from "../runtime/keyed.js";
import { positiveIntegerFromEnv } from "../runtime/queue.js";
import { IncidentIssues } from "./incident-issues.js";
import { type TagKey, tagRef } from "./incident.js";
import type { LinkedRepository, PublishedVersion } from "./package-event.js";
import { repositoryConfig } from "./publish-workflows.js";
import { STALE_INCIDENT, staleIncidentBody, staleRepeatComment, staleResolvedComment, type VerifiedPublish } from "./stale-incident.js";

type Octokit = InstanceType<typeof ProbotOctokit>;
interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Context entries read from the Git Trees API before verify gives up. */
export const MAX_TREE_ENTRIES = 200_000;
/** Git Trees API calls for one verification when the recursive listing is truncated. */
export const MAX_TREE_CALLS = 200;
/** Dockerfile and .dockerignore are read up to this size. */
export const MAX_TEXT_BLOB_BYTES = 1024 * 1024;
export const DEFAULT_VERIFY_TIMEOUT_MS = 600_000;
const REVISION = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface VerifyPublishDeps {
  /** The registry the watcher reads (never a host from the payload), streaming layers. */
  registry: ManifestSource & BlobStreamSource;
  botLogin(): Promise<string>;
  /** Stale-image incident numbers this process opened, per repository and image:tag. */
  incidents: StoreMemory<number>;
  /** The docs base incidents link (`TAGGUARD_DOCS_URL`, default the running version's docs). */
  docsBase: string;
  /** Compressed bytes one verification may download (default 2 GiB). */
  maxDownloadBytes: number;
  /** Time one verification may take (default 10 minutes). */
  timeoutMs: number;
}

/** The `verify:` entry of `.github/tagguard.yml` that names this image (and tag), if any. */
export function matchVerifyEntry(entries: readonly VerifyEntry[], image: string, tag: string): VerifyEntry | undefined {
  return entries.find((e) => globRegExp(e.image, { paths: false, ignoreCase: true }).test(e.image.includes(":") ? `${image}:${tag}` : image));
}

/**
 * After a runnable image is published: when the repository's `.github/tagguard.yml` (default branch) lists it under
 * `verify:`, proves the image's files under the entry's path are the repository's files at the image's revision
 * (the `org.opencontainers.image.revision` label or annotation), and runs the stale-image incident: a mismatch
 * opens one incident per image:tag (a comment on repeat; none when `incidents: false`), a verified image closes it.
 * Never throws: anything that stops the verification (no revision, a limit, an unreadable tree) is logged and
 * decides nothing.
 */
export async function verifyPublished(octokit: Octokit, repository: LinkedRepository, v: PublishedVersion, deps: VerifyPublishDeps, log: Log): Promise<void> {
  const { owner, repo } = repository;
  let entry: VerifyEntry | undefined;
  let incidentsOn: boolean;
  try {
    const config = await repositoryConfig(octokit, owner, repo);
    entry = matchVerifyEntry(config.verify, v.image, v.tag);
    incidentsOn = config.incidents;
  } catch (error) {
    log.warn({ error: describeError(error) }, "tagguard: cannot read .github/tagguard.yml; the image is not verified");
    return;
  }
  if (entry === undefined) return;
  const budget = AbortSignal.timeout(deps.timeoutMs);
  let verified: VerifiedPublish;
  try {
    const platform = entry.platform === undefined ? {} : { platform: parsePlatform(entry.platform) };
    const image = await resolveImageLayers(deps.registry, { name: v.name, reference: v.digest }, { signal: budget, budgetMs: deps.timeoutMs, ...platform });
    if (image.revision === undefined || !REVISION.test(image.revision)) {
      log.info(
        { revision: image.revision ?? null },
        "tagguard: the image records no commit revision (org.opencontainers.image.revision); not verified",
      );
      return;
    }
    const revision = image.revision;
    const tree = await readContextTree(octokit, owner, repo, revision, entry.context);
    const dockerignoreText = (await readTreeText(octokit, owner, repo, tree.all, `${entry.dockerfile}.dockerignore`)) ??
      (await readTreeText(octokit, owner, repo, tree.all, joinPath(entry.context, ".dockerignore")));
    let mapping;
    if (entry.map.length > 0) mapping = configuredMapping(entry.map);
    else {
      const dockerfile = await readTreeText(octokit, owner, repo, tree.all, entry.dockerfile);
      if (dockerfile === undefined) throw new VerifyError("mapping", `${entry.dockerfile} does not exist at ${revision}`);
      mapping = mapDockerfile(dockerfile, entry.path, { file: entry.dockerfile, ...(image.workingDir === undefined ? {} : { baseWorkdir: image.workingDir }) });
    }
    const inContext = contextFilter(dockerignoreText);
    const report = await verifyImage({
      layers: image.layers,
      open: (layer) => deps.registry.openBlob(v.name, layer, { signal: budget }),
      path: entry.path,
      context: tree.context.filter((f) => inContext(f.path)),
      mapping,
      limits: { maxDownloadBytes: deps.maxDownloadBytes, signal: budget },
    });
    verified = {
      key: { image: v.image, tag: v.tag },
      digest: v.digest,
      platform: image.platform,
      manifestDigest: image.manifestDigest,
      repoUrl: repository.htmlUrl,
      revision,
      context: entry.context,
      dockerfile: entry.map.length > 0 ? undefined : entry.dockerfile,
      createdBy: new Map(image.layers.flatMap((l, i) => (image.createdBy[i] === undefined ? [] : [[l.digest, image.createdBy[i]!] as const]))),
      report,
    };
  } catch (error) {
    const reason = budget.aborted
      ? `time budget of ${deps.timeoutMs} ms reached`
      : error instanceof VerifyError
        ? `${error.kind}: ${error.message}`
        : `${cannotInspectReason(error).kind}: ${cannotInspectReason(error).message}`;
    log.warn({ reason }, "tagguard: cannot verify the published image against its source; nothing is reported");
    return;
  }
  await runStaleIncident(octokit, repository, verified, incidentsOn, deps, log);
}

/** `incidentsOn` false (`incidents: false`): an open incident still gets comments and is closed, but none is opened. */
async function runStaleIncident(
  octokit: Octokit,
  repository: LinkedRepository,
  v: VerifiedPublish,
  incidentsOn: boolean,
  deps: VerifyPublishDeps,
  log: Log,
): Promise<void> {
  const key: TagKey = v.key;
  const c = v.report.comparison;
  const facts = { revision: v.revision, compared: c.compared, differences: c.differences.length, missing: c.missing.length, layersRead: v.report.layersRead, bytesRead: v.report.bytesRead };
  const incidents = new IncidentIssues(octokit, { owner: repository.owner, repo: repository.repo }, await deps.botLogin(), deps.incidents, STALE_INCIDENT);
  const open = await incidents.findOpen(key);
  if (c.identical) {
    log.info(facts, `tagguard: ${tagRef(key)} verified: its files match revision ${v.revision}`);
    if (open === undefined) return;
    await incidents.close(key, open.number, staleResolvedComment(v));
    log.info({ issue: open.number }, "tagguard: a verified image is on the tag; stale-image incident closed");
    return;
  }
  log.warn(facts, `tagguard: ${tagRef(key)} differs from revision ${v.revision}`);
  if (open !== undefined) {
    if (await incidents.hasReported(open, v.digest)) return;
    await incidents.comment(open.number, staleRepeatComment(v));
    log.info({ issue: open.number }, "tagguard: another stale image on the tag; commented on the open incident");
    return;
  }
  if (!incidentsOn) {
    log.info({}, "tagguard: incidents are turned off in the repository's .github/tagguard.yml; no stale-image incident");
    return;
  }
  const number = await incidents.open(key, staleIncidentBody(v, deps.docsBase));
  log.info({ issue: number }, "tagguard: opened a stale-image incident");
}

interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size: number | undefined;
}

/**
 * The repository's files at `revision` (Git Trees API, recursive, one call; when GitHub truncates the listing,
 * subtree by subtree), and the build context's files among them as git blobs (submodules left out).
 */
async function readContextTree(
  octokit: Octokit,
  owner: string,
  repo: string,
  revision: string,
  context: string,
): Promise<{ all: TreeEntry[]; context: ContextFile[] }> {
  let calls = 0;
  const list = async (sha: string, recursive: boolean): Promise<{ entries: TreeEntry[]; truncated: boolean }> => {
    calls += 1;
    if (calls > MAX_TREE_CALLS) throw new VerifyError("limit", `more than ${MAX_TREE_CALLS} Git Trees API calls for ${owner}/${repo}@${revision}`);
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha, ...(recursive ? { recursive: "1" } : {}) });
    const entries = data.tree.flatMap((e): TreeEntry[] =>
      e.path === undefined || e.mode === undefined || e.type === undefined || e.sha === undefined
        ? []
        : [{ path: e.path, mode: e.mode, type: e.type, sha: e.sha, size: e.size }],
    );
    return { entries, truncated: data.truncated };
  };
  const all: TreeEntry[] = [];
  const add = (entries: TreeEntry[], prefix: string): void => {
    for (const e of entries) {
      if (all.length >= MAX_TREE_ENTRIES) throw new VerifyError("limit", `${owner}/${repo}@${revision} lists more than ${MAX_TREE_ENTRIES} entries`);
      all.push({ ...e, path: prefix === "" ? e.path : `${prefix}/${e.path}` });
    }
  };
  const walk = async (sha: string, prefix: string): Promise<void> => {
    const whole = await list(sha, true);
    if (!whole.truncated) {
      add(whole.entries, prefix);
      return;
    }
    const top = await list(sha, false);
    add(top.entries.filter((e) => e.type !== "tree"), prefix);
    for (const dir of top.entries.filter((e) => e.type === "tree")) {
      const path = prefix === "" ? dir.path : `${prefix}/${dir.path}`;
      if (isWithin(path, context) || isWithin(context, path)) await walk(dir.sha, path);
    }
  };
  await walk(revision, "");
  const base = context === "." ? "" : context.replace(/^\.\/|\/+$/g, "");
  const files = all.flatMap((e): ContextFile[] => {
    if (e.type !== "blob" || (base !== "" && !e.path.startsWith(`${base}/`))) return [];
    const path = base === "" ? e.path : e.path.slice(base.length + 1);
    if (e.mode === "120000") return [{ path, kind: "symlink", executable: false, blob: e.sha }];
    return [{ path, kind: "file", executable: e.mode === "100755", blob: e.sha }];
  });
  return { all, context: files };
}

function isWithin(path: string, dir: string): boolean {
  const base = dir === "." ? "" : dir.replace(/^\.\/|\/+$/g, "");
  return base === "" || path === base || path.startsWith(`${base}/`);
}

function joinPath(dir: string, name: string): string {
  return dir === "." ? name : `${dir.replace(/\/+$/, "")}/${name}`;
}

/** A small text file of the tree (Dockerfile, .dockerignore) through the Git Blobs API; undefined when absent. */
async function readTreeText(octokit: Octokit, owner: string, repo: string, tree: TreeEntry[], path: string): Promise<string | undefined> {
  const normalized = path.replace(/^\.\//, "");
  const entry = tree.find((e) => e.type === "blob" && e.path === normalized);
  if (entry === undefined) return undefined;
  if ((entry.size ?? 0) > MAX_TEXT_BLOB_BYTES) throw new VerifyError("mapping", `${normalized} is larger than ${MAX_TEXT_BLOB_BYTES} bytes`);
  const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: entry.sha });
  const text = data.encoding === "base64" ? decodeBase64Text(data.content) : undefined;
  if (text === undefined) throw new VerifyError("mapping", `${normalized} is not UTF-8 text`);
  return text;
}

/** The verification limits for the App: `TAGGUARD_VERIFY_MAX_BYTES` and `TAGGUARD_VERIFY_TIMEOUT_MS`, else the defaults. */
export function verifyLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): Pick<VerifyPublishDeps, "maxDownloadBytes" | "timeoutMs"> {
  return {
    maxDownloadBytes: positiveIntegerFromEnv(env, "TAGGUARD_VERIFY_MAX_BYTES", DEFAULT_DOWNLOAD_BUDGET),
    timeoutMs: positiveIntegerFromEnv(env, "TAGGUARD_VERIFY_TIMEOUT_MS", DEFAULT_VERIFY_TIMEOUT_MS),
  };
}
