import { describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { checkCase, lintCase, loadCorpus, loadDisputes } from "../src/cli/corpus.js";

// Fifty real repositories with judged verdicts (../shared/corpus/realworld/VERDICTS.md); read in place, never copied.
const CORPUS = "../shared/corpus/realworld/cases";
// Verdicts this project disputes, each with its evidence; a disputed finding must be reported as the dispute says.
const DISPUTES = loadDisputes();

describe("real-world corpus", () => {
  it("is present next to the project", () => {
    expect(existsSync(CORPUS)).toBe(true);
    expect(loadCorpus(CORPUS).length).toBeGreaterThanOrEqual(50);
  });

  for (const c of existsSync(CORPUS) ? loadCorpus(CORPUS) : []) {
    it(`${c.name}: every must is reported, no mustNot, no unexplained error`, () => {
      const { exitCode, findings } = lintCase(c.path);
      expect(checkCase(findings, c.expect, DISPUTES.filter((d) => d.case === c.name))).toEqual([]);
      // Exit 1 only for a definite error, and only where the verdicts expect an error.
      if (exitCode === 1) expect(findings.some((f) => f.severity === "error" && f.confidence === "definite")).toBe(true);
    });
  }
});

describe("corpus checks", () => {
  const finding = (rule: string, file: string, severity = "warning") => ({ rule, file, severity, confidence: "definite", line: 3, message: "" });

  it("names a missing must, a forbidden finding and an error the verdicts do not expect", () => {
    const expectations = { must: [{ rule: "gha-cache-scope-shared", file: "a.yml" }], mustNot: [{ rule: "cache-written-twice", file: "b.yml" }] };
    expect(checkCase([finding("cache-written-twice", "b.yml"), finding("cache-overwrites-tag", "c.yml", "error")], expectations)).toEqual([
      "missing gha-cache-scope-shared in a.yml",
      "1 forbidden cache-written-twice in b.yml",
      "unexpected error cache-overwrites-tag at c.yml:3",
    ]);
  });

  it("holds a disputed finding to the dispute: its confidence and reason", () => {
    const expectations = { must: [], mustNot: [{ rule: "tag-pushed-by-multiple-builds", file: "a.yml" }] };
    const dispute = { case: "x", rule: "tag-pushed-by-multiple-builds", file: "a.yml", confidence: "possible", message: "pre-release", evidence: "" };
    const disputed = { ...finding("tag-pushed-by-multiple-builds", "a.yml", "error"), confidence: "possible", message: "when a pre-release" };
    expect(checkCase([disputed], expectations, [dispute])).toEqual([]);
    expect(checkCase([{ ...disputed, confidence: "definite" }], expectations, [dispute])).toEqual(["disputed tag-pushed-by-multiple-builds at a.yml:3 is not reported as the dispute says"]);
    expect(checkCase([], expectations, [dispute])).toEqual(["disputed tag-pushed-by-multiple-builds in a.yml is no longer reported: drop the dispute"]);
  });

  it("accepts errors where an error-severity rule is a must", () => {
    const expectations = { must: [{ rule: "untagged-cleanup-breaks-index", file: "a.yml" }], mustNot: [] };
    expect(checkCase([finding("untagged-cleanup-breaks-index", "a.yml", "error")], expectations)).toEqual([]);
  });
});
