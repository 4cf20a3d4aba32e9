import { describe, expect, it } from "@jest/globals";
import { validateJson } from "../../src/config/json-schema.js";

const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, pattern: "^[a-z-]+$" },
    count: { type: "integer", minimum: 1, maximum: 3 },
    tags: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string" } },
    level: { $ref: "#/definitions/level" },
    when: { type: "string", format: "date-time" },
    home: { type: "string", format: "uri" },
    extra: { type: "object", additionalProperties: { type: "boolean" } },
    either: { anyOf: [{ type: "string" }, { type: "integer" }] },
    one: { type: "object", oneOf: [{ required: ["a"] }, { required: ["b"] }] },
    maybe: { type: ["string", "null"] },
  },
  definitions: { level: { type: "string", enum: ["error", "warning"] } },
};

describe("validateJson", () => {
  it("accepts a valid document", () => {
    expect(
      validateJson(schema, {
        name: "app",
        count: 2,
        tags: ["a", "b"],
        level: "error",
        when: "2025-04-15T00:00:00Z",
        home: "https://example.com/x",
        extra: { on: true },
        either: 3,
        one: { a: 1 },
        maybe: null,
      }),
    ).toEqual([]);
  });

  it("reports every error with its path and a readable message", () => {
    expect(
      validateJson(schema, {
        count: 2.5,
        tags: ["a", "a"],
        level: "fatal",
        when: "yesterday",
        home: "not a uri",
        extra: { on: "yes" },
        either: true,
        one: { a: 1, b: 2 },
        other: 1,
        maybe: 1,
      }),
    ).toEqual([
      { path: [], keyword: "required", message: 'needs the key "name"' },
      { path: ["count"], keyword: "type", message: "must be a whole number, not 2.5" },
      { path: ["tags", 1], keyword: "uniqueItems", message: 'repeats entry 1 ("a")' },
      { path: ["level"], keyword: "enum", message: 'must be one of "error", "warning", not "fatal"' },
      { path: ["when"], keyword: "format", message: '"yesterday" is not a valid date-time' },
      { path: ["home"], keyword: "format", message: '"not a uri" is not a valid uri' },
      { path: ["extra", "on"], keyword: "type", message: 'must be true or false, not "yes"' },
      {
        path: ["either"],
        keyword: "anyOf",
        message: "does not match any allowed form (must be a string, not true; or must be a whole number, not true)",
      },
      { path: ["one"], keyword: "oneOf", message: "matches more than one allowed form" },
      {
        path: ["other"],
        keyword: "additionalProperties",
        atKey: true,
        message:
          'unknown key "other"; expected one of: name, count, tags, level, when, home, extra, either, one, maybe',
      },
      { path: ["maybe"], keyword: "type", message: "must be a string or empty (null), not 1" },
    ]);
  });

  it("checks lengths, patterns, bounds and list sizes", () => {
    expect(validateJson(schema, { name: "", count: 0, tags: [] }).map((e) => e.message)).toEqual([
      "must not be empty",
      '"" does not match the pattern ^[a-z-]+$',
      "must be at least 1, not 0",
      "must not be an empty list",
    ]);
    expect(validateJson(schema, { name: "x", count: 4, one: {} }).map((e) => e.message)).toEqual([
      "must be at most 3, not 4",
      "does not match any allowed form",
    ]);
    expect(validateJson(schema, [])).toEqual([{ path: [], keyword: "type", message: "must be a mapping, not a list" }]);
  });

  it("throws on keywords and formats it does not implement instead of skipping them", () => {
    expect(() => validateJson({ type: "string", maxLength: 3 }, "abcd")).toThrow('unsupported JSON Schema keyword "maxLength"');
    expect(() => validateJson({ type: "string", format: "email" }, "a@b")).toThrow('unsupported JSON Schema format "email"');
    expect(() => validateJson({ $ref: "#/definitions/missing" }, 1)).toThrow('JSON Schema $ref "#/definitions/missing" does not resolve');
    expect(() => validateJson({ $ref: "other.json#/x" }, 1)).toThrow("only local references are supported");
  });
});
