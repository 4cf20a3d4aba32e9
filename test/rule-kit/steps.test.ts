import { describe, expect, it } from "@jest/globals";
import { compositeFanout } from "../../bench/hostile.js";
import { collectBuilds, Project } from "../../src/engine/index.js";
import { MAX_PRECEDING_STEPS, precedingSteps } from "../../src/rule-kit/steps.js";

const at = (s: { span: { file: string; start: { line: number } } }) => `${s.span.file}:${s.span.start.line}`;

describe("precedingSteps", () => {
  it("lists the steps before a build in run order, composite actions expanded, the build's own action included", () => {
    const files = [
      {
        path: ".github/workflows/ci.yml",
        text: [
          "on: push",
          "jobs:",
          "  build:",
          "    runs-on: ubuntu-latest",
          "    steps:",
          "      - uses: actions/checkout@v5",
          "      - uses: ./.github/actions/prep",
          "      - uses: ./.github/actions/build",
          "",
        ].join("\n"),
      },
      { path: ".github/actions/prep/action.yml", text: "runs:\n  using: composite\n  steps:\n    - run: make gen\n      shell: bash\n    - run: make lint\n      shell: bash\n" },
      {
        path: ".github/actions/build/action.yml",
        text: "runs:\n  using: composite\n  steps:\n    - uses: docker/setup-buildx-action@v3\n    - uses: docker/build-push-action@v6\n      with:\n        push: true\n        tags: ghcr.io/acme/app:1\n",
      },
    ];
    const project = new Project(files);
    const [build] = collectBuilds(project).builds;
    expect(precedingSteps(project, build.visit).map(at)).toEqual([
      ".github/workflows/ci.yml:6",
      ".github/actions/prep/action.yml:4",
      ".github/actions/prep/action.yml:6",
      ".github/actions/build/action.yml:4",
    ]);
  });

  it("keeps the nearest steps of a fan-out of composite actions, each list expanded once", () => {
    // a0 calls a1 four times, …, a6 calls a7 four times: 4^7 builds, each after thousands of expanded steps.
    const project = new Project(compositeFanout(8, 4));
    const { builds } = collectBuilds(project);
    const last = builds.at(-1)!;
    const before = precedingSteps(project, last.visit);
    expect(before.length).toBe(MAX_PRECEDING_STEPS);
    // The nearest: the builds of the earlier calls of a7, the last one right before.
    expect(new Set(before.map(at))).toEqual(new Set([".github/actions/a7/action.yml:8"]));
    expect(before.at(-1)).toBe(last.visit.step);
    // The first build has only the workflow's checkout before it.
    expect(precedingSteps(project, builds[0].visit).map(at)).toEqual([".github/workflows/build.yml:8"]);
  });
});
