import { csvFields } from "../docker/csv.js";
import { known, type Template, templateLiteral } from "../workflow/expr/value.js";
import { booleanInput, type Item } from "./items.js";

/** One `outputs:` line of build-push-action, as far as pushes are concerned. */
export interface OutputSpec {
  /** `image`, `registry`, `docker`, `local`, `tar`, `oci`, `cacheonly`; undefined when unknowable. */
  type: string | undefined;
  /** Image names from `name=` (a quoted `"name=a,b"` field names several). */
  names: Template[];
  /** The `push=` value when written. */
  push?: Template;
  /** The `push-by-digest=` value when written. */
  pushByDigest?: Template;
}

function splitKey(field: Template): [string, Template] | undefined {
  const first = field[0];
  if (!first || !("lit" in first)) return undefined;
  const eq = first.lit.indexOf("=");
  if (eq < 0) return undefined;
  const rest = first.lit.slice(eq + 1);
  return [first.lit.slice(0, eq).trim().toLowerCase(), [...(rest ? [{ lit: rest }] : []), ...field.slice(1)]];
}

/** Parses `type=image,"name=a,b",push=true` (buildx's CSV output spec; a bare value is a local dest). */
export function parseOutputLine(line: Template): OutputSpec {
  const spec: OutputSpec = { type: undefined, names: [] };
  for (const field of csvFields(line).fields) {
    const kv = splitKey(field);
    if (!kv) continue;
    const [key, value] = kv;
    if (key === "type") spec.type = templateLiteral(value)?.trim().toLowerCase();
    else if (key === "name") spec.names.push(...csvFields(value).fields.filter((n) => n.length > 0));
    else if (key === "push") spec.push = value;
    else if (key === "push-by-digest") spec.pushByDigest = value;
  }
  return spec;
}

/** What a list of output entries does with the image. */
export interface ImageOutputs {
  /** Image names from `name=` of `image`/`registry` outputs. */
  names: Item[];
  /** Whether they push: true, false, or undefined when `push=` is not literal. */
  pushes: boolean | undefined;
  /** Whether the image is loaded into Docker (`type=docker`). */
  loads: boolean;
  /**
   * True when every image output pushes by digest only (`push-by-digest=true`): the image goes to the
   * repository untagged, and its names (and `tags`) name no tag that is written.
   */
  byDigest: boolean;
}

/**
 * The image refs a build writes: its tags, or the `name=` of its image outputs when it has no tag. buildx fills the
 * image, oci and docker exporters' `name` from the tags whenever tags are given (build/opt.go, "fill in image
 * exporter names from tags"), so `outputs: type=image,name=target,annotation-index…` next to `tags:` writes the
 * tags only.
 */
export function imageNames(tags: Item[], outputs: ImageOutputs): Item[] {
  return tags.length > 0 ? tags : outputs.names;
}

export function imageOutputs(items: Item[]): ImageOutputs {
  const names: Item[] = [];
  let pushes: boolean | undefined = false;
  let loads = false;
  let images = 0;
  let byDigest = 0;
  for (const item of items) {
    const out = parseOutputLine(item.value);
    if (out.type === "docker") loads = true;
    if (out.type !== "image" && out.type !== "registry") continue;
    images++;
    if (out.pushByDigest && booleanInput(known({ kind: "str", parts: out.pushByDigest })) === true) byDigest++;
    const push = out.type === "registry" ? true : booleanInput(out.push ? known({ kind: "str", parts: out.push }) : undefined);
    if (push !== false) pushes = push === true && pushes !== undefined ? true : undefined;
    for (const name of out.names) names.push({ ...item, value: name });
  }
  return { names, pushes, loads, byDigest: images > 0 && byDigest === images };
}
