import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { validateJson } from "../../src/config/json-schema.js";
import { lint } from "./run-cli.js";

const REPO = "test/fixtures/cli/configured";
const sarifSchema = JSON.parse(readFileSync("test/fixtures/sarif/sarif-schema-2.1.0.json", "utf8")) as object;
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("tagguard lint configuration", () => {
  it("reads PATH/.github/tagguard.yml: the severity remap makes the finding a warning and the exit status 0", () => {
    const { code, stdout } = lint(["--format", "json", REPO]);
    expect(code).toBe(0);
    const findings = (JSON.parse(stdout) as { findings: { rule: string; severity: string; line: number }[] }).findings;
    expect(findings.filter((f) => f.rule === "cache-overwrites-tag").map((f) => [f.severity, f.line])).toEqual([["warning", 12]]);
  });

  it("reports an invalid --config FILE with a snippet, falls back to the defaults and fails", () => {
    const { code, stdout } = lint(["--config", "test/fixtures/cli/invalid-tagguard.yml", REPO]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      [
        "test/fixtures/cli/invalid-tagguard.yml:3:15: error invalid-config: test/fixtures/cli/invalid-tagguard.yml is invalid, so tagguard ignores it and uses its defaults.",
        "  3 |     severity: fatal",
        "    |               ^~~~~",
        '  rules.cache-overwrites-tag.severity: must be one of "error", "warning", "info", not "fatal"',
        "  confidence: definite, docs: https://github.com/tagguard/tagguard/blob/v0.1.0/docs/rules/invalid-config.md",
        "",
        "2 findings (2 errors, 0 warnings, 0 info) in 1 file",
        "",
      ].join("\n"),
    );
    expect(stdout).toContain(".github/workflows/release.yml:12:21: error cache-overwrites-tag: cache-to exports");
  });

  it("fails with status 2 when --config names a missing file", () => {
    const { code, stderr } = lint(["--config=test/fixtures/cli/missing.yml", REPO]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tagguard lint: cannot read .*test\/fixtures\/cli\/missing\.yml: no such file or directory \(ENOENT\)\n$/);
  });
});

describe("tagguard lint --format", () => {
  it("sarif: a valid SARIF 2.1.0 log with the package version", () => {
    const { code, stdout } = lint(["--format", "sarif", REPO]);
    expect(code).toBe(0);
    const log = JSON.parse(stdout);
    expect(validateJson(sarifSchema, log)).toEqual([]);
    expect(log.runs[0].tool.driver.version).toBe(version);
    const result = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "cache-overwrites-tag");
    expect(result.level).toBe("warning");
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 12, startColumn: 21, endLine: 12, endColumn: 71 });
  });

  it("github: workflow commands", () => {
    const { code, stdout } = lint(["--format=github", REPO]);
    expect(code).toBe(0);
    expect(stdout.split("\n").find((l) => l.includes("title=cache-overwrites-tag"))).toMatch(
      /^::warning file=\.github\/workflows\/release\.yml,line=12,endLine=12,col=21,endColumn=70,title=cache-overwrites-tag::cache-to exports the BuildKit registry cache to ghcr\.io\/acme\/app:latest, .*%0Arelated: \.github\/workflows\/release\.yml:11:17: .*%0Afix: .*%0Aconfidence: definite; docs: https:\/\/github\.com\/tagguard\/tagguard\/blob\/v0.1.0\/docs\/rules\/cache-overwrites-tag\.md$/,
    );
  });

  it("rejects an unknown format", () => {
    const { code, stderr } = lint(["--format", "xml", REPO]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'tagguard lint: --format must be one of text, json, sarif, github, not "xml"\nusage: tagguard lint [options] [PATH...] (see tagguard lint --help)\n',
    );
  });
});
