import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";

interface Action {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: { id: string; shell: string; "working-directory": string; env: Record<string, string>; run: string }[] };
}

const action = parse(readFileSync("action.yml", "utf8")) as Action;
const workspace = mkdtempSync(join(tmpdir(), "tagguard-action-"));
cpSync("test/fixtures/cli/configured", join(workspace, "app"), { recursive: true });
cpSync("test/fixtures/cli/context", join(workspace, "context"), { recursive: true });
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/**
 * Runs the action's step as a runner would: `${{ inputs.* }}` (or their defaults) and `${{ github.* }}`
 * substituted into its env, the script run by `bash --noprofile --norc -eo pipefail` in the workspace.
 * The action path is this checkout, whose built CLI (`npm test` builds lib/ first) the step then uses.
 */
function runAction(inputs: Record<string, string>, cwd = "app", o: { actionPath?: string; path?: string } = {}) {
  const [step] = action.runs.steps;
  const github: Record<string, string> = { action_path: o.actionPath ?? resolve("."), workspace: join(workspace, cwd) };
  const expand = (v: string) =>
    v.replace(/\$\{\{ (inputs|github)\.([\w-]+) \}\}/g, (_, ctx: string, name: string) =>
      ctx === "inputs" ? (inputs[name] ?? action.inputs[name]!.default) : github[name]!,
    );
  const output = join(workspace, "github-output");
  writeFileSync(output, "");
  const env = Object.fromEntries(Object.entries(step!.env).map(([k, v]) => [k, expand(v)]));
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step!.run], {
    cwd: expand(step!["working-directory"]),
    env: { PATH: o.path ?? process.env.PATH, GITHUB_OUTPUT: output, ...env },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: readFileSync(output, "utf8") };
}

describe("action.yml", () => {
  it("is a composite action with the documented inputs", () => {
    expect(action.runs.using).toBe("composite");
    expect(Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default]))).toEqual({
      paths: ".",
      format: "github",
      config: "",
      "fail-on": "error",
      "sarif-file": "",
    });
  });

  it("by default annotates the workspace's findings and fails only on errors", () => {
    const { code, stdout, stderr, output } = runAction({});
    expect({ code, stderr, output }).toEqual({ code: 0, stderr: "", output: "" });
    expect(stdout).toMatch(/^::warning file=\.github\/workflows\/release\.yml,line=12,endLine=12,col=21,endColumn=70,title=cache-overwrites-tag::cache-to exports/);
  });

  it("fail-on: warning fails the step; sarif-file writes the log and names it in the step's outputs", () => {
    const { code, output } = runAction({ "fail-on": "warning", "sarif-file": "tagguard.sarif" });
    expect(code).toBe(1);
    expect(output).toBe("sarif-file=tagguard.sarif\n");
    const log = JSON.parse(readFileSync(join(workspace, "app", "tagguard.sarif"), "utf8"));
    expect(log.runs[0].results.map((r: { ruleId: string; level: string }) => `${r.ruleId} ${r.level}`)).toEqual(["cache-overwrites-tag warning"]);
  });

  it("paths (several, on lines) and config are passed through; format picks the output", () => {
    const { code, stdout } = runAction({ paths: "app\ncontext", config: "app/.github/tagguard.yml", format: "json" }, ".");
    expect(code).toBe(0);
    const findings = (JSON.parse(stdout) as { findings: { file: string; severity: string }[] }).findings;
    expect(findings.map((f) => `${f.file} ${f.severity}`)).toEqual([
      "app/.github/workflows/release.yml warning",
      "context/.github/workflows/nightly.yml warning",
      "context/.github/workflows/release.yml warning",
    ]);
  });

  it("without a built CLI in the action's checkout (uses: owner/repo@ref), builds it there once, with its lockfile and no install scripts", () => {
    // The action's checkout without lib/, and an npm that records how it is called and builds by linking this lib/.
    const actionPath = join(workspace, "action");
    cpSync("package.json", join(actionPath, "package.json"));
    const bin = join(workspace, "bin");
    mkdirSync(bin);
    const calls = join(workspace, "npm-calls");
    writeFileSync(calls, "");
    writeFileSync(
      join(bin, "npm"),
      `#!/bin/sh\necho "$PWD $*" >> '${calls}'\nif [ "$1" = run ]; then ln -s '${resolve("lib")}' lib; fi\n`,
      { mode: 0o755 },
    );
    const first = runAction({}, "app", { actionPath, path: `${bin}:${process.env.PATH}` });
    const second = runAction({}, "app", { actionPath, path: `${bin}:${process.env.PATH}` });

    expect(readFileSync(calls, "utf8")).toBe(`${actionPath} ci --ignore-scripts --no-audit --no-fund\n${actionPath} run build\n`);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
    expect(first.stdout).toMatch(/^::group::Building tagguard from .*\n::endgroup::\n::warning file=\.github\/workflows\/release\.yml,line=12,/);
    expect(second.stdout).toMatch(/^::warning file=\.github\/workflows\/release\.yml,line=12,/);
  });

  it("a wrong input fails the step with the CLI's message", () => {
    const { code, stderr } = runAction({ format: "xml" });
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe('tagguard lint: --format must be one of text, json, sarif, github, not "xml"');
  });
});
