import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

describe("cache-overwrites-tag golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/cache-overwrites-tag", "cache-overwrites-tag");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(5);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("cache-overwrites-tag");
      expect(actual).toBe(c.expected);
    });
  }
});
