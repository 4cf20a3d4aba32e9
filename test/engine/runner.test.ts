import { describe, expect, it } from "@jest/globals";
import { runnerFacts } from "../../src/engine/scope.js";

describe("runnerFacts", () => {
  it.each([
    ["ubuntu-latest", { os: "Linux", arch: "X64" }],
    ["ubuntu-24.04-arm", { os: "Linux", arch: "ARM64" }],
    ["windows-2022", { os: "Windows", arch: "X64" }],
    ["windows-11-arm", { os: "Windows", arch: "ARM64" }],
    ["macos-14", { os: "macOS" }],
    [" Linux ", { os: "Linux" }],
    ["self-hosted", {}],
    ["ubuntu", {}],
    ["my-ubuntu-runners", {}],
  ])("%s", (label, facts) => {
    expect(runnerFacts(label)).toEqual(facts);
  });
});
