import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

describe("git-context-ignores-workspace golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/git-context-ignores-workspace", "git-context-ignores-workspace");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(5);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("git-context-ignores-workspace");
      expect(actual).toBe(c.expected);
    });
  }
});
