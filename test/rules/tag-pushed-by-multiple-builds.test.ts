import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

describe("tag-pushed-by-multiple-builds golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/tag-pushed-by-multiple-builds", "tag-pushed-by-multiple-builds");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(6);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("tag-pushed-by-multiple-builds");
      expect(actual).toBe(c.expected);
    });
  }
});
