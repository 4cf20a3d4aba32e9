import { describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collect, readConfig } from "../src/cli/lint.js";
import { analyze } from "../src/engine/index.js";
import type { Finding } from "../src/report/finding.js";
import type { Span } from "../src/workflow/span.js";

function at(s: Span): string {
  return `${s.file}:${s.start.line}:${s.start.col}-${s.end.line}:${s.end.col}`;
}

/** One finding as golden text: exact spans, message, related locations and fix edits. */
export function renderGolden(findings: Finding[]): string {
  return findings
    .map((f) =>
      [
        `${at(f.primary)} ${f.severity} ${f.ruleId} ${f.confidence}: ${f.message}`,
        ...f.related.map((r) => `  related ${at(r.span)}: ${r.message}`),
        ...(f.fix ? [`  fix: ${f.fix.title}`, ...f.fix.edits.map((e) => `  edit ${at(e.span)}: ${e.text}`)] : []),
      ].join("\n"),
    )
    .join("\n")
    .concat(findings.length ? "\n" : "");
}

export interface GoldenCase {
  name: string;
  dir: string;
  /** Expected output; empty for quiet cases. */
  expected: string;
  actual: () => string;
}

/**
 * The cases under `dir`: each sub-directory is a repository, analysed with its `.github/tagguard.yml`
 * when it has one. `fire-*` cases compare against their `expected.out`; `quiet-*` cases must produce no
 * finding at all. `UPDATE_GOLDEN=1` rewrites expected files (review the diff before committing).
 */
export function goldenCases(dir: string, ruleId: string): GoldenCase[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const caseDir = join(dir, name);
      const expectedFile = join(caseDir, "expected.out");
      const actual = () => renderGolden(analyze(collect(caseDir), { config: readConfig(caseDir, undefined)?.config }).findings);
      if (name.startsWith("fire-") && process.env.UPDATE_GOLDEN === "1") writeFileSync(expectedFile, actual());
      if (name.startsWith("fire-") && !existsSync(expectedFile)) throw new Error(`${caseDir} has no expected.out`);
      if (!name.startsWith("fire-") && !name.startsWith("quiet-")) throw new Error(`${caseDir}: name must start with fire- or quiet-`);
      return {
        name,
        dir: caseDir,
        expected: name.startsWith("fire-") ? readFileSync(expectedFile, "utf8") : "",
        actual,
      };
    })
    .map((c) => ({ ...c, name: `${ruleId}: ${c.name}` }));
}

/**
 * The golden tests of one rule: every case under `test/fixtures/rules/<ruleId>/`. `fire-*` cases must
 * report the rule and match `expected.out`; `fire-trap-*` cases must match `expected.out` without the
 * rule (another rule owns the location); `quiet-*` cases must report nothing at all.
 */
export function describeGoldenRule(ruleId: string, minimum: { fire: number; quiet: number } = { fire: 3, quiet: 3 }): void {
  describe(`${ruleId} golden fixtures`, () => {
    const cases = goldenCases(`test/fixtures/rules/${ruleId}`, ruleId);
    const isTrap = (c: GoldenCase) => c.name.includes(": fire-trap-");
    const isFire = (c: GoldenCase) => c.name.includes(": fire-") && !isTrap(c);

    it("has firing and quiet cases", () => {
      expect(cases.filter(isFire).length).toBeGreaterThanOrEqual(minimum.fire);
      expect(cases.filter((c) => c.name.includes(": quiet-")).length).toBeGreaterThanOrEqual(minimum.quiet);
    });

    for (const c of cases) {
      it(c.name, () => {
        const actual = c.actual();
        if (isTrap(c)) expect(actual).not.toContain(` ${ruleId} `);
        else if (isFire(c)) expect(actual).toContain(` ${ruleId} `);
        expect(actual).toBe(c.expected);
      });
    }
  });
}
