import { parseCacheLine } from "../docker/cache-spec.js";
import { metadataActionOutputs } from "../docker/metadata-action.js";
import { parseOutputLine } from "./outputs.js";
import type { StepResult, StepVisit } from "../engine/walk.js";
import type { Span } from "../workflow/span.js";
import { known, type Sym } from "../workflow/expr/value.js";
import type { BuildInvocation, CacheItem } from "./invocation.js";
import { booleanInput, type Item, listItems } from "./items.js";

/** `docker/build-push-action@…`, any version or SHA. */
export function isAction(uses: string | undefined, name: string): boolean {
  if (!uses) return false;
  const at = uses.indexOf("@");
  return (at < 0 ? uses : uses.slice(0, at)).toLowerCase() === name;
}

function evaluator(visit: StepVisit): (text: string, span: Span) => Sym {
  return (text, span) => visit.evaluate(text, span);
}

function cacheItems(visit: StepVisit, input: string): CacheItem[] {
  const value = visit.step.with.get(input);
  if (!value) return [];
  return listItems(value, "newline", evaluator(visit)).flatMap((item) =>
    parseCacheLine(item.value).map((entry) => ({ item, entry })),
  );
}

/** Image names of `outputs: type=image,name=…,push=true` and `type=registry,name=…` lines. */
function outputItems(visit: StepVisit): { names: Item[]; pushes: boolean | undefined } {
  const value = visit.step.with.get("outputs");
  if (!value) return { names: [], pushes: false };
  const names: Item[] = [];
  let pushes: boolean | undefined = false;
  for (const item of listItems(value, "newline", evaluator(visit))) {
    const out = parseOutputLine(item.value);
    if (out.type !== "image" && out.type !== "registry") continue;
    const push = out.type === "registry" ? true : booleanInput(out.push ? known({ kind: "str", parts: out.push }) : undefined);
    if (push !== false) pushes = push === true && pushes !== undefined ? true : undefined;
    for (const name of out.names) names.push({ ...item, value: name });
  }
  return { names, pushes };
}

/**
 * Turns one reachable step into build model data: build-push-action steps become invocations,
 * metadata-action steps yield their outputs for later steps.
 */
export function extractBuild(visit: StepVisit, builds: BuildInvocation[]): StepResult | undefined {
  const uses = visit.step.uses?.value;
  if (isAction(uses, "docker/metadata-action")) {
    const inputs = new Map<string, Sym>();
    for (const [name, value] of visit.step.with) inputs.set(name, visit.evaluate(value.value, value.span));
    return metadataActionOutputs(inputs, visit.event);
  }
  if (!isAction(uses, "docker/build-push-action")) return undefined;
  const w = visit.step.with;
  const evaluate = evaluator(visit);
  const tagsValue = w.get("tags");
  const tags = tagsValue ? listItems(tagsValue, "newline-and-comma", evaluate) : [];
  const outputs = outputItems(visit);
  const pushValue = w.get("push");
  const pushInput = booleanInput(pushValue ? visit.evaluate(pushValue.value, pushValue.span) : undefined);
  const push = pushInput === true || outputs.pushes === true ? true : pushInput === false && outputs.pushes === false ? false : undefined;
  const platformsValue = w.get("platforms");
  const loadValue = w.get("load");
  const single = (name: string): Item | undefined => {
    const value = w.get(name);
    return value ? listItems(value, "newline", evaluate)[0] : undefined;
  };
  builds.push({
    source: "build-push-action",
    visit,
    push,
    load: booleanInput(loadValue ? visit.evaluate(loadValue.value, loadValue.span) : undefined),
    tags: [...tags, ...outputs.names],
    cacheTo: cacheItems(visit, "cache-to"),
    cacheFrom: cacheItems(visit, "cache-from"),
    platforms: platformsValue ? listItems(platformsValue, "newline-and-comma", evaluate) : [],
    provenance: single("provenance"),
    sbom: single("sbom"),
    context: single("context"),
    file: single("file"),
    target: single("target"),
    inputs: w,
  });
  return undefined;
}
