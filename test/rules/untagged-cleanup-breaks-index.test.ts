import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

describe("untagged-cleanup-breaks-index golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/untagged-cleanup-breaks-index", "untagged-cleanup-breaks-index");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(6);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(6);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("untagged-cleanup-breaks-index");
      expect(actual).toBe(c.expected);
    });
  }
});
