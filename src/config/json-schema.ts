/**
 * A JSON Schema validator for the keywords tagguard's schemas use: the configuration schema
 * (`tagguard.schema.json`, draft-07) and the SARIF 2.1.0 schema the tests check output against
 * (draft-04). A keyword outside that set throws instead of being skipped, so a schema edit can never
 * be silently half-enforced.
 */

export type JsonPath = (string | number)[];

export interface SchemaError {
  /** Where in the validated value: object keys and array indexes. */
  path: JsonPath;
  keyword: string;
  /** What is wrong, in words for a person editing a YAML or JSON file. */
  message: string;
  /** For `additionalProperties`: the offending key is the last path element, not a value. */
  atKey?: boolean;
}

type Schema = boolean | { [keyword: string]: unknown };

/** Keywords that carry no constraint. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "definitions",
  "$defs",
]);

const ASSERTIONS = new Set([
  "$ref",
  "type",
  "enum",
  "properties",
  "additionalProperties",
  "required",
  "items",
  "minItems",
  "uniqueItems",
  "minimum",
  "maximum",
  "minLength",
  "pattern",
  "format",
  "anyOf",
  "oneOf",
]);

const FORMATS: Record<string, RegExp> = {
  uri: /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/,
  "uri-reference": /^[^\s]*$/,
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
};

const TYPE_WORDS: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
  null: "empty (null)",
};

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/** Describes a value for a message: short scalars verbatim, containers by kind. */
function describeValue(value: unknown): string {
  const t = typeOf(value);
  if (t === "string") return JSON.stringify(value);
  if (t === "integer" || t === "number" || t === "boolean" || t === "null") return String(value);
  return TYPE_WORDS[t] ?? t;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function decodePointer(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

function listWords(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

class Validator {
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly root: Schema) {}

  resolve(ref: string): Schema {
    if (!ref.startsWith("#")) throw new Error(`unsupported JSON Schema $ref "${ref}": only local references are supported`);
    let node: unknown = this.root;
    for (const token of ref.slice(1).split("/").filter((t) => t !== "")) {
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[decodePointer(token)] : undefined;
    }
    if (typeof node !== "boolean" && (node === null || typeof node !== "object")) {
      throw new Error(`JSON Schema $ref "${ref}" does not resolve`);
    }
    return node as Schema;
  }

  private regex(pattern: string): RegExp {
    let re = this.patterns.get(pattern);
    if (!re) {
      re = new RegExp(pattern, "u");
      this.patterns.set(pattern, re);
    }
    return re;
  }

  validate(schema: Schema, value: unknown, path: JsonPath, out: SchemaError[]): void {
    if (schema === true) return;
    if (schema === false) {
      out.push({ path, keyword: "false", message: "is not allowed here" });
      return;
    }
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) {
        throw new Error(`unsupported JSON Schema keyword "${keyword}"`);
      }
    }
    if (typeof schema.$ref === "string") {
      // Draft-04 and draft-07: a $ref replaces its sibling keywords.
      this.validate(this.resolve(schema.$ref), value, path, out);
      return;
    }
    const before = out.length;
    this.checkType(schema, value, path, out);
    if (out.length > before) return;

    if (Array.isArray(schema.enum) && !schema.enum.some((e) => canonical(e) === canonical(value))) {
      out.push({ path, keyword: "enum", message: `must be one of ${listWords(schema.enum)}, not ${describeValue(value)}` });
    }
    if (typeof value === "string") this.checkString(schema, value, path, out);
    if (typeof value === "number") this.checkNumber(schema, value, path, out);
    if (Array.isArray(value)) this.checkArray(schema, value, path, out);
    if (typeOf(value) === "object") this.checkObject(schema, value as Record<string, unknown>, path, out);
    this.checkCombinators(schema, value, path, out);
  }

  private checkType(schema: Record<string, unknown>, value: unknown, path: JsonPath, out: SchemaError[]): void {
    if (schema.type === undefined) return;
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    if (types.some((t) => hasType(value, t))) return;
    const expected = types.map((t) => TYPE_WORDS[t] ?? t).join(" or ");
    out.push({ path, keyword: "type", message: `must be ${expected}, not ${describeValue(value)}` });
  }

  private checkString(schema: Record<string, unknown>, value: string, path: JsonPath, out: SchemaError[]): void {
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) {
      out.push({ path, keyword: "minLength", message: schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters long` });
    }
    if (typeof schema.pattern === "string" && !this.regex(schema.pattern).test(value)) {
      out.push({ path, keyword: "pattern", message: `${JSON.stringify(value)} does not match the pattern ${schema.pattern}` });
    }
    if (typeof schema.format === "string") {
      const re = FORMATS[schema.format];
      if (!re) throw new Error(`unsupported JSON Schema format "${schema.format}"`);
      if (!re.test(value)) out.push({ path, keyword: "format", message: `${JSON.stringify(value)} is not a valid ${schema.format}` });
    }
  }

  private checkNumber(schema: Record<string, unknown>, value: number, path: JsonPath, out: SchemaError[]): void {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      out.push({ path, keyword: "minimum", message: `must be at least ${schema.minimum}, not ${value}` });
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      out.push({ path, keyword: "maximum", message: `must be at most ${schema.maximum}, not ${value}` });
    }
  }

  private checkArray(schema: Record<string, unknown>, value: unknown[], path: JsonPath, out: SchemaError[]): void {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      out.push({ path, keyword: "minItems", message: schema.minItems === 1 ? "must not be an empty list" : `must have at least ${schema.minItems} entries` });
    }
    if (schema.uniqueItems === true) {
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        const key = canonical(item);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else out.push({ path: [...path, i], keyword: "uniqueItems", message: `repeats entry ${first + 1} (${describeValue(item)})` });
      });
    }
    if (schema.items !== undefined) {
      if (Array.isArray(schema.items)) throw new Error("unsupported JSON Schema keyword form: items as an array");
      value.forEach((item, i) => this.validate(schema.items as Schema, item, [...path, i], out));
    }
  }

  private checkObject(schema: Record<string, unknown>, value: Record<string, unknown>, path: JsonPath, out: SchemaError[]): void {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(schema.required)) {
      for (const key of schema.required as string[]) {
        if (!(key in value)) out.push({ path, keyword: "required", message: `needs the key "${key}"` });
      }
    }
    for (const [key, child] of Object.entries(value)) {
      if (Object.prototype.hasOwnProperty.call(properties, key)) {
        this.validate(properties[key], child, [...path, key], out);
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(properties);
        out.push({
          path: [...path, key],
          keyword: "additionalProperties",
          atKey: true,
          message: `unknown key "${key}"${known.length ? `; expected one of: ${known.join(", ")}` : ""}`,
        });
      } else if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
        this.validate(schema.additionalProperties as Schema, child, [...path, key], out);
      }
    }
  }

  private checkCombinators(schema: Record<string, unknown>, value: unknown, path: JsonPath, out: SchemaError[]): void {
    const matches = (s: Schema) => {
      const errors: SchemaError[] = [];
      this.validate(s, value, path, errors);
      return errors;
    };
    if (Array.isArray(schema.anyOf)) {
      const results = (schema.anyOf as Schema[]).map(matches);
      if (results.every((r) => r.length > 0)) {
        out.push({ path, keyword: "anyOf", message: `does not match any allowed form (${results.map((r) => r[0].message).join("; or ")})` });
      }
    }
    if (Array.isArray(schema.oneOf)) {
      const passing = (schema.oneOf as Schema[]).map(matches).filter((r) => r.length === 0).length;
      if (passing !== 1) {
        out.push({ path, keyword: "oneOf", message: passing === 0 ? "does not match any allowed form" : "matches more than one allowed form" });
      }
    }
  }
}

/** Validates `value` against `schema`; returns every error found, in document order. */
export function validateJson(schema: object | boolean, value: unknown): SchemaError[] {
  const out: SchemaError[] = [];
  new Validator(schema as Schema).validate(schema as Schema, value, [], out);
  return out;
}
