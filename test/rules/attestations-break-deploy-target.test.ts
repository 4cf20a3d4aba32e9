import { describe, expect, it } from "@jest/globals";
import { attestationFlag } from "../../src/rule-kit/images.js";
import { describeGoldenRule } from "../golden.js";

describeGoldenRule("attestations-break-deploy-target", { fire: 6, quiet: 7 });

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
