import dockerignoreModule from "@balena/dockerignore";
import type { CopyStep, SourceMapping } from "./dockerfile.js";
import { VerifyError } from "./errors.js";
import { isUnder, normalizeImagePath, relativeTo } from "./paths.js";

/** A file of the build context as git sees it: a git tree entry, or a file of a local directory hashed the same way. */
export interface ContextFile {
  /** Context-relative path, `/`-separated. */
  path: string;
  kind: "file" | "symlink";
  /** Git mode 100755 (or any execute bit on disk). */
  executable: boolean;
  /** Git blob SHA-1 (hex) of the content, or of the link target for a symlink. */
  blob: string;
}

/** What the image should hold under the path, by path relative to it. */
export interface ExpectedFile {
  kind: "file" | "symlink";
  executable: boolean;
  blob: string;
  /** Context path it comes from. */
  source: string;
  /** Dockerfile line of the COPY/ADD (0 for a configured mapping). */
  line: number;
  /** False when `--chmod` sets the mode. */
  modeFromSource: boolean;
}

export interface ExpectedTree {
  files: Map<string, ExpectedFile>;
  /** Directories under the path (relative to it) that another stage, a URL or a heredoc writes. */
  foreign: { dir: string; from: string; line: number }[];
}

// the package is CommonJS (`module.exports = factory`) and types itself as an ES default export
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/**
 * Reads `.dockerignore` text with Docker's matching rules (`@balena/dockerignore`: Go `filepath.Match` patterns,
 * `**`, `!` exceptions, a directory pattern excluding everything below it). Returns a predicate "is in the context".
 */
export function contextFilter(dockerignoreText: string | undefined): (path: string) => boolean {
  if (dockerignoreText === undefined) return () => true;
  const lines = dockerignoreText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const matcher = dockerignore().add(lines);
  return (path) => !matcher.ignores(path);
}

/**
 * Applies the mapping's steps in order to the context's files (already filtered by `.dockerignore`) and keeps what
 * lands under `path`. A later step overrides an earlier one; a foreign step (`COPY --from`, a URL, a heredoc)
 * replaces what was expected under its destination. Throws VerifyError `mapping` for a COPY source that matches
 * nothing in the context (the build itself would have failed).
 */
export function expectedTree(files: readonly ContextFile[], mapping: SourceMapping, path: string): ExpectedTree {
  const root = normalizeImagePath(path);
  const expected: ExpectedTree = { files: new Map(), foreign: [] };
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const step of mapping.steps) {
    if (step.kind === "foreign") {
      const dir = relativeTo(step.dest, root);
      for (const key of [...expected.files.keys()]) if (isUnder(key, dir)) expected.files.delete(key);
      expected.foreign.push({ dir, from: step.from, line: step.line });
      continue;
    }
    for (const source of step.sources) {
      const matches = /[*?[]/.test(source) ? globMatches(source, files) : [source];
      let found = false;
      for (const match of matches) {
        const file = byPath.get(match);
        if (file !== undefined) {
          found = true;
          // a file copied onto a directory (the path or a parent of it) lands inside it, as Docker does
          const intoDir = step.destIsDir || isUnder(root, step.dest);
          place(expected, step, root, intoDir ? `${step.dest}/${basename(match)}` : step.dest, file);
          continue;
        }
        for (const f of files) {
          if (match !== "" && !f.path.startsWith(`${match}/`)) continue;
          found = true;
          place(expected, step, root, `${step.dest}/${relativeTo(f.path, match)}`, f);
        }
      }
      if (!found) {
        const where = step.line === 0 ? mapping.origin : `${mapping.origin}:${step.line}`;
        throw new VerifyError("mapping", `${where}: ${source === "" ? "the context" : source} matches no file of the build context (after .dockerignore)`);
      }
    }
  }
  return expected;
}

function place(expected: ExpectedTree, step: Extract<CopyStep, { kind: "context" }>, root: string, dest: string, file: ContextFile): void {
  const name = normalizeImagePath(dest);
  if (!isUnder(name, root) || name === root) return;
  expected.files.set(relativeTo(name, root), {
    kind: file.kind,
    executable: file.executable,
    blob: file.blob,
    source: file.path,
    line: step.line,
    modeFromSource: !step.chmod,
  });
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Context paths (files, and the directories holding them) that a COPY wildcard source matches: Go
 * `filepath.Match` per path component (`*`, `?`, `[…]`), as BuildKit matches COPY sources.
 */
function globMatches(pattern: string, files: readonly ContextFile[]): string[] {
  const parts = pattern.split("/");
  const regexes = parts.map(componentRegex);
  const out = new Set<string>();
  for (const f of files) {
    const components = f.path.split("/");
    if (components.length < parts.length) continue;
    if (regexes.every((r, i) => r.test(components[i]!))) out.add(components.slice(0, parts.length).join("/"));
  }
  return [...out].sort();
}

function componentRegex(component: string): RegExp {
  let re = "";
  for (let i = 0; i < component.length; i += 1) {
    const c = component[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = component.indexOf("]", i + 1);
      if (end < 0) throw new VerifyError("mapping", `unterminated [ in COPY source pattern ${component}`);
      const body = component.slice(i + 1, end).replace(/^\^|^!/, "^").replace(/\\/g, "\\\\");
      re += `[${body}]`;
      i = end;
    } else if (c === "\\" && i + 1 < component.length) {
      i += 1;
      re += component[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
