import type { ProbotOctokit } from "probot";
import type { AnalysisResult, Engine, SourceFile } from "./engine-port.js";
import type { PullRequestFile } from "./diff.js";
import type { PullRef } from "./posted.js";
import { type BlobCache, readRepositoryFiles } from "./repo-files.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface PullRequestAnalysis {
  /** The changed files as listed by GitHub (with their patches). */
  prFiles: PullRequestFile[];
  /** Every workflow-related file read at the head commit. */
  files: SourceFile[];
  result: AnalysisResult;
  /** Notes on what could not be read or listed, followed by the engine's notes. */
  notes: string[];
}

/**
 * Lists the changed files of a pull request and, when a workflow-related path is among them,
 * analyses every workflow-related file of the base repository at the head SHA (which also works for
 * forks). Returns undefined, after listing the files only, when nothing relevant changed.
 */
export async function analyzePullRequest(
  octokit: Octokit,
  pull: PullRef,
  head: { sha: string; changedFiles: number | undefined },
  engine: Engine,
  blobs: BlobCache,
): Promise<PullRequestAnalysis | undefined> {
  const prFiles: PullRequestFile[] = await octokit.paginate(octokit.rest.pulls.listFiles, { ...pull, per_page: 100 });
  const changedFiles = head.changedFiles ?? prFiles.length;
  const listComplete = prFiles.length >= changedFiles;
  const touched = prFiles.some(
    (f) => engine.isAnalyzablePath(f.filename) || (f.previous_filename !== undefined && engine.isAnalyzablePath(f.previous_filename)),
  );
  if (!touched && listComplete) return undefined;

  const read = await readRepositoryFiles(
    octokit,
    { owner: pull.owner, repo: pull.repo, sha: head.sha },
    {
      isAnalyzablePath: (p) => engine.isAnalyzablePath(p),
      referencedPaths: (files) => engine.referencedPaths(files),
      changedPaths: prFiles.filter((f) => f.status !== "removed" && engine.isAnalyzablePath(f.filename)).map((f) => f.filename),
      cache: blobs,
    },
  );
  const result = engine.analyze(read.files);
  const listNote = `GitHub lists only ${prFiles.length} of the ${changedFiles} changed files; findings in the others are listed here.`;
  return {
    prFiles,
    files: read.files,
    result,
    notes: [...(listComplete ? [] : [listNote]), ...read.notes, ...result.notes],
  };
}
