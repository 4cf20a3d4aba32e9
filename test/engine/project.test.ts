import { describe, expect, it } from "@jest/globals";
import { analyze, collectBuilds } from "../../src/engine/index.js";
import { localUsesPath, Project, referencedPaths, type SourceFile } from "../../src/engine/project.js";

const step = (uses: string) => `      - uses: ${uses}\n`;
const workflow = (path: string, steps: string): SourceFile => ({
  path,
  text: `on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`,
});
const action = (path: string, steps: string): SourceFile => ({
  path,
  text: `runs:\n  using: composite\n  steps:\n${steps.replaceAll("      - ", "    - ")}`,
});

const FILES: SourceFile[] = [
  workflow(".github/workflows/b.yml", step("./.github/actions/build") + step("actions/checkout@v4")),
  workflow(".github/workflows/a.yml", step("actions/checkout@v4")),
  action(".github/actions/build/action.yml", step("docker/setup-buildx-action@v3")),
  action(".github/actions/build/action.yaml", step("docker/login-action@v3")),
  action(".github/actions/unused/action.yml", step("docker/setup-qemu-action@v3")),
  { path: ".github/workflows/big.yml", text: "", oversized: true },
  { path: "docker-bake.hcl", text: 'target "x" {\n  tags = [\n}\n' },
];

function summary(p: Project) {
  return {
    workflows: [...p.workflows.keys()],
    actions: [...p.actions].map(([dir, a]) => [dir, a.file]),
    yaml: p.yamlFiles.map((y) => y.file),
    notes: p.notes,
    bake: [...p.bakeFiles.keys()],
  };
}

describe("Project", () => {
  it("added to file by file is the project of all files at once", () => {
    const incremental = new Project(FILES.slice(0, 2));
    incremental.add(FILES.slice(2, 4));
    incremental.add([]);
    incremental.add(FILES.slice(4));
    expect(summary(incremental)).toEqual(summary(new Project(FILES)));
    expect(summary(incremental)).toEqual({
      workflows: [".github/workflows/a.yml", ".github/workflows/b.yml"],
      actions: [
        [".github/actions/build", ".github/actions/build/action.yaml"],
        [".github/actions/unused", ".github/actions/unused/action.yml"],
      ],
      yaml: [
        ".github/actions/build/action.yaml",
        ".github/actions/build/action.yml",
        ".github/actions/unused/action.yml",
        ".github/workflows/a.yml",
        ".github/workflows/b.yml",
      ],
      notes: [".github/workflows/big.yml: skipped, larger than 1048576 bytes", "docker-bake.hcl: skipped, not a valid HCL bake file"],
      bake: [],
    });
  });

  it("parses each file once, keeping the models it already made", () => {
    const project = new Project(FILES.slice(0, 1));
    const before = project.workflows.get(".github/workflows/b.yml");
    project.add(FILES.slice(1));
    expect(project.workflows.get(".github/workflows/b.yml")).toBe(before);
  });

  it("keeps no syntax tree of a workflow or action once its model is built; the model has what was read from it", () => {
    const text = [
      "on: push",
      "defaults:",
      "  run:",
      "    working-directory: top",
      "jobs:",
      "  a:",
      "    runs-on: { group: big, labels: [linux, arm64] }",
      "    defaults:",
      "      run:",
      "        working-directory: job-dir",
      "    steps:",
      "      - run: make",
      "      - run: make",
      "        working-directory: step-dir",
      "  b:",
      "    runs-on: [self-hosted, x64]",
      "    steps:",
      "      - run: make",
      "",
    ].join("\n");
    const project = new Project([{ path: ".github/workflows/w.yml", text }, ...FILES.slice(2, 3)]);
    expect(project.yamlFiles.map((y) => [y.file, y.doc])).toEqual([
      [".github/actions/build/action.yml", undefined],
      [".github/workflows/w.yml", undefined],
    ]);
    const [a, b] = project.workflows.get(".github/workflows/w.yml")!.jobs;
    expect([...a.steps, ...b.steps].map((s) => [s.workingDirectory?.value, s.workingDirectory?.span.start.line])).toEqual([
      ["job-dir", 10],
      ["step-dir", 14],
      ["top", 4],
    ]);
    expect([a, b].map((j) => j.runsOnLabels.map((l) => `${l.value}@${l.span.start.line}:${l.span.start.col}`))).toEqual([
      ["linux@7:37", "arm64@7:44"],
      ["self-hosted@16:15", "x64@16:28"],
    ]);
  });

  it("finds YAML files and actions by path", () => {
    const project = new Project(FILES);
    expect(project.yamlFile(".github/actions/build/action.yml")?.file).toBe(".github/actions/build/action.yml");
    expect(project.yamlFile(".github/workflows/big.yml")).toBeUndefined();
    expect(project.actionAt(".github/actions/build/action.yaml")?.steps.map((s) => s.uses?.value)).toEqual(["docker/login-action@v3"]);
    expect(project.actionAt(".github/actions/build/action.yml")).toBeUndefined();
  });

  it("can be analysed as built", () => {
    expect(analyze(new Project(FILES))).toEqual(analyze(FILES));
  });
});

describe("local uses after a checkout into a directory", () => {
  const steps = (text: string) => {
    const workflow = new Project([{ path: ".github/workflows/ci.yml", text: `on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n${text}` }]).workflows.get(".github/workflows/ci.yml");
    return workflow?.jobs[0].steps ?? [];
  };
  const checkout = (path: string, extra = "") => `      - uses: actions/checkout@v4\n        with:\n          path: ${path}\n${extra}`;

  it("names the repository's own files under the directory the repository was checked out into", () => {
    const before = steps(checkout("action"));
    expect(localUsesPath("./action", before)).toBe("");
    expect(localUsesPath("./action/sub", before)).toBe("sub");
    expect(localUsesPath("./other", before)).toBe("other");
    expect(localUsesPath("./action", [])).toBe("action");
    // The latest checkout that holds the path wins; another repository's checkout, or a computed path, does not count.
    expect(localUsesPath("./a/b", steps(checkout("a") + checkout("a/b")))).toBe("");
    expect(localUsesPath("./action", steps(checkout("action", "          repository: acme/tools\n")))).toBe("action");
    expect(localUsesPath("./action", steps(checkout("${{ github.workspace }}/action")))).toBe("action");
  });

  it("asks for the repository's root action when a workflow runs it from that directory", () => {
    const ci = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n" + checkout("action") + "      - uses: ./action\n";
    expect(referencedPaths([{ path: ".github/workflows/ci.yml", text: ci }])).toEqual(["action.yaml", "action.yml"]);
  });
});

describe("collectBuilds", () => {
  it("records the step visits of the workflows, with called actions expanded, but not of actions no workflow calls", () => {
    const { visits } = collectBuilds(new Project(FILES));
    expect(visits.map((v) => [v.workflow.file, v.event.label, v.file, v.step.uses?.value])).toEqual([
      [".github/workflows/a.yml", "push to a branch", ".github/workflows/a.yml", "actions/checkout@v4"],
      [".github/workflows/a.yml", "push of a tag", ".github/workflows/a.yml", "actions/checkout@v4"],
      [".github/workflows/b.yml", "push to a branch", ".github/actions/build/action.yaml", "docker/login-action@v3"],
      [".github/workflows/b.yml", "push to a branch", ".github/workflows/b.yml", "actions/checkout@v4"],
      [".github/workflows/b.yml", "push of a tag", ".github/actions/build/action.yaml", "docker/login-action@v3"],
      [".github/workflows/b.yml", "push of a tag", ".github/workflows/b.yml", "actions/checkout@v4"],
    ]);
  });
});

describe("notes on references the walk cannot follow", () => {
  it("names a missing local action, and a reusable workflow used as a step", () => {
    const files: SourceFile[] = [
      workflow(".github/workflows/a.yml", step("./.github/actions/missing") + step("./.github/workflows/reusable.yml")),
      { path: ".github/workflows/reusable.yml", text: "on:\n  workflow_call:\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n" },
    ];
    expect(analyze(files).notes).toEqual([
      ".github/workflows/a.yml:6: local action ./.github/actions/missing was not found in the repository",
      ".github/workflows/a.yml:7: ./.github/workflows/reusable.yml is a reusable workflow: GitHub runs one as a job (jobs.<id>.uses), not as a step, and rejects this workflow",
    ]);
  });

  it("says a call nested deeper than the walk expands is too deep, and a call of itself recursive", () => {
    const chain = (n: number, uses: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => action(`.github/actions/a${i}/action.yml`, step(uses(i))));
    const deep = [workflow(".github/workflows/a.yml", step("./.github/actions/a0")), ...chain(10, (i) => (i < 9 ? `./.github/actions/a${i + 1}` : "actions/checkout@v5"))];
    expect(analyze(deep).notes).toEqual([".github/actions/a7/action.yml:4: local action ./.github/actions/a8 is nested 9 calls deep; tagguard expands 8"]);
    const loop = [workflow(".github/workflows/a.yml", step("./.github/actions/a0")), ...chain(2, (i) => `./.github/actions/a${(i + 1) % 2}`)];
    expect(analyze(loop).notes).toEqual([".github/actions/a1/action.yml:4: local action ./.github/actions/a0 calls itself; expansion stopped"]);
  });
});

describe("workflow files GitHub rejects", () => {
  it("are noted, once each: empty, not a mapping, without on: or without jobs; other YAML files are not", () => {
    const files: SourceFile[] = [
      { path: ".github/workflows/a.yml", text: "" },
      { path: ".github/workflows/b.yml", text: "# no workflow yet\n- build\n" },
      { path: ".github/workflows/c.yml", text: "on: push\njobs: {}\n" },
      { path: ".github/workflows/d.yml", text: "name: d\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n" },
      { path: ".github/workflows/e.yml", text: "name: e\n" },
      workflow(".github/workflows/ok.yml", step("actions/checkout@v4")),
      // Read as a workflow when a directory without .github/workflows is linted, but not one GitHub reads.
      { path: ".github/dependabot.yml", text: "version: 2\n", kind: "workflow" },
    ];
    expect(analyze(files).notes).toEqual([
      ".github/workflows/a.yml:1: GitHub rejects this workflow: the file is empty",
      ".github/workflows/b.yml:2: GitHub rejects this workflow: it is not a mapping with on: and jobs:",
      ".github/workflows/c.yml:1: GitHub rejects this workflow: it has no jobs",
      ".github/workflows/d.yml:1: GitHub rejects this workflow: it has no on:",
      ".github/workflows/e.yml:1: GitHub rejects this workflow: it has no on: and no jobs",
    ]);
  });
});

describe("YAML syntax errors", () => {
  it("reports the first error of a file and counts those after it", () => {
    const messages = (text: string) => analyze([{ path: ".github/workflows/a.yml", text }]).findings.map((f) => `${f.primary.start.line}:${f.primary.start.col} ${f.message}`);
    expect(messages("on: push\njobs: [\n")).toEqual(["2:7 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
    // yaml points at the indentation of a misindented key; the finding points at the key.
    expect(messages("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n         push: true\n")).toEqual([
      "9:10 YAML syntax error: All mapping items must start at the same column",
    ]);
    expect(messages("on: push\njobs:\n\tbuild:\n\t\truns-on: x\n")).toEqual(["3:1 YAML syntax error: Tabs are not allowed as indentation (1 more error follows from it)"]);
    expect(messages("on: push\njobs:\n\tbuild:\n\t\truns-on: x\n\t\tsteps: []\n")).toEqual([
      "3:1 YAML syntax error: Tabs are not allowed as indentation (2 more errors follow from it)",
    ]);
  });
});

describe("a file with a YAML error", () => {
  it("is reported and not analysed: GitHub refuses it, so none of its builds runs", () => {
    const text = (run: string) =>
      `on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:latest\n          cache-to: type=registry,ref=ghcr.io/acme/app:latest\n`;
    const rules = (run: string) => analyze([{ path: ".github/workflows/a.yml", text: text(run) }]).findings.map((f) => `${f.ruleId} ${f.primary.start.line}`);
    // An unquoted colon and space in a plain scalar: YAML (and GitHub) read a nested mapping there.
    expect(rules("'echo ready: yes'")).toEqual(["cache-overwrites-tag 11"]);
    expect(rules("echo ready: yes")).toEqual(["parse-error 6"]);
  });

  it("includes a key written twice in one mapping, which GitHub refuses ('env' is already defined); Compose and JSON keep the later one", () => {
    const text = `on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n        env:\n          A: 1\n        env:\n          B: 2\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:latest\n          cache-to: type=registry,ref=ghcr.io/acme/app:latest\n`;
    const findings = analyze([{ path: ".github/workflows/a.yml", text }]).findings;
    expect(findings.map((f) => `${f.ruleId} ${f.primary.start.line}:${f.primary.start.col} ${f.message}`)).toEqual([
      "parse-error 9:9 YAML syntax error: 'env' is already defined (GitHub rejects a mapping that repeats a key)",
    ]);
    const compose = "services:\n  app:\n    image: ghcr.io/acme/app:latest\n    image: ghcr.io/acme/app:edge\n";
    expect(new Project([{ path: "compose.yaml", text: compose }]).yamlFiles.flatMap((y) => y.problems)).toEqual([]);
  });
});

describe("github.event.inputs", () => {
  it("is null outside a dispatch: a tag that falls back on it is the fallback on a push", () => {
    const text = (on: string) =>
      `on: ${on}\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:\${{ github.event.inputs.tag || 'edge' }}\n          cache-to: type=registry,ref=ghcr.io/acme/app:edge\n`;
    const rules = (on: string) => analyze([{ path: ".github/workflows/a.yml", text: text(on) }]).findings.map((f) => `${f.ruleId} ${f.confidence}`);
    expect(rules("push")).toEqual(["cache-overwrites-tag definite"]);
    // A dispatch may name another tag: the cache line overwrites edge only when the input is empty.
    expect(rules("workflow_dispatch")).toEqual(["cache-overwrites-tag possible"]);
  });
});

describe("a pull request's fork guard", () => {
  it("is false on a push, which has no pull_request object: the job runs only for pull requests", () => {
    const build = (on: string, guard: string, platforms: string) =>
      `on:\n${on}\njobs:\n  publish:\n${guard}    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/api:\${{ github.sha }}\n          platforms: ${platforms}\n`;
    const files = (guard: string): SourceFile[] => [
      { path: ".github/workflows/cd.yml", text: build("  push:\n    branches: [master]", "", "linux/amd64,linux/arm64") },
      { path: ".github/workflows/ci.yml", text: build("  push:\n    branches: [master]\n  pull_request:", guard, "linux/amd64") },
    ];
    const rules = (guard: string) => analyze(files(guard), { repository: "acme/api" }).findings.map((f) => `${f.ruleId} ${f.confidence}`);
    // Unguarded, the push runs collide; a pull request's run tags the merge commit GitHub made for it, never pushed.
    expect(rules("")).toEqual(["tag-pushed-by-multiple-builds possible"]);
    expect(rules("    if: github.event.pull_request.head.repo.full_name == github.repository\n")).toEqual([]);
  });
});

describe("the needs context", () => {
  const publish = (cond: string) =>
    `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  publish:\n    needs: [a]\n    if: ${cond}\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/app:\${{ needs.b.outputs.tag || 'latest' }}\n          cache-to: type=registry,ref=ghcr.io/acme/app:latest\n`;
  const findings = (cond: string) => analyze([{ path: ".github/workflows/a.yml", text: publish(cond) }]).findings;
  const rules = (cond: string) => findings(cond).map((f) => `${f.ruleId} ${f.confidence}`);

  it("has the jobs listed in needs:, read one by one or all at once (needs.*.result): the job may run", () => {
    expect(findings("contains(needs.*.result, 'success')").map((f) => f.ruleId)).toEqual(["cache-overwrites-tag"]);
    expect(findings("needs.a.result == 'success'").map((f) => f.ruleId)).toEqual(["cache-overwrites-tag"]);
  });

  it("has no job that is not listed: its outputs are null (the tag falls back to latest)", () => {
    expect(rules("always()")).toEqual(["cache-overwrites-tag definite"]);
  });
});
