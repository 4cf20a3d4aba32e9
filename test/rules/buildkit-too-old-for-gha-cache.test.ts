import { describe, expect, it } from "@jest/globals";
import { goldenCases } from "../golden.js";

const RULE = "buildkit-too-old-for-gha-cache";

describe(`${RULE} golden fixtures`, () => {
  const cases = goldenCases(`test/fixtures/rules/${RULE}`, RULE);

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-") && !c.name.includes(": fire-trap-")).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(3);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      // fire-trap-* cases: another rule reports the location, this one must not.
      if (c.name.includes(": fire-trap-")) expect(actual).not.toContain(` ${RULE} `);
      else if (c.name.includes(": fire-")) expect(actual).toContain(` ${RULE} `);
      expect(actual).toBe(c.expected);
    });
  }
});
