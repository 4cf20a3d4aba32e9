import { csvFields } from "../docker/csv.js";
import { type Template, templateLiteral } from "../workflow/expr/value.js";

/** One `outputs:` line of build-push-action, as far as pushes are concerned. */
export interface OutputSpec {
  /** `image`, `registry`, `docker`, `local`, `tar`, `oci`, `cacheonly`; undefined when unknowable. */
  type: string | undefined;
  /** Image names from `name=` (a quoted `"name=a,b"` field names several). */
  names: Template[];
  /** The `push=` value when written. */
  push?: Template;
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
  }
  return spec;
}
