import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { isBakePath, Project, type SourceFile } from "../engine/project.js";
import { RepoReader, toPosix } from "./read.js";

const MAX_DEPTH = 8;
const YAML = /\.ya?ml$/;

/**
 * What is analysed together: a directory PATH, or the repository around one or more file PATHs. Paths
 * inside are relative to `reader.root`.
 */
export interface Unit {
  reader: RepoReader;
  files: SourceFile[];
  project: Project;
  /** For file PATHs: the only files whose findings are reported. */
  only?: Set<string>;
}

function kindOfName(name: string): SourceFile["kind"] {
  return /^action\.ya?ml$/.test(name) ? "action" : isBakePath(name) ? "bake" : "workflow";
}

function source(reader: RepoReader, path: string, kind?: SourceFile["kind"]): SourceFile[] {
  const read = reader.read(path);
  return read === undefined ? [] : [{ path, text: read.text, kind }];
}

/**
 * Every YAML file below `dir`, skipping `node_modules` and hidden directories other than `.github`. Each
 * directory is read once, however many links lead to it.
 */
function yamlFilesUnder(reader: RepoReader, dir: string, depth = 0, seen = new Set<string>()): string[] {
  const real = reader.realDir(dir);
  if (depth > MAX_DEPTH || seen.has(real)) return [];
  seen.add(real);
  const { dirs, others } = reader.list(dir);
  const files = others.filter((n) => YAML.test(n)).map((n) => toPosix(join(dir, n)));
  const below = dirs
    .filter((n) => n !== "node_modules" && (!n.startsWith(".") || n === ".github"))
    .flatMap((n) => yamlFilesUnder(reader, join(dir, n), depth + 1, seen));
  return [...files, ...below].sort((a, b) => a.localeCompare(b));
}

/**
 * The files a directory stands for: a repository's workflows and the bake and Compose files at its top, or every
 * YAML file below it and the bake files (HCL, JSON) at its top, which bake reads by default.
 */
function directoryFiles(reader: RepoReader): SourceFile[] {
  const top = reader.list("").others.filter((n) => isBakePath(n));
  if (reader.isDir(".github/workflows")) {
    const { dirs, others } = reader.list(".github/workflows");
    const workflows = [...dirs, ...others]
      .filter((n) => YAML.test(n))
      .sort()
      .flatMap((n) => source(reader, `.github/workflows/${n}`));
    return [...workflows, ...top.flatMap((n) => source(reader, n, "bake"))];
  }
  const yaml = yamlFilesUnder(reader, "").flatMap((p) => source(reader, p, kindOfName(basename(p))));
  return [...yaml, ...top.filter((n) => !YAML.test(n)).flatMap((n) => source(reader, n, "bake"))];
}

/** Adds the local actions and reusable workflows the files use, each file parsed once. */
function withReferences(reader: RepoReader, files: SourceFile[]): { files: SourceFile[]; project: Project } {
  const all = [...files];
  const project = new Project(all);
  const tried = new Set(all.map((f) => f.path));
  for (let round = 0; round < MAX_DEPTH; round++) {
    const wanted = project.missingReferences().filter((p) => !tried.has(p));
    if (wanted.length === 0) break;
    for (const p of wanted) tried.add(p);
    const added = wanted.flatMap((p) => source(reader, p));
    all.push(...added);
    project.add(added);
  }
  return { files: all, project };
}

/** The repository a file belongs to: the nearest directory above it with `.github` or `.git`, else its own directory. */
export function repositoryRoot(file: string): string {
  const start = dirname(resolve(file));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".github")) || existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

export function loadDirectory(path: string, maxBytes: number): Unit {
  const reader = new RepoReader(path, maxBytes);
  return { reader, ...withReferences(reader, directoryFiles(reader)) };
}

/**
 * File PATHs of one repository: the repository's workflows and bake files (when it has
 * `.github/workflows`) and the local actions and reusable workflows they use are read as context, the
 * given files with the kind their names say, and only their findings are reported.
 */
export function loadFiles(root: string, paths: string[], maxBytes: number): Unit {
  const reader = new RepoReader(root, maxBytes);
  const given = paths.map((p) => toPosix(relative(reader.root, join(realpathSync(dirname(resolve(p))), basename(p)))));
  const context = reader.isDir(".github/workflows") ? directoryFiles(reader).filter((f) => !given.includes(f.path)) : [];
  const files = given.flatMap((p) => source(reader, p, kindOfName(basename(p))));
  return { reader, ...withReferences(reader, [...files, ...context]), only: new Set(given) };
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
