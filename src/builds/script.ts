/**
 * Runs a `run:` script symbolically, command by command: shell variable assignments (`NAME=value`,
 * `export`), `cd`, the Docker commands that build or push images, and what the script appends to
 * `$GITHUB_ENV` and `$GITHUB_OUTPUT` (`echo "NAME=value"`, `printf`, `cat <<EOF`, `NAME<<DELIM` multi-line
 * values, `{ …; } >> "$GITHUB_ENV"` groups, `| tee -a "$GITHUB_OUTPUT"`), which become the step's env and
 * outputs for later steps. A value that is only sometimes written (inside `if`, after `&&`) or not written
 * by a command tagguard can read is a hole named after the variable or output.
 */

import type { StepResult, StepVisit } from "../engine/walk.js";
import { hole, splitTemplate, type Sym, templateLiteral } from "../workflow/expr/value.js";
import type { ScalarValue } from "../workflow/yaml.js";
import { concatAlternatives, only, type TemplateAlt } from "./alternatives.js";
import { type BakeFiles, DEFAULT_BAKE_FILES, evaluatedDir, joinPath, repoPath } from "./bake.js";
import { bakeFileReferences, dockerBuilds } from "./docker-cli.js";
import type { BuildInvocation } from "./invocation.js";
import { isShellHole, processEnv, ScriptText, type ShellContext, wordAlternatives } from "./shell-eval.js";
import { afterAssignments, assignment, literalText, parseShell, plainText, type ShellCommand, type ShellWord } from "./shell-words.js";

interface Parsed {
  script: ScriptText;
  commands: ShellCommand[];
}

const parsedScripts = new WeakMap<ScalarValue, Parsed | null>();

/** Scripts that neither run Docker nor write the step's env or outputs are not parsed. */
const RELEVANT = /docker|GITHUB_ENV|GITHUB_OUTPUT/;

function parse(run: ScalarValue): Parsed | undefined {
  let parsed = parsedScripts.get(run);
  if (parsed === undefined) {
    const script = RELEVANT.test(run.value) ? new ScriptText(run) : undefined;
    parsed = script ? { script, commands: parseShell(script.text) } : null;
    parsedScripts.set(run, parsed);
  }
  return parsed ?? undefined;
}

type FileName = "GITHUB_ENV" | "GITHUB_OUTPUT";

/** Text appended to `$GITHUB_ENV`/`$GITHUB_OUTPUT` by one command; undefined alternatives when unknown. */
interface Chunk {
  alts: TemplateAlt[] | undefined;
  conditional: boolean;
}

function fileOf(w: ShellWord | undefined): FileName | undefined {
  const p = w?.parts.length === 1 ? w.parts[0] : undefined;
  return p?.kind === "var" && (p.name === "GITHUB_ENV" || p.name === "GITHUB_OUTPUT") ? p.name : undefined;
}

/** The runner file a command appends its output to. */
function writtenFile(cmd: ShellCommand): FileName | undefined {
  for (const r of cmd.redirects) {
    if ((r.op === ">>" || r.op === ">") && (r.fd === undefined || r.fd === "1")) {
      const f = fileOf(r.target);
      if (f) return f;
    }
  }
  return undefined;
}

const ECHO_OPTIONS = /^-[neE]+$/;

/** What a command prints: `echo`, `printf` with `%s` only, `cat` of a here-document; undefined otherwise. */
function output(cmd: ShellCommand, ctx: ShellContext): TemplateAlt[] | undefined {
  const [head, ...args] = afterAssignments(cmd.words);
  const name = head && plainText(head);
  if (name === "echo") {
    let newline = true;
    let escapes = false;
    while (args.length && ECHO_OPTIONS.test(plainText(args[0]) ?? "")) {
      const opt = plainText(args.shift() as ShellWord) as string;
      if (opt.includes("n")) newline = false;
      if (opt.includes("e")) escapes = true;
    }
    const pieces = args.flatMap((w, i) => (i ? [only([{ lit: " " }]), wordAlternatives(w, ctx)] : [wordAlternatives(w, ctx)]));
    const text = concatAlternatives([...pieces, only(newline ? [{ lit: "\n" }] : [])], () => ({ source: "echo" }));
    return escapes ? text.map((a) => ({ ...a, value: a.value.map((p) => ("lit" in p ? { lit: p.lit.replace(/\\n/g, "\n") } : p)) })) : text;
  }
  if (name === "printf" && args[0]) {
    const format = literalText(args[0]);
    if (format === undefined || /%[^s%]/.test(format.replace(/%%/g, ""))) return undefined;
    const slots = format.split(/%s/);
    const values = args.slice(1);
    if (values.length !== slots.length - 1) return undefined;
    const lit = (s: string) => only([{ lit: s.replace(/%%/g, "%").replace(/\\n/g, "\n").replace(/\\t/g, "\t") }]);
    const pieces = slots.flatMap((s, i) => (i < values.length ? [lit(s), wordAlternatives(values[i], ctx)] : [lit(s)]));
    return concatAlternatives(pieces, () => ({ source: "printf" }));
  }
  const heredoc = cmd.redirects.find((r) => r.heredoc)?.heredoc;
  if (name === "cat" && args.length === 0 && heredoc) return wordAlternatives(heredoc, ctx);
  return undefined;
}

interface Line {
  alts: TemplateAlt[] | undefined;
  conditional: boolean;
}

/** Splits appended text into lines; alternatives that disagree on the number of lines make one unknown line. */
function lines(chunks: Chunk[]): Line[] {
  return chunks.flatMap((c): Line[] => {
    if (!c.alts) return [{ alts: undefined, conditional: c.conditional }];
    const split = c.alts.map((a) => {
      const pieces = splitTemplate(a.value, /\n/);
      if (pieces.length > 1 && pieces[pieces.length - 1].length === 0) pieces.pop();
      return pieces;
    });
    if (split.some((s) => s.length !== split[0].length)) return [{ alts: undefined, conditional: c.conditional }];
    return split[0].map((_, j) => ({ alts: c.alts?.map((a, i) => ({ value: split[i][j], conds: a.conds })), conditional: c.conditional }));
  });
}

const HEAD = /^([A-Za-z_][A-Za-z0-9_-]*)(=|<<)/;

/** `NAME=` or `NAME<<` at the start of a line, the same in every alternative. */
function head(line: Line): { name: string; op: string; rest: TemplateAlt[] } | undefined {
  if (!line.alts) return undefined;
  let found: { name: string; op: string } | undefined;
  const rest: TemplateAlt[] = [];
  for (const a of line.alts) {
    const first = a.value[0];
    const m = first && "lit" in first ? HEAD.exec(first.lit) : null;
    if (!m || (found && (found.name !== m[1] || found.op !== m[2]))) return undefined;
    found = { name: m[1], op: m[2] };
    const text = (first as { lit: string }).lit.slice(m[0].length);
    rest.push({ value: [...(text ? [{ lit: text }] : []), ...a.value.slice(1)], conds: a.conds });
  }
  return found && { ...found, rest };
}

function literalLine(line: Line): string | undefined {
  return line.alts?.length === 1 ? templateLiteral(line.alts[0].value)?.trim() : undefined;
}

/**
 * Parses the runner's file format: `NAME=value` lines and `NAME<<DELIM … DELIM` blocks. A value the shell
 * computes in part (command substitution, `${NAME…}` operators) is a hole named after the variable or output.
 */
function fileValues(chunks: Chunk[], holeName: (name: string) => string, scope: string): Map<string, Sym> {
  const out = new Map<string, Sym>();
  const all = lines(chunks);
  const unknown = (name: string, multiline: boolean): Sym => [{ value: hole(holeName(name), multiline ? { multiline, scope } : { scope }), conds: [] }];
  const value = (name: string, alts: TemplateAlt[], multiline: boolean): Sym =>
    alts.some((a) => a.value.some((p) => "hole" in p && isShellHole(p.hole)))
      ? unknown(name, multiline)
      : alts.map((a) => ({ value: { kind: "str", parts: a.value }, conds: a.conds }));
  for (let i = 0; i < all.length; i++) {
    const h = head(all[i]);
    if (!h) continue;
    if (h.op === "=") {
      out.set(h.name, all[i].conditional ? unknown(h.name, false) : value(h.name, h.rest, false));
      continue;
    }
    const delimiter = h.rest.length === 1 ? templateLiteral(h.rest[0].value)?.trim() : undefined;
    let end = i + 1;
    while (end < all.length && (delimiter === undefined || literalLine(all[end]) !== delimiter)) end++;
    const body = all.slice(i + 1, end);
    const known = delimiter !== undefined && end < all.length && !all[i].conditional && body.every((l) => l.alts && !l.conditional);
    if (known) {
      const pieces = body.flatMap((l, k) => (k ? [only([{ lit: "\n" }]), l.alts as TemplateAlt[]] : [l.alts as TemplateAlt[]]));
      out.set(h.name, value(h.name, concatAlternatives(pieces, () => ({ source: holeName(h.name), multiline: true, scope })), true));
    } else out.set(h.name, unknown(h.name, true));
    i = end;
  }
  return out;
}

export interface ScriptRun {
  builds: BuildInvocation[];
  result: StepResult | undefined;
}

/** The builds a `run:` step performs and the env/outputs it leaves for later steps. */
export function runScript(visit: StepVisit, bakeFiles: BakeFiles | undefined): ScriptRun {
  const run = visit.step.run;
  const parsed = run && parse(run);
  if (!parsed) return { builds: [], result: undefined };
  const cwd = evaluatedDir(visit, visit.step.workingDirectory);
  const ctx: ShellContext = { visit, script: parsed.script, vars: new Map(), exported: new Set(), cwd };
  const builds: BuildInvocation[] = [];
  const chunks: Record<FileName, Chunk[]> = { GITHUB_ENV: [], GITHUB_OUTPUT: [] };
  parsed.commands.forEach((cmd, k) => {
    const words = cmd.words;
    const first = words.findIndex((w) => !assignment(w));
    if (first < 0) {
      for (const w of words) assign(ctx, w, cmd.conditional);
    } else {
      const name = plainText(words[first]);
      if (name === "export" || name === "declare" || name === "typeset" || name === "readonly" || name === "local") {
        const rest = words.slice(first + 1);
        const exported = name === "export" || rest.some((w) => /^-[A-Za-z]*x/.test(plainText(w) ?? ""));
        for (const w of rest) {
          const named = assign(ctx, w, cmd.conditional) ?? plainText(w);
          if (exported && named && !named.startsWith("-")) ctx.exported.add(named);
        }
      } else if (name === "cd") {
        const dir = words[first + 1];
        const alts = dir && !cmd.conditional ? wordAlternatives(dir, ctx) : undefined;
        ctx.cwd = alts?.length === 1 && ctx.cwd !== undefined ? repoPath(alts[0].value, ctx.cwd) : undefined;
      } else {
        builds.push(...dockerBuilds(cmd, ctx, bakeFiles));
      }
    }
    const file = writtenFile(cmd);
    if (file) chunks[file].push({ alts: output(cmd, ctx), conditional: cmd.conditional });
    const prev = parsed.commands[k - 1];
    if (prev?.pipesTo && first >= 0 && plainText(words[first]) === "tee") {
      const target = words.slice(first + 1).map(fileOf).find((f) => f !== undefined);
      if (target) chunks[target].push({ alts: output(prev, ctx), conditional: prev.conditional || cmd.conditional });
    }
  });
  const env = fileValues(chunks.GITHUB_ENV, (n) => `env.${n}`, visit.instance);
  const outputs = fileValues(chunks.GITHUB_OUTPUT, (n) => `steps.${visit.step.id ?? "(step)"}.outputs.${n}`, visit.instance);
  const result: StepResult = {};
  if (env.size) result.env = env;
  if (outputs.size) result.outputs = outputs;
  return { builds, result: env.size || outputs.size ? result : undefined };
}

/** `NAME=value`: sets the script variable (a hole when the assignment is conditional); returns the name. */
function assign(ctx: ShellContext, w: ShellWord, conditional: boolean): string | undefined {
  const a = assignment(w);
  if (!a) return undefined;
  // A conditional value is the step instance's own unknown: per matrix leg when the step reads the leg.
  const unknown = { source: `$${a.name}`, scope: ctx.visit.instance, display: `$${a.name}` };
  const value = () => {
    const added = wordAlternatives(a.value, ctx);
    if (!a.append) return added;
    // Appending to a variable the script has not set appends to what the step's environment gives it, else to '' .
    const before = ctx.vars.get(a.name) ?? processEnv(ctx.visit, a.name, ctx.script.span(w.start, w.end)) ?? only([]);
    return concatAlternatives([before, added], () => unknown);
  };
  ctx.vars.set(a.name, conditional ? only([{ hole: unknown }]) : value());
  return a.name;
}

/** Bake files the `docker buildx bake` commands of a script read, for loading them with the workflows. */
export function scriptBakeReferences(run: ScalarValue, startDir: string): string[] {
  const parsed = parse(run);
  if (!parsed) return [];
  let cwd: string | undefined = startDir;
  const out: string[] = [];
  for (const cmd of parsed.commands) {
    const words = afterAssignments(cmd.words);
    if (words[0] && plainText(words[0]) === "cd") {
      const dir = words[1] && literalText(words[1]);
      cwd = dir !== undefined && cwd !== undefined ? joinPath(cwd, dir) : undefined;
      continue;
    }
    const files = cwd === undefined ? undefined : bakeFileReferences(cmd, cwd);
    if (!files) continue;
    out.push(...(files.length ? files : defaultFiles(cwd as string)));
  }
  return out;
}

function defaultFiles(dir: string): string[] {
  return DEFAULT_BAKE_FILES.flatMap((n) => joinPath(dir, n) ?? []);
}
