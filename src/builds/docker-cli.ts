/**
 * Docker commands in `run:` scripts as build model data:
 * - `docker build`, `docker buildx build` (`b`), `docker image build`, `docker builder build`: tags, cache
 *   exports and imports, outputs (`--push` = `type=registry`, `--load` = `type=docker`), platforms,
 *   attestations, Dockerfile, target and context, in both `--flag value` and `--flag=value` forms;
 * - `docker push IMAGE` and `docker image push`: a push of that tag;
 * - `docker buildx imagetools create -t TAG …`: a push of TAG;
 * - `docker buildx bake`: the targets of the bake files it reads, with `--set`, `--push`, `--load`, `-f`.
 * Leading `NAME=value` assignments and `sudo`/`time`/`exec`/`command`/`env` wrappers are skipped.
 */

import { parseCacheLine } from "../docker/cache-spec.js";
import { attestItem, type BakeFiles, joinPath, repoPath } from "./bake.js";
import type { BuildInvocation, CacheItem } from "./invocation.js";
import type { Item } from "./items.js";
import { imageNames, imageOutputs } from "./outputs.js";
import { processEnv, type ShellContext, wordAlternatives, wordItems } from "./shell-eval.js";
import { assignment, dropPrefix, literalPrefix, literalText, plainText, type ShellCommand, type ShellWord } from "./shell-words.js";
import type { TemplateAlt } from "./alternatives.js";

interface Flag {
  name: string;
  value?: ShellWord;
}

interface Args {
  flags: Flag[];
  positionals: ShellWord[];
}

/** A command's options: long names that take a value, and short aliases. */
interface Spec {
  values: Set<string>;
  short: Record<string, string>;
}

const spec = (values: string, short: Record<string, string> = {}): Spec => ({ values: new Set(values.split(" ")), short });

const BUILD = spec(
  "add-host allow annotation attest build-arg build-context builder cache-from cache-to call cgroup-parent file iidfile label " +
    "metadata-file network no-cache-filter output platform progress provenance sbom secret shm-size ssh tag target ulimit " +
    "cpu-period cpu-quota cpu-shares cpuset-cpus cpuset-mems memory memory-swap isolation security-opt",
  { t: "tag", f: "file", o: "output", c: "cpu-shares", m: "memory", q: "quiet", D: "debug" },
);
const PUSH = spec("platform", { a: "all-tags", q: "quiet" });
const IMAGETOOLS = spec("tag file annotation builder progress platform", { t: "tag", f: "file", p: "platform", D: "debug" });
const BAKE = spec("file set allow call list metadata-file progress provenance sbom builder var", { f: "file", D: "debug" });
const DOCKER = spec("config context host log-level tlscacert tlscert tlskey", { c: "context", H: "host", l: "log-level", D: "debug" });
const BUILDX = spec("builder", { D: "debug" });

/** Splits words into options and arguments; a word that starts with an expansion is an argument (`docker push $IMAGE`). */
function parseArgs(words: ShellWord[], s: Spec): Args {
  const flags: Flag[] = [];
  const positionals: ShellWord[] = [];
  let options = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const prefix = literalPrefix(w);
    if (!options || !prefix.startsWith("-") || prefix === "-") {
      positionals.push(w);
    } else if (prefix === "--" && w.parts.length === 1) {
      options = false;
    } else if (prefix.startsWith("--")) {
      const eq = prefix.indexOf("=");
      const name = prefix.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) flags.push({ name, value: dropPrefix(w, eq + 1) });
      else if (s.values.has(name)) flags.push({ name, value: words[++i] });
      else flags.push({ name });
    } else {
      const name = s.short[prefix[1]] ?? prefix[1];
      if (!s.values.has(name)) {
        for (const c of prefix.slice(1)) flags.push({ name: s.short[c] ?? c });
      } else if (prefix.length > 2 || w.parts.length > 1) {
        flags.push({ name, value: dropPrefix(w, prefix[2] === "=" ? 3 : 2) });
      } else flags.push({ name, value: words[++i] });
    }
  }
  return { flags, positionals };
}

function values(args: Args, name: string): ShellWord[] {
  return args.flags.flatMap((f) => (f.name === name && f.value ? [f.value] : []));
}

function has(args: Args, name: string): boolean {
  return args.flags.some((f) => f.name === name);
}

/** The command's words after assignments and wrappers such as `sudo -E`. */
function commandWords(cmd: ShellCommand): { words: ShellWord[]; assignments: ShellWord[] } {
  const assignments: ShellWord[] = [];
  let i = 0;
  for (; i < cmd.words.length; i++) {
    const w = cmd.words[i];
    const text = plainText(w);
    if (assignment(w)) assignments.push(w);
    else if (text === "sudo" || text === "time" || text === "exec" || text === "command" || text === "env" || text === "nohup") {
      while (i + 1 < cmd.words.length && literalPrefix(cmd.words[i + 1]).startsWith("-")) i++;
    } else break;
  }
  return { words: cmd.words.slice(i), assignments };
}

function lastItem(ctx: ShellContext, words: ShellWord[]): Item | undefined {
  const w = words[words.length - 1];
  return w ? wordItems(w, ctx)[0] : undefined;
}

function cacheItems(ctx: ShellContext, words: ShellWord[]): CacheItem[] {
  return words.flatMap((w) => wordItems(w, ctx)).flatMap((item) => parseCacheLine(item.value).map((entry) => ({ item, entry })));
}

/** `--attest type=provenance,…` as a provenance value (`false` when disabled). */
function attest(ctx: ShellContext, args: Args, type: string): Item | undefined {
  return attestItem(values(args, "attest").flatMap((w) => wordItems(w, ctx)), type);
}

function build(ctx: ShellContext, args: Args): BuildInvocation {
  const outputs = imageOutputs(values(args, "output").flatMap((w) => wordItems(w, ctx)));
  const push = has(args, "push") || outputs.pushes === true ? true : outputs.pushes;
  const context = args.positionals[0];
  return {
    source: "docker-cli",
    visit: ctx.visit,
    push,
    load: has(args, "load") || outputs.loads,
    tags: imageNames(values(args, "tag").flatMap((w) => wordItems(w, ctx)), outputs),
    byDigest: outputs.byDigest,
    cacheTo: cacheItems(ctx, values(args, "cache-to")),
    cacheFrom: cacheItems(ctx, values(args, "cache-from")),
    platforms: values(args, "platform").flatMap((w) => wordItems(w, ctx, true)),
    provenance: lastItem(ctx, values(args, "provenance")) ?? attest(ctx, args, "provenance"),
    sbom: lastItem(ctx, values(args, "sbom")) ?? attest(ctx, args, "sbom"),
    context: context ? wordItems(context, ctx)[0] : undefined,
    file: lastItem(ctx, values(args, "file")),
    target: lastItem(ctx, values(args, "target")),
    inputs: new Map(),
  };
}

/** An image push without a build: `docker push`, `imagetools create`. */
function pushOnly(ctx: ShellContext, tags: Item[]): BuildInvocation {
  return { source: "docker-cli", visit: ctx.visit, push: true, load: false, tags, cacheTo: [], cacheFrom: [], platforms: [], inputs: new Map() };
}

/** The environment a command's process sees: its own assignments, exported script variables, the step's env. */
function commandEnv(ctx: ShellContext, assignments: ShellWord[]): (name: string) => TemplateAlt[] | undefined {
  const own = new Map<string, ShellWord>();
  for (const w of assignments) {
    const a = assignment(w);
    // `NAME+=value cmd` is left to the variable's value before the command (rarely written).
    if (a && !a.append) own.set(a.name, a.value);
  }
  return (name) => {
    const word = own.get(name);
    if (word) return wordAlternatives(word, ctx);
    if (ctx.exported.has(name) && ctx.vars.has(name)) return ctx.vars.get(name);
    return processEnv(ctx.visit, name, ctx.script.span(0, 0));
  };
}

function bake(ctx: ShellContext, args: Args, assignments: ShellWord[], bakeFiles: BakeFiles | undefined): BuildInvocation[] {
  if (!bakeFiles || ["print", "list", "call", "check"].some((f) => has(args, f))) return [];
  const files = values(args, "file").flatMap((w) => {
    const alts = wordAlternatives(w, ctx);
    const path = alts.length === 1 ? repoPath(alts[0].value, ctx.cwd) : undefined;
    return path === undefined ? [] : [path];
  });
  if (files.length < values(args, "file").length) return [];
  return bakeFiles.builds({
    visit: ctx.visit,
    files,
    cwd: ctx.cwd,
    targets: args.positionals.flatMap((w) => literalText(w) ?? []),
    unknownTargets: args.positionals.filter((w) => literalText(w) === undefined).map((w) => ctx.script.text.slice(w.start, w.end)),
    overrides: values(args, "set").flatMap((w) => wordItems(w, ctx)),
    push: has(args, "push") ? true : undefined,
    load: has(args, "load") ? true : undefined,
    provenance: lastItem(ctx, values(args, "provenance")),
    sbom: lastItem(ctx, values(args, "sbom")),
    env: commandEnv(ctx, assignments),
    inputs: new Map(),
  });
}

/** The docker subcommand path (`buildx build`) and its arguments, after global options. */
function subcommand(words: ShellWord[]): { path: string[]; rest: ShellWord[] } | undefined {
  const head = plainText(words[0] ?? { parts: [], start: 0, end: 0 });
  if (head === undefined || !/(^|\/)docker$/.test(head)) return undefined;
  const path: string[] = [];
  let i = 1;
  while (i < words.length && path.length < 3) {
    const text = plainText(words[i]);
    if (text === undefined) return undefined;
    if (text.startsWith("-")) {
      const s = path.length === 0 ? DOCKER : BUILDX;
      const name = text.startsWith("--") ? text.slice(2) : (s.short[text[1]] ?? text[1]);
      i += s.values.has(name) && !text.includes("=") ? 2 : 1;
      continue;
    }
    path.push(text);
    i++;
    const key = path.join(" ");
    if (key !== "buildx" && key !== "image" && key !== "builder" && key !== "buildx imagetools") break;
  }
  return { path, rest: words.slice(i) };
}

/** The builds and pushes one shell command performs. */
export function dockerBuilds(cmd: ShellCommand, ctx: ShellContext, bakeFiles: BakeFiles | undefined): BuildInvocation[] {
  const { words, assignments } = commandWords(cmd);
  const sub = subcommand(words);
  if (!sub) return [];
  switch (sub.path.join(" ")) {
    case "build":
    case "buildx build":
    case "buildx b":
    case "image build":
    case "builder build":
      return [build(ctx, parseArgs(sub.rest, BUILD))];
    case "push":
    case "image push": {
      const args = parseArgs(sub.rest, PUSH);
      if (has(args, "all-tags") || !args.positionals[0]) return [];
      return [pushOnly(ctx, wordItems(args.positionals[0], ctx))];
    }
    case "buildx imagetools create": {
      const args = parseArgs(sub.rest, IMAGETOOLS);
      if (has(args, "dry-run")) return [];
      return [pushOnly(ctx, values(args, "tag").flatMap((w) => wordItems(w, ctx)))];
    }
    case "buildx bake":
      return bake(ctx, parseArgs(sub.rest, BAKE), assignments, bakeFiles);
    default:
      return [];
  }
}

/**
 * Bake files a `docker buildx bake` command names (`-f`), literal ones only, resolved against `cwd`; the
 * default file names in `cwd` when it names none.
 */
export function bakeFileReferences(cmd: ShellCommand, cwd: string): string[] | undefined {
  const sub = subcommand(commandWords(cmd).words);
  if (!sub || sub.path.join(" ") !== "buildx bake") return undefined;
  return values(parseArgs(sub.rest, BAKE), "file").flatMap((w) => {
    const text = literalText(w);
    const path = text === undefined ? undefined : joinPath(cwd, text);
    return path === undefined ? [] : [path];
  });
}
