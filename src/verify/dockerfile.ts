import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { VerifyError } from "./errors.js";
import { isUnder, normalizeImagePath } from "./paths.js";

/** One way files reach the image: copied from the build context, or written by something else (another stage, a URL, a heredoc). */
export type CopyStep =
  | {
      kind: "context";
      /** 1-based Dockerfile line (0 for a configured mapping). */
      line: number;
      /** Context-relative sources, normalised (`""` is the whole context); may hold `*`, `?`, `[…]` wildcards. */
      sources: string[];
      /** Destination, normalised absolute path without the leading slash. */
      dest: string;
      /** The destination is a directory (ends in `/`, several sources or a wildcard). */
      destIsDir: boolean;
      /** `--chmod` given: modes are set by the instruction, not taken from the source. */
      chmod: boolean;
    }
  | { kind: "foreign"; line: number; dest: string; from: string };

export interface SourceMapping {
  steps: CopyStep[];
  /** Where the mapping came from, for reports: `Dockerfile:12` or `config`. */
  origin: string;
  /** Lines of RUN instructions after the first copy into the path: they may change copied files. */
  runsAfterCopy: number[];
}

/** A configured mapping entry: context path `from` lands at image path `to` (`COPY from to`). */
export interface MappingEntry {
  from: string;
  to: string;
}

/** A mapping given in configuration or with `--map`: the Dockerfile is not read. */
export function configuredMapping(entries: readonly MappingEntry[]): SourceMapping {
  return {
    origin: "config",
    runsAfterCopy: [],
    steps: entries.map((e) => ({
      kind: "context",
      line: 0,
      sources: [normalizeImagePath(e.from)],
      dest: normalizeImagePath(e.to),
      destIsDir: e.to.endsWith("/"),
      chmod: false,
    })),
  };
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

/**
 * Maps the final stage of `dockerfile` (with the stages it is built `FROM`) onto `path`: every `COPY`/`ADD` from the
 * build context, in order, and every other write into the path. WORKDIR is followed for relative destinations
 * (`baseWorkdir` is the image's `WorkingDir`, used when the stages set none). Refuses to guess (VerifyError
 * `mapping`) when something other than the context writes the path itself or a parent of it, or when a source or
 * destination uses a variable tagguard cannot resolve.
 */
export function mapDockerfile(dockerfile: string, path: string, options: { file?: string; baseWorkdir?: string } = {}): SourceMapping {
  const file = options.file ?? "Dockerfile";
  const root = normalizeImagePath(path);
  const parsed = DockerfileParser.parse(dockerfile);
  const froms = parsed.getFROMs();
  if (froms.length === 0) throw new VerifyError("mapping", `${file} has no FROM instruction`);
  const instructions = parsed.getInstructions();
  const stageStarts = froms.map((f) => f.getRange().start.line);
  const stageOf = (index: number) => ({
    name: froms[index]!.getBuildStage()?.toLowerCase(),
    base: froms[index]!.getImageName()?.toLowerCase(),
    body: instructions.filter((i) => {
      const line = i.getRange().start.line;
      return line > stageStarts[index]! && (index + 1 >= stageStarts.length || line < stageStarts[index + 1]!);
    }),
  });
  // the final stage, preceded by the stages it is built FROM (FROM builder)
  const chain: Instruction[][] = [];
  const seen = new Set<number>();
  for (let index = froms.length - 1; index >= 0 && !seen.has(index); ) {
    seen.add(index);
    const stage = stageOf(index);
    chain.unshift(stage.body);
    const parent = froms.findIndex((_, j) => j < index && stageOf(j).name !== undefined && stageOf(j).name === stage.base);
    index = parent;
  }
  const variables = new Map<string, string>();
  // the image's WorkingDir is the stages' last WORKDIR; it tells the start only when the stages set none
  const setsWorkdir = chain.some((body) => body.some((i) => i.getKeyword() === "WORKDIR"));
  let workdir: string | undefined =
    setsWorkdir || options.baseWorkdir === undefined ? undefined : normalizeImagePath(options.baseWorkdir);
  const steps: CopyStep[] = [];
  const runsAfterCopy: number[] = [];
  const where = (i: Instruction) => `${file}:${i.getRange().start.line + 1}`;
  const expand = (i: Instruction, text: string): string =>
    text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced?: string, fallback?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const value = variables.get(name) ?? fallback;
      if (value === undefined) {
        throw new VerifyError("mapping", `${where(i)} uses $${name}, whose value is not set in the Dockerfile; give the mapping explicitly`);
      }
      return value;
    });
  const resolveDest = (i: Instruction, raw: string): string => {
    const text = expand(i, raw);
    if (text.startsWith("/")) return normalizeImagePath(text);
    if (workdir === undefined) {
      throw new VerifyError("mapping", `${where(i)} copies to the relative path ${raw} and the working directory is unknown; give the mapping explicitly`);
    }
    return normalizeImagePath(`${workdir}/${text}`);
  };
  for (const body of chain) {
    for (const i of body) {
      const keyword = i.getKeyword();
      if (keyword === "ARG" || keyword === "ENV") {
        for (const property of (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties()) {
          const value = property.getValue();
          if (value !== null) variables.set(property.getName(), value);
        }
      } else if (keyword === "WORKDIR") {
        const arg = i.getArguments()[0]?.getValue() ?? "/";
        const text = expand(i, arg);
        workdir = text.startsWith("/") ? normalizeImagePath(text) : workdir === undefined ? undefined : normalizeImagePath(`${workdir}/${text}`);
      } else if (keyword === "RUN") {
        if (steps.some((s) => s.kind === "context" && (isUnder(s.dest, root) || isUnder(root, s.dest)))) runsAfterCopy.push(i.getRange().start.line + 1);
      } else if (keyword === "COPY" || keyword === "ADD") {
        steps.push(copyStep(i, keyword, where(i), expand, resolveDest));
      }
    }
  }
  for (const step of steps) {
    if (step.kind === "foreign" && isUnder(root, step.dest)) {
      throw new VerifyError(
        "mapping",
        `${file}:${step.line} writes ${step.from} to /${step.dest}, which holds /${root}: the files under /${root} come from several places; give the mapping explicitly`,
      );
    }
  }
  const relevant = steps.filter((s) => isUnder(s.dest, root) || isUnder(root, s.dest));
  if (!relevant.some((s) => s.kind === "context")) {
    throw new VerifyError("mapping", `the final stage of ${file} copies nothing from the build context into /${root}`);
  }
  return { steps: relevant, origin: file, runsAfterCopy };
}

function copyStep(
  i: Instruction,
  keyword: "COPY" | "ADD",
  where: string,
  expand: (i: Instruction, text: string) => string,
  resolveDest: (i: Instruction, raw: string) => string,
): CopyStep {
  const line = i.getRange().start.line + 1;
  const flags = new Map((i as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().map((f) => [f.getName(), f.getValue()]));
  const args = argumentsOf(i);
  if (args.length < 2 && !(args[0]?.startsWith("<<") ?? false)) throw new VerifyError("mapping", `${where}: ${keyword} needs a source and a destination`);
  if (args[0]!.startsWith("<<")) return { kind: "foreign", line, dest: resolveDest(i, args[1] ?? "."), from: "a heredoc" };
  const rawDest = args[args.length - 1]!;
  const dest = resolveDest(i, rawDest);
  const from = flags.get("from");
  if (from !== undefined) return { kind: "foreign", line, dest, from: `--from=${from ?? ""}` };
  if (flags.has("parents") || flags.has("exclude")) {
    throw new VerifyError("mapping", `${where}: ${keyword} --${flags.has("parents") ? "parents" : "exclude"} is not mapped; give the mapping explicitly`);
  }
  const sources = args.slice(0, -1).map((s) => expand(i, s));
  if (keyword === "ADD") {
    const remote = sources.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith("git@"));
    if (remote !== undefined) return { kind: "foreign", line, dest, from: remote };
    if (sources.some((s) => ARCHIVE.test(s))) return { kind: "foreign", line, dest, from: "an archive ADD unpacks" };
  }
  const wildcard = sources.some((s) => /[*?[]/.test(s));
  return {
    kind: "context",
    line,
    sources: sources.map(normalizeImagePath),
    dest,
    destIsDir: /(^|\/)\.{0,2}$/.test(rawDest) || sources.length > 1 || wildcard,
    chmod: flags.has("chmod"),
  };
}

/** The instruction's arguments after its flags: the JSON array form is parsed as JSON. */
function argumentsOf(i: Instruction): string[] {
  const content = i.getArgumentsContent() ?? "";
  const withoutFlags = content.replace(/^(\s*--[a-z-]+(=("[^"]*"|\S*))?)+\s*/i, "");
  if (withoutFlags.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(withoutFlags.replace(/\\\n/g, ""));
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === "string")) return parsed as string[];
    } catch {
      // not valid JSON: Docker then reads the shell form too
    }
  }
  return i.getArguments().map((a) => a.getValue());
}
