import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { parseConfig } from "../config/load.js";
import { CONFIG_PATH, type Config } from "../config/types.js";
import { analyze } from "../engine/index.js";
import { isBakePath, Project, type SourceFile } from "../engine/project.js";
import { type Finding, isBlocking } from "../report/finding.js";
import { toGithubCommands } from "../report/github.js";
import { toJson } from "../report/json.js";
import { toSarif } from "../report/sarif.js";
import { toText } from "../report/text.js";
import { LineIndex } from "../workflow/span.js";
import { MAX_FILE_BYTES } from "../workflow/yaml.js";
import { checkoutRepository, isRepositoryName } from "./git-remote.js";
import type { CliIo } from "./io.js";

const FORMATS = ["text", "json", "sarif", "github"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: tagguard lint [--format text|json|sarif|github] [--config FILE] [--repository OWNER/NAME] [PATH...]

PATH is a repository root (its .github/workflows and the local actions they use are read),
a directory of workflow files, or workflow/action files. Default: the current directory.
The configuration is PATH/${CONFIG_PATH} when PATH is a directory, or FILE.
--repository names the repository (as GitHub spells it) for github.repository and
github.repository_owner; by default it is read from PATH's git remote origin.
Formats: text (with snippets), json, sarif (2.1.0, for code scanning), github (workflow
command annotations for a GitHub Actions step).
Exit status: 0 no definite error, 1 at least one (a possible finding never fails),
2 usage error or unreadable input.`;

class UsageError extends Error {}

const MAX_DEPTH = 8;
const YAML = /\.ya?ml$/;

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

function readSource(abs: string, path: string, kind?: SourceFile["kind"]): SourceFile {
  const size = statSync(abs).size;
  if (size > MAX_FILE_BYTES) return { path, text: "", kind, oversized: true };
  return { path, text: readFileSync(abs, "utf8"), kind };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function yamlFilesUnder(dir: string, depth = 0): string[] {
  if (depth > MAX_DEPTH) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      if (e.isDirectory()) {
        if (e.name === "node_modules" || (e.name.startsWith(".") && e.name !== ".github")) return [];
        return yamlFilesUnder(join(dir, e.name), depth + 1);
      }
      return e.isFile() && YAML.test(e.name) ? [join(dir, e.name)] : [];
    });
}

/** Source files and the project they make, each file parsed once. */
interface Loaded {
  files: SourceFile[];
  project: Project;
}

/** Adds the local actions and reusable workflows the loaded files use, read from `root`. */
function withReferences(root: string, files: SourceFile[]): Loaded {
  const all = [...files];
  const project = new Project(all);
  const tried = new Set(all.map((f) => f.path));
  for (let round = 0; round < MAX_DEPTH; round++) {
    const wanted = project.missingReferences().filter((p) => !tried.has(p));
    if (wanted.length === 0) break;
    const added: SourceFile[] = [];
    for (const p of wanted) {
      tried.add(p);
      const abs = join(root, p);
      try {
        if (statSync(abs).isFile()) added.push(readSource(abs, p));
      } catch {
        continue;
      }
    }
    all.push(...added);
    project.add(added);
  }
  return { files: all, project };
}

/** The files one PATH argument stands for, with paths relative to it, and the project they make. */
function load(path: string): Loaded {
  const abs = resolve(path);
  if (isDir(abs)) {
    const workflows = join(abs, ".github", "workflows");
    if (isDir(workflows)) {
      const files = readdirSync(workflows)
        .filter((n) => YAML.test(n))
        .sort()
        .map((n) => readSource(join(workflows, n), `.github/workflows/${n}`));
      const bake = readdirSync(abs)
        .filter((n) => isBakePath(n) && !isDir(join(abs, n)))
        .sort()
        .map((n) => readSource(join(abs, n), n, "bake"));
      return withReferences(abs, [...files, ...bake]);
    }
    const files = yamlFilesUnder(abs).map((f) => {
      const rel = toPosix(relative(abs, f));
      return readSource(f, rel, /^action\.ya?ml$/.test(basename(f)) ? "action" : "workflow");
    });
    return withReferences(abs, files);
  }
  const kind = /^action\.ya?ml$/.test(basename(abs)) ? "action" : isBakePath(basename(abs)) ? "bake" : "workflow";
  const files = [readSource(abs, toPosix(path), kind)];
  return { files, project: new Project(files) };
}

/** The files one PATH argument stands for, with paths relative to it. */
export function collect(path: string): SourceFile[] {
  return load(path).files;
}

interface LintArgs {
  format: Format;
  paths: string[];
  config?: string;
  repository?: string;
}

function parseArgs(argv: string[]): LintArgs {
  let format: Format = "text";
  let config: string | undefined;
  let repository: string | undefined;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--format" || a.startsWith("--format=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!FORMATS.includes(v as Format)) throw new UsageError(`unknown format: ${v ?? "(missing)"}`);
      format = v as Format;
    } else if (a === "--config" || a.startsWith("--config=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!v) throw new UsageError("--config needs a file");
      config = v;
    } else if (a === "--repository" || a.startsWith("--repository=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!v || !isRepositoryName(v)) throw new UsageError(`--repository needs OWNER/NAME, not ${v ?? "nothing"}`);
      repository = v;
    } else if (a === "-h" || a === "--help") {
      throw new UsageError("");
    } else if (a.startsWith("-") && a !== "-") {
      throw new UsageError(`unknown option: ${a}`);
    } else {
      paths.push(a);
    }
  }
  return { format, paths: paths.length ? paths : ["."], ...(config ? { config } : {}), ...(repository ? { repository } : {}) };
}

/**
 * The configuration for one PATH: `--config FILE`, else `PATH/.github/tagguard.yml` when PATH is a
 * directory that has one. Its findings name the file as given (`.github/tagguard.yml` below PATH).
 */
export function readConfig(path: string, explicit: string | undefined): { config: Config; file: string; text: string } | undefined {
  const abs = explicit ? resolve(explicit) : join(resolve(path), CONFIG_PATH);
  if (!explicit && !(isDir(resolve(path)) && existsSync(abs))) return undefined;
  const text = readFileSync(abs, "utf8");
  const file = explicit ? toPosix(explicit) : CONFIG_PATH;
  return { config: parseConfig(text, file), file, text };
}

function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function render(format: Format, findings: Finding[], sources: Map<string, LineIndex>): string {
  switch (format) {
    case "json":
      return `${toJson(findings)}\n`;
    case "sarif":
      return `${toSarif(findings, toolVersion())}\n`;
    case "github":
      return toGithubCommands(findings);
    case "text":
      return toText(findings, sources);
  }
}

export function runLint(argv: string[], io: CliIo): number {
  let args: LintArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    const msg = (err as Error).message;
    io.stderr.write(msg ? `tagguard lint: ${msg}\n${USAGE}\n` : `${USAGE}\n`);
    return msg ? 2 : 0;
  }
  const findings: Finding[] = [];
  const sources = new Map<string, LineIndex>();
  for (const p of args.paths) {
    let loaded: Loaded;
    let config: ReturnType<typeof readConfig>;
    try {
      loaded = load(p);
      config = readConfig(p, args.config);
    } catch (err) {
      const { code, path } = err as NodeJS.ErrnoException;
      io.stderr.write(`tagguard lint: cannot read ${path ?? p}: ${code ?? (err as Error).message}\n`);
      return 2;
    }
    for (const f of loaded.files) sources.set(f.path, new LineIndex(f.text));
    if (config) sources.set(config.file, new LineIndex(config.text));
    const repository = args.repository ?? (isDir(p) ? checkoutRepository(p) : undefined);
    findings.push(...analyze(loaded.project, { ...(config ? { config: config.config } : {}), ...(repository ? { repository } : {}) }).findings);
  }
  io.stdout.write(render(args.format, findings, sources));
  return findings.some(isBlocking) ? 1 : 0;
}
