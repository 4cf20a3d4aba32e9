/**
 * docker/bake-action steps as bake invocations (`files`, `workdir`, `targets`, `set`, `push`, `load`,
 * `provenance`, `sbom`; `cwd://` prefixes of v6), and the bake file docker/metadata-action writes: its
 * `bake-file` outputs carry the file's content, so a bake step that lists `${{ steps.meta.outputs.bake-file }}`
 * gets the `docker-metadata-action` target with the action's tags.
 */

import { outputEnvName } from "../docker/metadata-action.js";
import { stripLiteralPrefix } from "../docker/template-tokens.js";
import type { StepVisit } from "../engine/walk.js";
import { toTemplate } from "../workflow/expr/evaluate.js";
import type { LazyMap } from "../workflow/expr/lazy-map.js";
import { type Alt, renderTemplate, type Sym, splitTemplate, templateLiteral, trimTemplate, type Val } from "../workflow/expr/value.js";
import type { Step } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue, Segment } from "../workflow/yaml.js";
import { type BakeFile, type BakeRequest, type BakeValue, DEFAULT_BAKE_FILES, evaluatedDir, joinPath, repoPath } from "./bake.js";
import { booleanInput, type Item, listItems } from "./items.js";
import { processEnv } from "./shell-eval.js";

const DEFAULT_TARGET = "docker-metadata-action";

const obj = (fields: Record<string, Val>): Val => ({ kind: "object", fields });

/**
 * metadata-action's outputs with the content of its `bake-file` and `bake-file-tags` files attached (as the
 * outputs' `json`): target `bake-target` (default `docker-metadata-action`) with the tags of each outcome.
 */
export function withBakeFileContent(
  result: { outputs: LazyMap<string, Sym>; env: LazyMap<string, Sym> },
  bakeTarget: Sym | undefined,
): typeof result {
  const { outputs, env } = result;
  if (!outputs.has("json")) return result;
  const written = bakeTarget?.length === 1 ? templateLiteral(toTemplate(bakeTarget[0].value))?.trim() : undefined;
  const name = written || DEFAULT_TARGET;
  for (const output of ["bake-file", "bake-file-tags"]) {
    const path = outputs.get(output)?.[0]?.value;
    if (path?.kind !== "str") continue;
    let alts: Alt[] | undefined;
    // The file's content comes from the json output: worked out when the output is first read.
    const content = () =>
      (alts ??= (outputs.get("json") ?? []).map((a): Alt => {
        const tags = a.value.kind === "str" && a.value.json?.kind === "object" ? a.value.json.fields.tags : undefined;
        return { value: { ...path, json: obj({ target: obj({ [name]: obj({ tags: tags ?? { kind: "array", items: [] } }) }) }) }, conds: a.conds };
      }));
    outputs.setLazy(output, content);
    env.setLazy(outputEnvName(output), content);
  }
  return result;
}

/** The targets of an inline bake definition (`{"target":{"name":{"tags":[…]}}}`), one per alternative. */
function inlineFile(file: string, alts: Alt[], segment: Segment): BakeFile | undefined {
  const byTarget = new Map<string, BakeValue[]>();
  alts.forEach((a, alt) => {
    const targets = a.value.kind === "str" && a.value.json?.kind === "object" ? a.value.json.fields.target : undefined;
    if (targets?.kind !== "object") return;
    for (const [name, body] of Object.entries(targets.fields)) {
      const tags = body.kind === "object" ? body.fields.tags : undefined;
      const items = tags?.kind === "array" ? tags.items : [];
      const values = byTarget.get(name) ?? [];
      for (const tag of items) {
        const item: Item = { value: toTemplate(tag), conds: a.conds, span: segment.span, segment, derived: true, alt, alts: alts.length };
        values.push({ kind: "item", item });
      }
      byTarget.set(name, values);
    }
  });
  if (byTarget.size === 0) return undefined;
  const blocks = [...byTarget].map(([name, items]) => ({
    type: "target",
    name,
    span: segment.span,
    attrs: new Map<string, BakeValue>([["tags", { kind: "list", items, span: segment.span }]]),
  }));
  return { path: file, format: "json", blocks };
}

function isInline(a: Alt): boolean {
  return a.value.kind === "str" && a.value.json?.kind === "object" && a.value.json.fields.target !== undefined;
}

const CWD = /^\s*cwd:\/\//;

/** The lines of a list input, or the whole value when an expression spans lines. */
function lines(value: ScalarValue): Segment[] {
  const balanced = value.segments.every((s) => s.text.split("${{").length <= s.text.split("}}").length);
  return balanced ? value.segments : [{ text: value.value, span: value.span, exact: false }];
}

/** A `source:` that names a remote bake definition (a Git or HTTP URL), whose files are not the repository's. */
const REMOTE_SOURCE = /^(?!cwd:\/\/)[a-z][a-z0-9+.-]*:\/\/|^git@/i;

/** A docker/bake-action step as a bake invocation; undefined when it builds a remote definition. */
export function bakeActionRequest(visit: StepVisit): BakeRequest | undefined {
  const w = visit.step.with;
  const source = w.get("source")?.value.trim() ?? "";
  if (REMOTE_SOURCE.test(source)) return undefined;
  const evaluate = (text: string, span: Span) => visit.evaluate(text, span);
  const cwd = evaluatedDir(visit, w.get("workdir"));
  const files: (string | BakeFile)[] = [];
  const filesValue = w.get("files");
  for (const segment of filesValue ? lines(filesValue) : []) {
    const alts = evaluate(segment.text.replace(CWD, ""), segment.span);
    const inline = inlineFile(visit.file, alts.filter(isInline), segment);
    if (inline) files.push(inline);
    for (const a of alts.filter((x) => !isInline(x))) {
      for (const piece of splitTemplate(toTemplate(a.value), /,/)) {
        const t = trimTemplate(piece);
        const path = repoPath(stripLiteralPrefix(t, "cwd://") ?? t, cwd);
        if (path && !files.includes(path)) files.push(path);
      }
    }
  }
  const list = (name: string, split: "newline" | "newline-and-comma") => {
    const value = w.get(name);
    return value ? listItems(value, split, evaluate) : [];
  };
  const flag = (name: string) => {
    const value = w.get(name);
    return booleanInput(value ? evaluate(value.value, value.span) : undefined);
  };
  const targets = list("targets", "newline-and-comma");
  return {
    visit,
    files,
    cwd,
    targets: targets.flatMap((i) => templateLiteral(i.value) ?? []),
    unknownTargets: targets.flatMap((i) => (templateLiteral(i.value) === undefined ? [renderTemplate(i.value)] : [])),
    overrides: list("set", "newline"),
    push: flag("push"),
    load: flag("load"),
    provenance: list("provenance", "newline")[0],
    sbom: list("sbom", "newline")[0],
    env: (name) => processEnv(visit, name, visit.step.span),
    inputs: w,
  };
}

/** Bake files a bake-action step names literally (or the default ones of its `workdir`). */
export function bakeActionReferences(step: Step): string[] {
  const workdir = step.with.get("workdir")?.value ?? ".";
  const dir = workdir.includes("${{") ? undefined : joinPath("", workdir);
  if (dir === undefined) return [];
  const files = step.with.get("files");
  if (!files) return DEFAULT_BAKE_FILES.flatMap((n) => joinPath(dir, n) ?? []);
  return files.value
    .split(/[\n,]/)
    .map((f) => f.trim().replace(CWD, ""))
    .filter((f) => f && !f.includes("${{"))
    .flatMap((f) => joinPath(dir, f) ?? []);
}
