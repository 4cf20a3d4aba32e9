import type { Context, ProbotOctokit } from "probot";
import { type Config, CONFIG_PATH, configFromValue, defaultConfig, parseConfig } from "../../config/index.js";
import type { AnalysisResult, Engine, SourceFile } from "../runtime/engine-port.js";
import type { PullRequestFile } from "./diff.js";
import { type ConfigFile, type PullSnapshot, readRepositoryFiles, type RepoRevision } from "../github/repo-files.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export type PullRef = {
  owner: string;
  repo: string;
  pull_number: number;
};

export interface ChangedFiles {
  /** The changed files as listed by GitHub (with their patches). */
  prFiles: PullRequestFile[];
  /** A workflow-related path changed, or GitHub's list is incomplete (so one may have). */
  relevant: boolean;
  /** Why the list is incomplete, when it is. */
  notes: string[];
}

export interface RepoConfig {
  /** The configuration in effect: the file's, or the defaults when it is missing or invalid. */
  config: Config;
  /** What is wrong with the file, one line each (empty when it is valid or missing). */
  problems: string[];
}

/** A top-level `_extends:` key: the file inherits from another repository's configuration. */
const EXTENDS = /^_extends\s*:/m;

function hasHttpStatus(err: unknown): boolean {
  return typeof err === "object" && err !== null && typeof (err as { status?: unknown }).status === "number";
}

/** The first line of an error's message, and of its cause's, without the library's prefix. */
function reasonOf(err: unknown): string {
  const line = (e: unknown) =>
    (e instanceof Error ? e.message : String(e))
      .split("\n")[0]
      .replace(/^\[@probot\/octokit-plugin-config\]\s*/, "")
      .replace(/:$/, "");
  const cause = err instanceof Error && err.cause !== undefined ? `: ${line(err.cause)}` : "";
  return `${line(err)}${cause}`;
}

/** The problems a parsed configuration reports, one line each, named after the file. */
function problemsOf(config: Config): RepoConfig {
  const { diagnostics, ...rest } = config;
  const named = (message: string) => (message.startsWith(CONFIG_PATH) ? message : `${CONFIG_PATH}: ${message}`);
  return {
    config: { ...rest, diagnostics: [] },
    problems: diagnostics.flatMap((d) => [d.message, ...d.related.map((r) => r.message)]).map(named),
  };
}

/**
 * The configuration in effect, from `.github/tagguard.yml` as read from the default branch (see
 * `readRepositoryFiles`): the repository's own file, or else the owner's `.github` repository's, so a
 * pull request cannot change the rules it is checked by. A file that uses `_extends` is read again
 * through Probot's `context.config`, which follows and merges it. A file that cannot be parsed or is
 * invalid gives the defaults and a problem to report; a failed request is thrown (retried like any other).
 *
 * The problems are reported as one "Configuration" message in the check run and the review, not as
 * findings: the file is the default branch's (or another repository's), so its positions would point
 * into a file other than the head commit being annotated, and a mistake in it is not the pull
 * request's to fix, so it must not fail every pull request's check (including the one that fixes it).
 */
export async function loadRepoConfig(file: ConfigFile | undefined, context: Pick<Context, "config">): Promise<RepoConfig> {
  if (!file) return { config: defaultConfig(), problems: [] };
  const ignored = `${CONFIG_PATH} could not be read, so tagguard ignores it and uses its defaults`;
  if ("problem" in file) return { config: defaultConfig(), problems: [`${ignored}: ${file.problem}`] };
  if (!EXTENDS.test(file.text)) return problemsOf(parseConfig(file.text));
  let value: unknown;
  try {
    value = await context.config("tagguard.yml");
  } catch (err) {
    if (hasHttpStatus(err)) throw err;
    return { config: defaultConfig(), problems: [`${ignored}: ${reasonOf(err)}`] };
  }
  return problemsOf(configFromValue(value));
}

/** Lists the changed files of a pull request and tells whether any workflow-related path is among them. */
export async function listChangedFiles(
  octokit: Octokit,
  pull: PullRef,
  changedFiles: number | undefined,
  engine: Engine,
): Promise<ChangedFiles> {
  const prFiles: PullRequestFile[] = await octokit.paginate(octokit.rest.pulls.listFiles, { ...pull, per_page: 100 });
  const expected = changedFiles ?? prFiles.length;
  const listComplete = prFiles.length >= expected;
  const touched = prFiles.some(
    (f) => engine.isAnalyzablePath(f.filename) || (f.previous_filename !== undefined && engine.isAnalyzablePath(f.previous_filename)),
  );
  return {
    prFiles,
    relevant: touched || !listComplete,
    notes: listComplete ? [] : [`GitHub lists only ${prFiles.length} of the ${expected} changed files; findings in the others are listed here.`],
  };
}

/** Analyzable paths a pull request adds or modifies. */
export function changedAnalyzablePaths(prFiles: readonly PullRequestFile[], engine: Engine): string[] {
  return prFiles.filter((f) => f.status !== "removed" && engine.isAnalyzablePath(f.filename)).map((f) => f.filename);
}

export interface RevisionAnalysis {
  /** Every workflow-related file read at the revision. */
  files: SourceFile[];
  result: AnalysisResult;
  /** Notes on what could not be read, followed by the engine's notes. */
  notes: string[];
  /** What is wrong with `.github/tagguard.yml` (see `loadRepoConfig`). */
  configProblems: string[];
  /** The pull request as read with the files, when one was given. */
  pull?: PullSnapshot;
}

/** What to read besides the files: the pull request, and where `_extends` configurations are followed. */
export interface RevisionContext {
  config: Pick<Context, "config">;
  /** Analyzable paths the pull request adds or modifies (read wherever they are). */
  changedPaths: readonly string[];
  pull?: number;
}

/**
 * Reads the configuration and every workflow-related file of the base repository at one commit (the
 * head SHA of a pull request, which also works for forks) and analyses them.
 */
export async function analyzeRevision(octokit: Octokit, rev: RepoRevision, engine: Engine, context: RevisionContext): Promise<RevisionAnalysis> {
  const read = await readRepositoryFiles(octokit, rev, {
    isAnalyzablePath: (p) => engine.isAnalyzablePath(p),
    referencedPaths: (files) => engine.referencedPaths(files),
    changedPaths: context.changedPaths,
    config: true,
    ...(context.pull === undefined ? {} : { pull: context.pull }),
  });
  const { config, problems } = await loadRepoConfig(read.config, context.config);
  const result = await engine.analyze(read.files, { config, repository: `${rev.owner}/${rev.repo}` });
  return {
    files: read.files,
    result,
    notes: [...read.notes, ...result.notes],
    configProblems: problems,
    ...(read.pull ? { pull: read.pull } : {}),
  };
}
