import { describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { checkCase, lintCase, loadCorpus } from "../src/cli/corpus.js";

// Fifty real repositories with judged verdicts (../shared/corpus/realworld/VERDICTS.md); read in place, never copied.
const CORPUS = "../shared/corpus/realworld/cases";

describe("real-world corpus", () => {
  it("is present next to the project", () => {
    expect(existsSync(CORPUS)).toBe(true);
    expect(loadCorpus(CORPUS).length).toBeGreaterThanOrEqual(50);
  });

  for (const c of existsSync(CORPUS) ? loadCorpus(CORPUS) : []) {
    it(`${c.name}: every must is reported, no mustNot, no unexplained error`, () => {
      const { exitCode, findings } = lintCase(c.path);
      expect(checkCase(findings, c.expect)).toEqual([]);
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

  it("accepts errors where an error-severity rule is a must", () => {
    const expectations = { must: [{ rule: "untagged-cleanup-breaks-index", file: "a.yml" }], mustNot: [] };
    expect(checkCase([finding("untagged-cleanup-breaks-index", "a.yml", "error")], expectations)).toEqual([]);
  });
});
