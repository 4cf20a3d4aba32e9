import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

describe("unused-ignore golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/unused-ignore", "unused-ignore");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(2);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("unused-ignore");
      expect(actual).toBe(c.expected);
    });
  }
});
