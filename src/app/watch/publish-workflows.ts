import type { ProbotOctokit } from "probot";
import { compareRefs, type ImageRef, isRefError, parseImageRef } from "../../docker/image-ref.js";
import { cacheTagMatcher } from "../../config/cache-tags.js";
import { parseConfig } from "../../config/load.js";
import { type Config, CONFIG_PATH } from "../../config/types.js";
import { type ImageRefUsage, refRole } from "../../engine/image-refs.js";
import cacheOverwritesTag from "../../rules/cache-overwrites-tag.js";
import type { Engine, SourceFile } from "../runtime/engine-port.js";
import type { WorkflowEvidence } from "./incident.js";
import type { LinkedRepository } from "./package-event.js";
import { decodeBase64Text, readRepositoryFiles } from "../github/repo-files.js";
import { Permalinks } from "../review/review.js";
import { describeError } from "../runtime/keyed.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface WorkflowReader {
  engine: Engine;
  /** The pushed and cache refs of the workflows (`imageRefUsage` from the engine). */
  refUsage(files: SourceFile[]): ImageRefUsage;
}

export type WorkflowFindings =
  /** `incidents: false` in the repository's `.github/tagguard.yml`: nothing was examined. */
  | { incidents: false }
  | {
      incidents: true;
      evidence: WorkflowEvidence;
      /** Why the tag is a dedicated cache tag, when the repository says it is. */
      dedicatedCacheTag?: string;
      /** Why the workflows could not be read, for the log. */
      error?: unknown;
    };

/** `ghcr.io/<name>:<tag>` as the analyzer compares refs. */
export function imageRefOf(image: string, tag: string): ImageRef {
  const ref = parseImageRef(`${image}:${tag}`);
  if (isRefError(ref)) throw new TypeError(ref.error);
  return ref;
}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: unknown }).status === 404;
}

/** The repository's `.github/tagguard.yml` at `ref` (the default branch without one), parsed; the defaults without one, or for an invalid one. */
export async function repositoryConfig(octokit: Octokit, owner: string, repo: string, ref?: string): Promise<Config> {
  let text: string | undefined;
  try {
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: CONFIG_PATH, ...(ref === undefined ? {} : { ref }) });
    if (!Array.isArray(data) && data.type === "file" && data.encoding === "base64") text = decodeBase64Text(data.content);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return parseConfig(text ?? "");
}

/**
 * Reads the repository's `.github/tagguard.yml` and every workflow-related file at the head of its
 * default branch and analyses them: the `cache-overwrites-tag` findings whose overwritten refs may be
 * `target` are the likely cause. Nothing more is read when the configuration turns incidents off. The
 * tag is a dedicated cache tag when the workflows use it only as a cache ref, or when it matches
 * `cacheTags`. A failure to read is returned as `unreadable` (the incident is still worth opening),
 * never thrown.
 */
export async function examineWorkflows(
  octokit: Octokit,
  repository: LinkedRepository,
  target: ImageRef,
  reader: WorkflowReader,
): Promise<WorkflowFindings> {
  const { owner, repo } = repository;
  try {
    const branch = repository.defaultBranch ?? (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
    const { data } = await octokit.rest.repos.getBranch({ owner, repo, branch });
    const sha = data.commit.sha;
    const config = await repositoryConfig(octokit, owner, repo, sha);
    if (!config.incidents) return { incidents: false };
    const read = await readRepositoryFiles(
      octokit,
      { owner, repo, sha },
      {
        isAnalyzablePath: (p) => reader.engine.isAnalyzablePath(p),
        referencedPaths: (files) => reader.engine.referencedPaths(files),
        changedPaths: [],
      },
    );
    const causes = (await reader.engine.analyze(read.files, { repository: `${owner}/${repo}` })).findings.filter((f) => f.ruleId === cacheOverwritesTag.meta.id && (f.refs ?? []).some((r) => compareRefs(r, target) !== "never"));
    const evidence: WorkflowEvidence = {
      kind: "read",
      branch,
      sha,
      links: new Permalinks(repository.htmlUrl, sha),
      treeUrl: `${repository.htmlUrl}/tree/${sha}`,
      causes,
    };
    if (causes.length === 0 && refRole(reader.refUsage(read.files), target) === "cache-only") {
      return { incidents: true, evidence, dedicatedCacheTag: "the workflows use it only as a cache ref and never push it as an image" };
    }
    if (cacheTagMatcher(config.cacheTags)(target.tag ?? "latest", `${target.host}/${target.repository}`)) {
      return { incidents: true, evidence, dedicatedCacheTag: `it matches cacheTags in ${CONFIG_PATH}` };
    }
    return { incidents: true, evidence };
  } catch (error) {
    const { status } = describeError(error);
    const reason = typeof status === "number" ? `the GitHub API answered ${status}` : "an internal error; see the App's log";
    return { incidents: true, evidence: { kind: "unreadable", reason }, error };
  }
}
