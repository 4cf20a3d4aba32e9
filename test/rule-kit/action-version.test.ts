import { describe, expect, it } from "@jest/globals";
import { Project } from "../../src/engine/index.js";
import { actionVersion } from "../../src/rule-kit/action-version.js";

const SHA = "d3bdcf5ce9b05f685154e4a16c39233b245e3d53";

function versionOf(uses: string): number[] | undefined {
  const text = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${uses}\n`;
  const project = new Project([{ path: ".github/workflows/a.yml", text }]);
  const step = project.workflows.get(".github/workflows/a.yml")!.jobs[0].steps[0];
  return actionVersion(project, step);
}

describe("actionVersion", () => {
  it("reads a version tag", () => {
    expect(versionOf("snok/container-retention-policy@v3")).toEqual([3]);
    expect(versionOf("snok/container-retention-policy@v3.1.0")).toEqual([3, 1, 0]);
    expect(versionOf("docker/build-push-action@3.3")).toEqual([3, 3]);
  });

  it("reads the version comment after a commit pin, as Dependabot and Renovate write it", () => {
    expect(versionOf(`snok/container-retention-policy@${SHA} # v3.1.0`)).toEqual([3, 1, 0]);
    expect(versionOf(`snok/container-retention-policy@${SHA} #tag=v3.0.1`)).toEqual([3, 0, 1]);
    expect(versionOf(`"snok/container-retention-policy@${SHA}" # 3.1`)).toEqual([3, 1]);
  });

  it("knows no version for a commit without one, a branch, or a comment that names none", () => {
    // The digits a SHA starts with are not a version (4f22ef8… is v3.0.0).
    expect(versionOf("snok/container-retention-policy@4f22ef80902ad409ed55a99dc5133cc1250a0d03")).toBeUndefined();
    expect(versionOf("snok/container-retention-policy@main")).toBeUndefined();
    expect(versionOf(`snok/container-retention-policy@${SHA} # pinned`)).toBeUndefined();
    expect(versionOf("snok/container-retention-policy@v3-beta")).toBeUndefined();
  });
});
