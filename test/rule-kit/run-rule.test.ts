import { describe, expect, it } from "@jest/globals";
import { defaultConfig } from "../../src/config/load.js";
import { Project } from "../../src/engine/project.js";
import { defineRule, type Report, runRule } from "../../src/rule-kit/rule.js";
import type { Span } from "../../src/workflow/span.js";

const at = (offset: number): Span => ({
  file: ".github/workflows/a.yml",
  start: { line: 1, col: offset + 1, offset },
  end: { line: 1, col: offset + 5, offset: offset + 4 },
  path: [],
});

/** Runs a rule that reports exactly `reports`, and gives what came out: severity, confidence and message. */
function findingsOf(reports: Omit<Report, "subject">[]) {
  const rule = defineRule({
    meta: { id: "test-rule", severity: "warning", description: "test", fixable: "none" },
    check(ctx) {
      reports.forEach((r, i) => ctx.report({ subject: `s${i}`, ...r }));
    },
  });
  return runRule(rule, { project: new Project([]), builds: [], visits: [], config: defaultConfig() }).map((f) => [f.severity, f.confidence, f.message]);
}

describe("runRule: one finding per rule, location and problem", () => {
  it("keeps the most severe and most certain of one problem's reports at one location, and counts the others", () => {
    expect(
      findingsOf([
        { message: "a", primary: at(0), confidence: "possible" },
        { message: "b", primary: at(0), confidence: "definite" },
        { message: "c", primary: at(0), severity: "info" },
        { message: "d", primary: at(10) },
      ]),
    ).toEqual([
      ["warning", "definite", "b (2 other values of this line have the same problem.)"],
      ["warning", "definite", "d"],
    ]);
  });

  it("keeps different problems at one location apart", () => {
    expect(
      findingsOf([
        { message: "twice", primary: at(0), confidence: "possible" },
        { message: "grows", primary: at(0), problem: "grows" },
      ]),
    ).toEqual([
      ["warning", "possible", "twice"],
      ["warning", "definite", "grows"],
    ]);
  });

  it("counts the reports a rule folded into one itself (alike) with the ones it reported", () => {
    expect(
      findingsOf([
        { message: "a", primary: at(0), confidence: "possible", alike: 3 },
        { message: "b", primary: at(0), alike: 1 },
        { message: "c", primary: at(10), alike: 1 },
      ]),
    ).toEqual([
      ["warning", "definite", "b (5 other values of this line have the same problem.)"],
      ["warning", "definite", "c (1 other value of this line has the same problem.)"],
    ]);
  });
});
