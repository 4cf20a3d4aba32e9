import { lstatSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathMatcher } from "../config/glob.js";
import { parseConfig } from "../config/load.js";
import { CONFIG_PATH, type Config } from "../config/types.js";
import { analyze } from "../engine/index.js";
import type { SourceFile } from "../engine/project.js";
import type { Finding, Severity } from "../report/finding.js";
import { skipCommand, toGithubCommands } from "../report/github.js";
import { toJson } from "../report/json.js";
import { toSarif } from "../report/sarif.js";
import { sanitize, summaryLine, toText } from "../report/text.js";
import { decodeText } from "../workflow/decode.js";
import { LineIndex, type Span } from "../workflow/span.js";
import { MAX_FILE_BYTES } from "../workflow/yaml.js";
import { choice, parseOptions, UsageError } from "./args.js";
import { baselineFingerprints } from "./baseline.js";
import { planFixes } from "./fix.js";
import { checkoutRepository, isRepositoryName } from "./git-remote.js";
import type { CliIo } from "./io.js";
import { isDirectory, loadDirectory, loadFiles, repositoryRoot, type Unit } from "./load.js";
import { readCapped, RepoReader, toPosix } from "./read.js";

const FORMATS = ["text", "json", "sarif", "github"] as const;
const SEVERITIES = ["info", "warning", "error"] as const;
const FAIL_ON = ["error", "warning", "info", "never"] as const;
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export const LINT_USAGE = "usage: tagguard lint [options] [PATH...]";

export const LINT_HELP = `${LINT_USAGE}

Finds Docker build hazards in GitHub Actions workflows, local actions, bake and Compose files.

PATH (default: the current directory)
  a repository root   its .github/workflows, the local actions and reusable workflows they
                      use, and its docker-bake/compose files
  another directory   every YAML file below it
  a file              linted with its repository (the nearest directory above it with
                      .github or .git) as context; only the given files' findings are shown

Options
  -f, --format FORMAT     text (default), json, sarif (2.1.0, for code scanning) or github
                          (workflow command annotations in a GitHub Actions step)
  -c, --config FILE       configuration (default: PATH/${CONFIG_PATH})
      --repository OWNER/NAME
                          the repository as GitHub spells it, for github.repository and
                          github.repository_owner (default: the git remote origin of PATH)
      --min-severity SEV  show only findings of SEV or above: info (default), warning, error
      --fail-on SEV       exit 1 when a shown definite finding is SEV or above: error
                          (default), warning, info, never; a possible finding never fails
      --baseline FILE     show only findings whose fingerprints are not in FILE, the json or
                          sarif output of an earlier run
      --fix               apply the fixes that replace whole lines, print what changed, then
                          report what is left; files with a syntax error are never edited
      --error-on-empty    exit 2 when a PATH has no workflow, action, bake or Compose file
      --no-color          no colours (also NO_COLOR=1); colours are used only on a terminal
  -h, --help              this help

Files are read only when they are regular files of at most ${MAX_FILE_BYTES} bytes (UTF-8, or UTF-16
with or without a byte order mark), through links only when the link stays inside PATH. Any other
file is skipped with a note, and makes the exit status 1 unless the configuration's
ignore list names it.

Exit status
  0  no definite finding at or above --fail-on, no file skipped
  1  a definite finding at or above --fail-on, or a file that could not be analysed was skipped
  2  usage error, a PATH, --config or --baseline file that cannot be read, or --error-on-empty
`;

const OPTIONS = {
  format: { type: "string", short: "f" },
  config: { type: "string", short: "c" },
  repository: { type: "string" },
  "min-severity": { type: "string" },
  "fail-on": { type: "string" },
  baseline: { type: "string" },
  fix: { type: "boolean" },
  "error-on-empty": { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** A PATH, `--config` or `--baseline` file that cannot be read: exit status 2. */
class InputError extends Error {}

/** What went wrong in words, with the system's code for searching: `no such file or directory (ENOENT)`. */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a path component is not a directory",
  EISDIR: "it is a directory",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
};

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return (err as Error).message;
  return ERRNO_WORDS[code] ? `${ERRNO_WORDS[code]} (${code})` : code;
}

/** A file named on the command line, read with the same caps as repository files. */
function readArgumentFile(file: string): string {
  let bytes: ReturnType<typeof readCapped>;
  try {
    bytes = readCapped(resolve(file), MAX_FILE_BYTES);
  } catch (err) {
    throw new InputError(`cannot read ${resolve(file)}: ${errorCode(err)}`);
  }
  if (bytes === "oversized") throw new InputError(`cannot read ${file}: larger than ${MAX_FILE_BYTES} bytes`);
  if (bytes === "not-regular") throw new InputError(`cannot read ${file}: not a regular file`);
  const decoded = decodeText(bytes);
  if (decoded === undefined) throw new InputError(`cannot read ${file}: not UTF-8 or UTF-16 text`);
  return decoded.text;
}

/**
 * The configuration for a repository root: `--config FILE`, else `ROOT/.github/tagguard.yml` when it
 * exists. Its findings name the file as given (`.github/tagguard.yml` below the root).
 */
export function readConfig(root: string | RepoReader, explicit: string | undefined): { config: Config; file: string; text: string } | undefined {
  if (explicit) {
    const text = readArgumentFile(explicit);
    return { config: parseConfig(text, toPosix(explicit)), file: toPosix(explicit), text };
  }
  const reader = typeof root === "string" ? new RepoReader(root, MAX_FILE_BYTES) : root;
  const read = reader.read(CONFIG_PATH);
  return read === undefined ? undefined : { config: parseConfig(read.text, CONFIG_PATH), file: CONFIG_PATH, text: read.text };
}

/** The files a directory stands for, with paths relative to it. */
export function collect(dir: string): SourceFile[] {
  return loadDirectory(dir, MAX_FILE_BYTES).files;
}

/** The units the PATHs make: each directory, and the file PATHs grouped by repository. */
function loadPaths(paths: string[]): { path: string; unit: Unit }[] {
  const units: { path: string; unit: Unit }[] = [];
  const filesByRoot = new Map<string, string[]>();
  for (const p of paths) {
    try {
      lstatSync(p);
    } catch (err) {
      throw new InputError(`cannot read ${p}: ${errorCode(err)}`);
    }
    if (isDirectory(p)) units.push({ path: p, unit: loadDirectory(p, MAX_FILE_BYTES) });
    else {
      const root = repositoryRoot(p);
      const list = filesByRoot.get(root);
      if (list) list.push(p);
      else filesByRoot.set(root, [p]);
    }
  }
  for (const [root, files] of filesByRoot) units.push({ path: files.join(" "), unit: loadFiles(root, files, MAX_FILE_BYTES) });
  return units;
}

/** The same finding with every file renamed by `rename`. */
function relocate(f: Finding, rename: (file: string) => string): Finding {
  const span = (s: Span): Span => ({ ...s, file: rename(s.file) });
  return {
    ...f,
    primary: span(f.primary),
    related: f.related.map((r) => ({ ...r, span: span(r.span) })),
    hidden: f.hidden.map(span),
    ...(f.fix ? { fix: { ...f.fix, edits: f.fix.edits.map((e) => ({ ...e, span: span(e.span) })) } } : {}),
  };
}

interface Run {
  findings: Finding[];
  notes: string[];
  config: ReturnType<typeof readConfig>;
}

function analyzeUnit(unit: Unit, explicitConfig: string | undefined, explicitRepository: string | undefined): Run {
  const config = readConfig(unit.reader, explicitConfig);
  const repository = explicitRepository ?? checkoutRepository(unit.reader.root);
  const result = analyze(unit.project, { ...(config ? { config: config.config } : {}), ...(repository ? { repository } : {}) });
  const findings = unit.only
    ? result.findings.filter((f) => unit.only!.has(f.primary.file) || f.primary.file === config?.file)
    : result.findings;
  return { findings, notes: result.notes, config };
}

/** Applies `--fix` to one unit's files; returns whether a file changed and what to print (each change with its lines before and after). */
function fixUnit(unit: Unit, findings: Finding[], rename: (file: string) => string): { changed: boolean; lines: string[] } {
  const texts = new Map(unit.files.map((f) => [f.path, f.text]));
  const plan = planFixes(findings, texts, (file) => {
    const encoding = unit.reader.encodings.get(file);
    return encoding === "utf-8" || encoding === "utf-8-bom" ? undefined : "tagguard writes only UTF-8 files";
  });
  for (const [file, text] of plan.texts) {
    const bom = unit.reader.encodings.get(file) === "utf-8-bom" ? "\uFEFF" : "";
    writeFileSync(join(unit.reader.root, file), bom + text);
  }
  const fileOf = (f: Finding) => rename(f.fix?.edits[0]?.span.file ?? f.primary.file);
  const lines = [
    ...plan.applied.map(({ finding, replacement: r }) => {
      const range = r.endLine > r.startLine ? `${r.startLine}-${r.endLine}` : String(r.startLine);
      const diff = [...r.before.map((l) => `  - ${l}`), ...r.after.map((l) => `  + ${l}`)];
      return [`fixed ${fileOf(finding)}:${range} ${finding.ruleId}: ${finding.fix!.title}`, ...diff].join("\n");
    }),
    ...plan.refused.map(({ finding, reason }) => `not fixed ${fileOf(finding)}:${finding.primary.start.line} ${finding.ruleId}: ${reason}`),
  ];
  return { changed: plan.texts.size > 0, lines };
}

interface LintArgs {
  paths: string[];
  format: (typeof FORMATS)[number];
  minSeverity: Severity;
  failOn: (typeof FAIL_ON)[number];
  config?: string;
  repository?: string;
  baseline?: string;
  fix: boolean;
  errorOnEmpty: boolean;
  noColor: boolean;
  help: boolean;
}

function repositoryName(value: string): string {
  if (!isRepositoryName(value)) throw new UsageError(`--repository needs OWNER/NAME, not ${value}`);
  return value;
}

function parseLintArgs(argv: string[]): LintArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  return {
    paths: [...new Set(positionals.length ? positionals : ["."])],
    format: choice("format", values.format, FORMATS, "text"),
    minSeverity: choice("min-severity", values["min-severity"], SEVERITIES, "info"),
    failOn: choice("fail-on", values["fail-on"], FAIL_ON, "error"),
    ...(values.config === undefined ? {} : { config: values.config }),
    ...(values.repository === undefined ? {} : { repository: repositoryName(values.repository) }),
    ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
    fix: values.fix === true,
    errorOnEmpty: values["error-on-empty"] === true,
    noColor: values["no-color"] === true,
    help: values.help === true,
  };
}

/** One PATH's (or one repository's file PATHs') unit, analysed (after `--fix`, analysed again). */
interface Linted {
  path: string;
  unit: Unit;
  run: Run;
  /** Renames the unit's root-relative paths for output. */
  rename: (file: string) => string;
}

function lintPaths(args: LintArgs, fixLines: string[]): Linted[] {
  const cwd = realpathSync(process.cwd());
  return loadPaths(args.paths).map(({ path, unit }) => {
    const toCwd = (file: string) => toPosix(relative(cwd, join(unit.reader.root, file)));
    const relativeTo = args.paths.length === 1 && unit.only === undefined ? (file: string) => file : toCwd;
    // An explicit --config FILE is named as given.
    const rename = (file: string) => (args.config !== undefined && file === toPosix(args.config) ? file : relativeTo(file));
    const run = analyzeUnit(unit, args.config, args.repository);
    if (!args.fix) return { path, unit, run, rename };
    const fixed = fixUnit(unit, run.findings, rename);
    fixLines.push(...fixed.lines);
    if (!fixed.changed) return { path, unit, run, rename };
    const again = unit.only
      ? loadFiles(unit.reader.root, [...unit.only].map((f) => join(unit.reader.root, f)), MAX_FILE_BYTES)
      : loadDirectory(path, MAX_FILE_BYTES);
    return { path, unit: again, run: analyzeUnit(again, args.config, args.repository), rename };
  });
}

/** The findings, sources, notes and counts of all units, with files renamed for output. */
function gather(linted: Linted[]) {
  const notes: string[] = [];
  const sources = new Map<string, LineIndex>();
  const findings: Finding[] = [];
  let files = 0;
  /** Skipped files that fail the run, for the github format's annotations. */
  const failingSkips: { file: string; reason: string }[] = [];
  const empty: string[] = [];
  for (const { path, unit, run, rename } of linted) {
    files += unit.only?.size ?? unit.files.length;
    for (const f of unit.files) sources.set(rename(f.path), new LineIndex(f.text));
    if (run.config) sources.set(rename(run.config.file), new LineIndex(run.config.text));
    findings.push(...run.findings.map((f) => relocate(f, rename)));
    const ignored = pathMatcher(run.config?.config.ignore ?? []);
    for (const s of unit.reader.skipped) {
      const counted = s.analyzable && !ignored(s.path);
      notes.push(`note: ${rename(s.path)}: skipped, ${s.reason}${s.analyzable && !counted ? " (an ignored path)" : ""}`);
      if (counted) failingSkips.push({ file: rename(s.path), reason: s.reason });
    }
    // Engine notes start with the file they are about.
    const known = new Set(unit.files.map((f) => f.path));
    for (const n of run.notes) {
      const file = /^[^:]+/.exec(n)![0];
      if (unit.only && !unit.only.has(file)) continue;
      notes.push(`note: ${known.has(file) ? rename(file) + n.slice(file.length) : n}`);
    }
    if (unit.files.length === 0 && unit.reader.skipped.length === 0) empty.push(path);
  }
  notes.push(...empty.map((path) => `No workflow, action, bake or Compose file found under ${path}`));
  return { findings, sources, notes, files, failingSkips, empty: empty.length > 0 };
}

export function runLint(argv: string[], io: CliIo): number {
  const fail = (message: string): number => {
    io.stderr.write(`tagguard lint: ${sanitize(message)}\n`);
    return 2;
  };
  let args: LintArgs;
  try {
    args = parseLintArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return fail(`${err.message}\n${LINT_USAGE} (see tagguard lint --help)`);
  }
  if (args.help) {
    io.stdout.write(LINT_HELP);
    return 0;
  }

  let baseline: Set<string> | undefined;
  let linted: Linted[];
  const fixLines: string[] = [];
  try {
    if (args.baseline !== undefined) {
      try {
        baseline = baselineFingerprints(readArgumentFile(args.baseline));
      } catch (err) {
        throw err instanceof InputError ? err : new InputError(`--baseline ${args.baseline}: ${(err as Error).message}`);
      }
    }
    linted = lintPaths(args, fixLines);
  } catch (err) {
    if (err instanceof InputError) return fail(err.message);
    throw err;
  }

  const { findings, sources, notes, files, failingSkips, empty } = gather(linted);
  const skipped = failingSkips.length;
  const fresh = baseline ? findings.filter((f) => !baseline.has(f.fingerprint)) : findings;
  const shown = fresh.filter((f) => RANK[f.severity] >= RANK[args.minSeverity]);

  for (const line of [...fixLines, ...notes]) io.stderr.write(`tagguard lint: ${sanitize(line)}\n`);
  switch (args.format) {
    case "json":
      io.stdout.write(`${toJson(shown)}\n`);
      break;
    case "sarif":
      io.stdout.write(`${toSarif(shown, toolVersion())}\n`);
      break;
    case "github":
      io.stdout.write(toGithubCommands(shown));
      io.stdout.write(failingSkips.map((s) => skipCommand(s.file, `${s.file} was not analysed: skipped, ${s.reason}`)).join(""));
      break;
    case "text": {
      const color = io.stdout.isTTY === true && !args.noColor && !io.env.NO_COLOR && io.env.TERM !== "dumb";
      const width = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS) || 100;
      io.stdout.write(toText(shown, { sources, color, width }));
      const inBaseline = findings.length - fresh.length;
      io.stdout.write(summaryLine({ findings: shown, files, skipped, inBaseline, belowMinimum: fresh.length - shown.length }));
    }
  }
  if (empty && args.errorOnEmpty) return 2;
  const { failOn } = args;
  // A possible finding never fails the run (docs/confidence.md).
  const failing = failOn !== "never" && shown.some((f) => f.confidence === "definite" && RANK[f.severity] >= RANK[failOn]);
  return failing || skipped > 0 ? 1 : 0;
}

export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
