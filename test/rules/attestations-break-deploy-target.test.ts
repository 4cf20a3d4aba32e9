import { describe, expect, it } from "@jest/globals";
import { attestationFlag } from "../../src/rules/images.js";
import { goldenCases } from "../golden.js";

describe("attestations-break-deploy-target golden fixtures", () => {
  const cases = goldenCases("test/fixtures/rules/attestations-break-deploy-target", "attestations-break-deploy-target");

  it("has firing and quiet cases", () => {
    expect(cases.filter((c) => c.name.includes(": fire-")).length).toBeGreaterThanOrEqual(6);
    expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(7);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = c.actual();
      if (c.name.includes(": fire-")) expect(actual).toContain("attestations-break-deploy-target");
      expect(actual).toBe(c.expected);
    });
  }
});

describe("provenance and sbom values as buildx reads them", () => {
  it.each([
    ["false", false],
    ["0", false],
    ["FALSE", false],
    ["true", true],
    ["1", true],
    ["mode=max", true],
    ["mode=max,disabled=true", false],
    ["${{ inputs.provenance }}", undefined],
  ])("%s is %s", (value, on) => {
    expect(attestationFlag(value)).toBe(on);
  });
});
