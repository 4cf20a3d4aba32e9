import { describe, expect, it } from "@jest/globals";
import { compilePattern, progressOf } from "../../../src/workflow/expr/pattern.js";

const PATTERNS = [
  "[0-9]+",
  "[a-zA-Z0-9._-]+",
  "sha-[0-9a-f]{7}",
  "(?:[0-9a-f]{64})?",
  "v?[0-9]+(\\.[0-9]+){0,2}",
  "a|bc|",
  "[^/]*",
  ".+",
  "\\d{2,}",
  "\\w\\s\\W",
  "[\\d.-]+",
  "x*?y",
  "(ab)+",
  "[]",
  "[^]",
  "a{,2}",
  "\\x41\\u0062",
  "\\.\\t",
  "[a\\-z]",
  "[\\w][\\s]",
  "\\D\\S",
  "\\0",
  "[\\b]",
  "a{2}b{1,}",
];

const SAMPLES = [
  "",
  "a",
  "A",
  "0",
  "12",
  "123",
  "1.2.3",
  "v1.2",
  "1.",
  "sha-abc1234",
  "sha-ABC1234",
  "ab",
  "abab",
  "bc",
  "x/y",
  "a\nb",
  "\n",
  "a{,2}",
  "xxy",
  "y",
  "Ab",
  ".\t",
  "-",
  "_ ",
  "a!",
  "\0",
  "\b",
  "aab",
  "aabbb",
  "a b",
  "z",
];

describe("compilePattern", () => {
  it("agrees with RegExp on full matches, with and without ignoring case", () => {
    for (const pattern of PATTERNS) {
      const nfa = compilePattern(pattern);
      expect(nfa).toBeDefined();
      for (const ci of [false, true]) {
        const re = new RegExp(`^(?:${pattern})$`, ci ? "i" : "");
        for (const sample of SAMPLES) {
          expect([pattern, ci, sample, nfa!.matches(sample, ci)]).toEqual([pattern, ci, sample, re.test(sample)]);
        }
      }
    }
  });

  it("rejects syntax outside the subset", () => {
    for (const pattern of ["^a", "a$", "(?=a)a", "(?!a)b", "(a)\\1", "\\bword", "(?<n>a)", "\\p{L}", "\\xZZ", "[\\D]", "[\\d-z]"]) {
      expect([pattern, compilePattern(pattern)]).toEqual([pattern, undefined]);
    }
  });

  it("falls back to RegExp for very large patterns", () => {
    expect(compilePattern("a{1,5000}")).toBeUndefined();
    expect(progressOf({ source: "x", pattern: "a{1,5000}" }, false).feed("aaa")?.canEnd()).toBe(true);
  });
});

describe("progressOf", () => {
  it("feeds literal text step by step", () => {
    const p = progressOf({ source: "v", pattern: "[0-9]+\\.[0-9]+" }, false);
    expect(p.canEnd()).toBe(false);
    const one = p.feed("1.")!;
    expect(one.canEnd()).toBe(false);
    expect(one.feed("2")!.canEnd()).toBe(true);
    expect(p.feed("x")).toBeUndefined();
  });

  it("keeps only states that can still reach the end after unknown text", () => {
    const p = progressOf({ source: "v", pattern: "[0-9]+-end" }, false);
    const skipped = p.skip();
    expect(skipped.canEnd()).toBe(true);
    expect(skipped.feed("nd")!.canEnd()).toBe(true);
    expect(skipped.feed("x")).toBeUndefined();
  });

  it("refuses newlines unless the hole is multiline", () => {
    expect(progressOf({ source: "a" }, false).feed("x\ny")).toBeUndefined();
    expect(progressOf({ source: "a", pattern: "[^/]+" }, false).feed("x\ny")).toBeUndefined();
    expect(progressOf({ source: "a", pattern: "^x" }, false).feed("x\ny")).toBeUndefined();
    expect(progressOf({ source: "a", multiline: true, pattern: "[^/]+" }, false).feed("x\ny")!.canEnd()).toBe(true);
  });

  it("tests patterns outside the subset exactly until unknown text is involved", () => {
    const p = progressOf({ source: "v", pattern: "^v[0-9]+$" }, false);
    expect(p.feed("v12")!.canEnd()).toBe(true);
    expect(p.feed("x12")!.canEnd()).toBe(false);
    expect(p.feed("x")!.skip().feed("anything")!.canEnd()).toBe(true);
  });

  it("treats an invalid pattern as no constraint", () => {
    expect(progressOf({ source: "v", pattern: "(" }, false).feed("anything")!.canEnd()).toBe(true);
  });
});
