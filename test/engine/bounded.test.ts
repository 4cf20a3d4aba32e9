import { describe, expect, it } from "@jest/globals";
import {
  bakeDiamondGroups,
  bakeDiamondInherits,
  compositeFanout,
  hclDoublingVariables,
  heavyMatrix,
  heavyMetadata,
  reusableFanout,
} from "../../bench/hostile.js";
import { Budget, limitsFor } from "../../src/engine/budget.js";
import { defaultConfig } from "../../src/config/index.js";
import { analyze, collectBuilds, Project } from "../../src/engine/index.js";

/**
 * Hostile shapes from issue 11 at small sizes: each analysis ends, counts bounded work, and reports
 * `analysis-limit` where a budget is hit. Work is counted, never timed.
 */
function run(files: { path: string; text: string }[]) {
  const project = new Project(files);
  const budget = new Budget(limitsFor(project));
  const { builds } = collectBuilds(project, undefined, budget);
  const findings = analyze(files).findings.map((f) => `${f.ruleId} ${f.primary.file}:${f.primary.start.line}`);
  return { budget, builds: builds.length, findings };
}

describe("bounded work on hostile input", () => {
  it("resolves a bake diamond of inherits once per target", () => {
    const { budget, builds, findings } = run(bakeDiamondInherits(30));
    // 30 targets, each resolved once, for the one invocation (2^30 paths lead to the last one).
    expect(budget.used).toEqual({ stepVisits: 2, builds: 1, bakeNodes: 30 });
    expect(builds).toBe(1);
    expect(findings).toEqual(["cache-overwrites-tag docker-bake.hcl:119"]);
  });

  it("expands a bake diamond of groups once per group", () => {
    const { budget, builds, findings } = run(bakeDiamondGroups(30));
    // 30 groups expanded once each (2^29 paths lead to the last one), then the one target resolved.
    expect(budget.used).toEqual({ stepVisits: 2, builds: 1, bakeNodes: 31 });
    expect(builds).toBe(1);
    expect(findings).toEqual(["cache-overwrites-tag docker-bake.hcl:123"]);
  });

  it("stops HCL variables that double each other at the size limit", () => {
    const { budget, findings } = run(hclDoublingVariables(31));
    expect(budget.hit?.message).toBe("a value grew past 1,048,576 characters (values that repeat each other)");
    expect(findings).toEqual(["analysis-limit .github/workflows/bake.yml:9"]);
  });

  it("stops workflow env variables that double each other at the size limit, at the first too long (V20)", () => {
    const env = Array.from({ length: 30 }, (_, i) => `  V${i}: ${i ? `\${{ env.V${i - 1} }}\${{ env.V${i - 1} }}` : "ab"}\n`).join("");
    const workflow = `on: push\nenv:\n${env}jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n`;
    const { findings } = run([{ path: ".github/workflows/env.yml", text: workflow }]);
    expect(findings).toEqual(["analysis-limit .github/workflows/env.yml:23"]);
  });

  it("stops a script that doubles a variable through $GITHUB_ENV at the size limit, at that step", () => {
    const steps = Array.from({ length: 40 }, () => `      - run: echo "A=$A$A" >> "$GITHUB_ENV"\n`).join("");
    const workflow = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      A: ab\n    steps:\n${steps}      - run: docker build -t ghcr.io/acme/app:$A --push .\n`;
    expect(run([{ path: ".github/workflows/env.yml", text: workflow }]).findings).toEqual(["analysis-limit .github/workflows/env.yml:26"]);
  });

  it("stops format() that repeats a variable into the next at the size limit, at the first too long (V10)", () => {
    const env = Array.from({ length: 30 }, (_, i) => `  V${i + 1}: \${{ format('{0}{0}{0}{0}', env.V${i}) }}\n`).join("");
    const workflow = `on: push\nenv:\n  V0: ab\n${env}jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n`;
    expect(run([{ path: ".github/workflows/format.yml", text: workflow }]).findings).toEqual(["analysis-limit .github/workflows/format.yml:13"]);
  });

  it("stops composite actions that each call the next four times at the build budget, keeping earlier findings", () => {
    const files = compositeFanout(8, 4);
    const { budget, findings } = run(files);
    const declared = 7 * 4 + 1 + 2;
    expect(budget.used.builds).toBe(10_000 + 32 * declared + 1);
    expect(budget.hit?.message).toBe(
      "the analysis found 10,992 builds (every workflow × event × matrix leg, with composite actions and reusable workflows expanded into each caller) and stopped here; limits.builds in .github/tagguard.yml raises the limit",
    );
    expect(budget.hit?.span.file).toBe(".github/actions/a7/action.yml");
    expect(findings).toEqual(["analysis-limit .github/actions/a7/action.yml:8", "cache-overwrites-tag .github/actions/a7/action.yml:12"]);
  });

  it("stops composite actions that each call the next six times, building nothing, at the step budget", () => {
    const files = compositeFanout(8, 6).map((f) => (f.path.endsWith("a7/action.yml") ? { ...f, text: f.text.replace(/ {4}- uses: docker\/build-push-action[^]*$/, "    - run: echo \"${{ inputs.tag }}\"\n      shell: bash\n") } : f));
    const { budget, findings } = run(files);
    const declared = 7 * 6 + 1 + 2;
    expect(budget.used.stepVisits).toBe(100_000 + 64 * declared + 1);
    expect(budget.used.builds).toBe(0);
    expect(findings).toEqual(["analysis-limit .github/actions/a6/action.yml:17"]);
  });

  it("takes the step and build budgets from limits in the configuration", () => {
    const files = compositeFanout(8, 4);
    const result = analyze(files, { config: { ...defaultConfig(), limits: { steps: 1_000 } } });
    expect(result.findings.map((f) => `${f.ruleId} ${f.primary.file}:${f.primary.start.line}`)).toEqual(["analysis-limit .github/actions/a7/action.yml:8", "cache-overwrites-tag .github/actions/a7/action.yml:12"]);
    expect(result.findings[0].message).toBe(
      "Analysis stopped early: the analysis evaluated 1,000 steps (every workflow × event × matrix leg, with composite actions and reusable workflows expanded into each caller) and stopped here; limits.steps in .github/tagguard.yml raises the limit. Findings in what was not evaluated may be missing.",
    );
    const builds = analyze(files, { config: { ...defaultConfig(), limits: { builds: 1_000 } } });
    expect(builds.findings.map((f) => `${f.ruleId} ${f.primary.file}:${f.primary.start.line}`)).toEqual(["analysis-limit .github/actions/a7/action.yml:8", "cache-overwrites-tag .github/actions/a7/action.yml:12"]);
    expect(builds.findings[0].message).toContain("the analysis found 1,000 builds");
    expect(limitsFor(new Project(files), { steps: 250_000, builds: 30_000 })).toMatchObject({ stepVisits: 250_000, builds: 30_000 });
  });

  it("stops reusable workflows that each call the next four times at the build budget", () => {
    const { budget, findings } = run(reusableFanout(9, 4));
    // 8 workflows × 4 calling jobs, the leaf's step and the caller's job: 34 declared.
    expect(budget.hit?.message).toBe(
      "the analysis found 11,088 builds (every workflow × event × matrix leg, with composite actions and reusable workflows expanded into each caller) and stopped here; limits.builds in .github/tagguard.yml raises the limit",
    );
    expect(findings).toEqual(["analysis-limit .github/workflows/r8.yml:11", "cache-overwrites-tag .github/workflows/r8.yml:15"]);
  });

  it("analyses a matrix fanned out through a reusable workflow's own matrix whole when its steps build nothing (shinsenter/php)", () => {
    const legs = (n: number) => `[${Array.from({ length: n }, (_, i) => `l${i}`).join(", ")}]`;
    const steps = Array.from({ length: 8 }, (_, i) => `      - run: echo "${i} \${{ matrix.v }} \${{ inputs.os }}"\n`).join("");
    const files = [
      {
        path: ".github/workflows/all.yml",
        text: `on:\n  push:\n    branches: [main]\n  pull_request:\n  schedule:\n    - cron: "0 0 * * *"\n  workflow_dispatch:\njobs:\n  php:\n    strategy:\n      matrix:\n        os: ${legs(30)}\n    uses: ./.github/workflows/php.yml\n    with:\n      os: \${{ matrix.os }}\n`,
      },
      {
        path: ".github/workflows/php.yml",
        text: `on:\n  workflow_call:\n    inputs:\n      os:\n        type: string\njobs:\n  build:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        v: ${legs(24)}\n    steps:\n${steps}`,
      },
    ];
    const { budget, findings } = run(files);
    // 4 events × 30 legs × (the call and 24 legs × 8 steps): more than the 20,000 plus 64 per step of earlier versions.
    expect(budget.used.stepVisits).toBe(4 * 30 * (1 + 24 * 8));
    expect(budget.hit).toBeUndefined();
    expect(findings).toEqual([]);
  });

  it("analyses small fan-outs whole", () => {
    expect(run(compositeFanout(4, 3)).findings).toEqual(["cache-overwrites-tag .github/actions/a3/action.yml:12"]);
    expect(run(reusableFanout(4, 3)).budget.hit).toBeUndefined();
  });

  it("analyses heavy but legal workflows whole, one finding per rule and location", () => {
    const matrix = run(heavyMatrix(5, 4));
    expect(matrix.budget.hit).toBeUndefined();
    expect(matrix.budget.used.stepVisits).toBe(5 * 32 * 4);
    expect(matrix.findings.filter((f) => f.startsWith("cache-overwrites-tag")).length).toBe(5 * 4);
    const metadata = run(heavyMetadata(3, 2));
    expect(metadata.budget.hit).toBeUndefined();
    expect(metadata.findings.length).toBe(3 * 2);
  });
});
