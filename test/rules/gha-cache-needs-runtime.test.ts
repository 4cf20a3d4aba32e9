import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

const RULE = "gha-cache-needs-runtime";

describe(`${RULE} golden fixtures`, () => {
  const cases = goldenCases(`test/fixtures/rules/${RULE}`, RULE);

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(4);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain(` ${RULE} `);
      expect(actual).toBe(c.expected);
    });
  }
});
