import type { BuildInvocation } from "../builds/invocation.js";
import { type Item, listItems } from "../builds/items.js";
import { isLit, renderTemplate } from "../workflow/expr/value.js";
import { templateKey } from "../workflow/expr/unify.js";
import { buildsImage } from "./images.js";
import { runnerArch, runnerLabels } from "./steps.js";

/**
 * What makes two builds produce different images: context, Dockerfile, target stage, bake target, platforms
 * and build arguments, as evaluated for the build's event and matrix leg.
 */
export interface Signature {
  context?: string;
  file?: string;
  target?: string;
  bake?: string;
  platforms?: string;
  /** Undefined for a push of an image built elsewhere (`docker push`, `imagetools create`): it has none to compare. */
  args?: string;
  /** The build arguments one by one, sorted (`args` joins them). */
  argItems: string[];
  /**
   * The build arguments with every unknown value blanked out, sorted and joined: builds of two runs whose arguments
   * differ only in unknowns (`VERSION=${{ github.ref_name }}` and `VERSION=${{ inputs.version }}`) are not shown to differ.
   */
  argShape?: string;
  /**
   * Context, Dockerfile, target, platforms and build arguments with the identity of their unknown values (`Hole.scope`):
   * two builds are shown to build the same image only when this is equal too (a step output of two callers' scripts,
   * or the input two callers pass, is two values).
   */
  identity?: string;
}

/**
 * A signature as one string, to compare builds: without `identity`, unknown values of the same text count as equal
 * (builds not shown to differ); with it, only the same unknown values do (builds shown to be the same).
 */
export function signatureKey(s: Signature, identity = false): string {
  const { identity: id, ...rest } = s;
  return JSON.stringify(identity ? { ...rest, id } : rest);
}

export type Field = Exclude<keyof Signature, "argItems" | "argShape" | "identity">;

export const FIELD_NAMES: Record<Field, string> = {
  context: "build context",
  file: "Dockerfile",
  target: "target stage",
  bake: "bake target",
  platforms: "platform",
  args: "build arguments",
};

function normPath(p: string): string {
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  return parts.length ? parts.join("/") : ".";
}

function rendered(item: Item | undefined): string | undefined {
  return item && renderTemplate(item.value).trim();
}

/**
 * A build's context and Dockerfile as paths (`./Dockerfile.prod` and `Dockerfile.prod` are one file): build-push-action's
 * Git context counts as the workspace root, and an unwritten Dockerfile is the context's `Dockerfile`.
 */
export function buildPaths(build: BuildInvocation): { context?: string; file?: string } {
  const writtenContext = rendered(build.context);
  const context = writtenContext !== undefined ? normPath(writtenContext) : build.source === "build-push-action" ? "." : undefined;
  const writtenFile = rendered(build.file);
  const file = writtenFile !== undefined ? normPath(writtenFile) : context !== undefined ? normPath(`${context}/Dockerfile`) : undefined;
  return { context, file };
}

export function signature(build: BuildInvocation): Signature {
  const { context, file } = buildPaths(build);
  const target = rendered(build.target) ?? (context !== undefined ? "" : undefined);
  const builds = buildsImage(build);
  let platforms: string | undefined = [...new Set(build.platforms.map((p) => renderTemplate(p.value).trim()))].sort().join(",");
  if (!builds) platforms = undefined;
  else if (platforms === "") {
    const labels = runnerLabels(build.visit);
    const values = labels.map((l) => (l.values?.length === 1 ? l.values[0] : undefined));
    const arch = values.every((v) => v !== undefined) ? runnerArch(values as string[]) : undefined;
    platforms = arch && `linux/${arch} from the runner`;
  }
  const argsValue = build.inputs.get("build-args");
  const items = argsValue ? listItems(argsValue, "newline", (t, s) => build.visit.evaluate(t, s)) : (build.args ?? []);
  const argItems = items.map((i) => renderTemplate(i.value)).sort();
  const argShape = items
    .map((i) => i.value.map((p) => (isLit(p) ? p.lit : "\0")).join(""))
    .sort()
    .join("\n");
  const keys = (list: (Item | undefined)[]) => list.map((i) => (i ? templateKey(i.value) : "")).sort();
  const identity = JSON.stringify([keys([build.context]), keys([build.file]), keys([build.target]), keys(build.platforms), keys(items)]);
  return { context, file, target, bake: build.bakeTarget, platforms, args: builds ? argItems.join(" ") : undefined, argItems, argShape, identity };
}

/** The build arguments only one of two builds passes, each side joined ('' when a side has none of its own). */
export function argDifference(a: Signature, b: Signature): [string, string] {
  const only = (x: Signature, y: Signature) => [...new Set(x.argItems.filter((i) => !y.argItems.includes(i)))].join(" ");
  return [only(a, b), only(b, a)];
}

export function differences(a: Signature, b: Signature): Field[] {
  return (Object.keys(FIELD_NAMES) as Field[]).filter((f) => a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]);
}
