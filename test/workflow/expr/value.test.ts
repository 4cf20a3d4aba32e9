import { describe, expect, it } from "@jest/globals";
import { jsonEqual, normalizeTemplate, TemplateWriter } from "../../../src/workflow/expr/value.js";

describe("jsonEqual", () => {
  const pairs: [unknown, unknown][] = [
    [{ kind: "str", parts: [{ lit: "a" }] }, { kind: "str", parts: [{ lit: "a" }] }],
    [{ kind: "str", parts: [{ lit: "a" }] }, { kind: "str", parts: [{ lit: "b" }] }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: 1, b: undefined }, { a: 1 }],
    [{ a: 1, f: () => 1 }, { a: 1 }],
    [[undefined], [null]],
    [[() => 1], [null]],
    [[1, 2], [1, 2, 3]],
    [[], {}],
    [0, -0],
    [NaN, null],
    [Infinity, null],
    [Infinity, -Infinity],
    ["1", 1],
    [true, "true"],
    [undefined, undefined],
    [undefined, null],
    [() => 1, undefined],
    [{ hole: { source: "x", pattern: undefined } }, { hole: { source: "x" } }],
    [{ hole: { source: "x", multiline: true } }, { hole: { source: "x" } }],
    [{ x: [{ y: [1, { z: "q" }] }] }, { x: [{ y: [1, { z: "q" }] }] }],
    [{ x: [{ y: [1, { z: "q" }] }] }, { x: [{ y: [1, { z: "r" }] }] }],
    [{ "1": "a", b: "c" }, { b: "c", "1": "a" }],
  ];

  it.each(pairs)("%p vs %p answers as JSON.stringify compares", (a, b) => {
    const expected = JSON.stringify(a) === JSON.stringify(b);
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });
});

describe("TemplateWriter", () => {
  it("writes what normalizeTemplate makes of the same pieces", () => {
    const out = new TemplateWriter();
    out.text("ghcr.io/");
    out.part({ lit: "" });
    out.template([{ lit: "o/" }, { hole: { source: "github.repository" } }, { lit: "" }, { lit: ":" }]);
    out.part({ hole: { source: "github.sha" } });
    out.text("");
    expect(out.done()).toEqual([{ lit: "ghcr.io/o/" }, { hole: { source: "github.repository" } }, { lit: ":" }, { hole: { source: "github.sha" } }]);
    expect(normalizeTemplate([{ lit: "" }, { lit: "a" }, { lit: "b" }, { hole: { source: "x" } }, { hole: { source: "y" } }, { lit: "" }])).toEqual([
      { lit: "ab" },
      { hole: { source: "x" } },
      { hole: { source: "y" } },
    ]);
    expect(normalizeTemplate([{ lit: "" }])).toEqual([]);
  });
});
