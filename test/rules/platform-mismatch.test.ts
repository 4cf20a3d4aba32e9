import { describe, expect, it } from "@jest/globals";
import { runnerArch } from "../../src/rule-kit/steps.js";
import { describeGoldenRule } from "../golden.js";

describeGoldenRule("platform-mismatch", { fire: 4, quiet: 5 });

describe("runner architecture from runs-on labels", () => {
  it.each([
    [["ubuntu-24.04-arm"], "arm64"],
    [["windows-11-arm"], "arm64"],
    [["self-hosted", "linux", "ARM64"], "arm64"],
    [["linux_aarch64"], "arm64"],
    [["ubuntu-latest"], "amd64"],
    [["ubuntu-22.04"], "amd64"],
    [["self-hosted", "X64"], "amd64"],
    [["linux_x86_64"], "amd64"],
    [["self-hosted"], undefined],
    [["swarm-runner"], undefined],
    [["macos-14"], undefined],
  ])("%j is %s", (labels, arch) => {
    expect(runnerArch(labels)).toBe(arch);
  });
});
