import { parseCacheLine } from "../docker/cache-spec.js";
import { metadataActionOutputs } from "../docker/metadata-action.js";
import { imageNames, type ImageOutputs, imageOutputs } from "./outputs.js";
import type { StepResult, StepVisit } from "../engine/walk.js";
import type { Span } from "../workflow/span.js";
import type { Sym } from "../workflow/expr/value.js";
import { bakeActionRequest, withBakeFileContent } from "./bake-action.js";
import type { BakeFiles } from "./bake.js";
import type { BuildInvocation, CacheItem } from "./invocation.js";
import { booleanInput, type Item, listItems } from "./items.js";
import { runScript } from "./script.js";

/**
 * `docker/build-push-action@…`, any version or SHA; `name` is lowercase ASCII. Lowercasing never turns text
 * of another length into ASCII, so a `uses` of another length is told apart without lowercasing it.
 */
export function isAction(uses: string | undefined, name: string): boolean {
  if (!uses) return false;
  const at = uses.indexOf("@");
  const end = at < 0 ? uses.length : at;
  return end === name.length && uses.slice(0, end).toLowerCase() === name;
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
function outputItems(visit: StepVisit): ImageOutputs {
  const value = visit.step.with.get("outputs");
  return imageOutputs(value ? listItems(value, "newline", evaluator(visit)) : []);
}

/**
 * metadata-action results by their inputs and event case. The outputs are a pure function of the two, and the
 * same step is evaluated in every matrix leg, and the same configuration recurs across workflows: evaluated once,
 * shared (never modified after it is stored).
 */
export type MetadataResults = Map<string, StepResult>;

function metadataStep(visit: StepVisit, cache: MetadataResults | undefined): StepResult {
  const inputs = new Map<string, Sym>();
  for (const [name, value] of visit.step.with) inputs.set(name, visit.evaluate(value.value, value.span));
  // Values are plain data: equal JSON means equal inputs (hole identities included).
  const key = cache && JSON.stringify([visit.event, [...inputs]]);
  const cached = key === undefined ? undefined : cache!.get(key);
  if (cached) return cached;
  const result = withBakeFileContent(metadataActionOutputs(inputs, visit.event), inputs.get("bake-target"));
  if (key !== undefined) cache!.set(key, result);
  return result;
}

/**
 * Turns one reachable step into build model data: build-push-action steps, Docker commands in `run:`
 * scripts and bake-action steps become invocations (bake files are read through `bakeFiles`; without it
 * bake steps yield none); metadata-action steps and `run:` scripts yield their outputs and exported
 * variables for later steps (metadata-action results are shared through `metadata` when given).
 */
export function extractBuild(visit: StepVisit, builds: BuildInvocation[], bakeFiles?: BakeFiles, metadata?: MetadataResults): StepResult | undefined {
  const uses = visit.step.uses?.value;
  if (visit.step.run && !uses) {
    const ran = runScript(visit, bakeFiles);
    builds.push(...ran.builds);
    return ran.result;
  }
  if (isAction(uses, "docker/metadata-action")) return metadataStep(visit, metadata);
  if (isAction(uses, "docker/bake-action")) {
    const request = bakeFiles && bakeActionRequest(visit);
    if (request) builds.push(...bakeFiles.builds(request));
    return undefined;
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
    tags: imageNames(tags, outputs),
    byDigest: outputs.byDigest,
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
