import { describe, expect, it } from "@jest/globals";
import { numberToString } from "../../../src/workflow/expr/coerce.js";
import { toTemplate, truthiness } from "../../../src/workflow/expr/evaluate.js";
import type { Val } from "../../../src/workflow/expr/value.js";
import { hole, lit } from "../../../src/workflow/expr/value.js";

describe("toTemplate", () => {
  it("coerces every kind like Actions", () => {
    expect(toTemplate({ kind: "null" })).toEqual([]);
    expect(toTemplate({ kind: "bool", value: true })).toEqual([{ lit: "true" }]);
    expect(toTemplate({ kind: "bool", value: false })).toEqual([{ lit: "false" }]);
    expect(toTemplate({ kind: "num", value: 2.5 })).toEqual([{ lit: "2.5" }]);
    expect(toTemplate({ kind: "array", items: [lit("a")] })).toEqual([{ lit: "Array" }]);
    expect(toTemplate({ kind: "object", fields: {} })).toEqual([{ lit: "Object" }]);
    expect(toTemplate(hole("github.sha"))).toEqual([{ hole: { source: "github.sha" } }]);
  });

  it("normalises strings", () => {
    const v: Val = { kind: "str", parts: [{ lit: "a" }, { lit: "" }, { lit: "b" }, { hole: { source: "x" } }] };
    expect(toTemplate(v)).toEqual([{ lit: "ab" }, { hole: { source: "x" } }]);
  });
});

describe("numberToString", () => {
  it("keeps at most 15 decimals and no trailing zeros", () => {
    expect(numberToString(0)).toBe("0");
    expect(numberToString(-0)).toBe("0");
    expect(numberToString(1.5)).toBe("1.5");
    expect(numberToString(0.1 + 0.2)).toBe("0.3");
    expect(numberToString(-12)).toBe("-12");
    expect(numberToString(NaN)).toBe("NaN");
    expect(numberToString(Infinity)).toBe("Infinity");
    expect(numberToString(1e21)).toBe("1e+21");
  });
});

describe("truthiness", () => {
  it("decides known values", () => {
    expect(truthiness({ kind: "null" })).toBe(false);
    expect(truthiness({ kind: "bool", value: false })).toBe(false);
    expect(truthiness({ kind: "bool", value: true })).toBe(true);
    expect(truthiness({ kind: "num", value: 0 })).toBe(false);
    expect(truthiness({ kind: "num", value: NaN })).toBe(false);
    expect(truthiness({ kind: "num", value: -1 })).toBe(true);
    expect(truthiness(lit(""))).toBe(false);
    expect(truthiness(lit("false"))).toBe(true);
    expect(truthiness({ kind: "array", items: [] })).toBe(true);
    expect(truthiness({ kind: "object", fields: {} })).toBe(true);
  });

  it("a template with literal text is truthy; all holes cannot be told", () => {
    expect(truthiness({ kind: "str", parts: [{ lit: "v" }, { hole: { source: "x" } }] })).toBe(true);
    expect(truthiness({ kind: "str", parts: [{ hole: { source: "x" } }, { hole: { source: "y" } }] })).toBeUndefined();
    expect(truthiness({ kind: "str", parts: [{ lit: "" }] })).toBe(false);
    expect(truthiness(hole("x"))).toBeUndefined();
  });

  it("a hole whose pattern excludes the empty string is truthy", () => {
    expect(truthiness({ kind: "str", parts: [{ hole: { source: "n", pattern: "[0-9]+" } }] })).toBe(true);
    expect(truthiness({ kind: "str", parts: [{ hole: { source: "n", pattern: "[0-9]*" } }] })).toBeUndefined();
  });
});
