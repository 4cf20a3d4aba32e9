import { describe, expect, it } from "@jest/globals";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { lint } from "./run-cli.js";

const CASES = "test/fixtures/cli/fix";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Each case copies `before/` to a temporary directory, runs `tagguard lint --fix` on it, and compares
 * stderr and stdout with `expected.out` and every file with `after/`. `UPDATE_GOLDEN=1` rewrites both.
 */
describe("tagguard lint --fix", () => {
  for (const name of readdirSync(CASES).sort()) {
    it(name, () => {
      const dir = mkdtempSync(join(tmpdir(), "tagguard-fix-"));
      try {
        cpSync(join(CASES, name, "before"), dir, { recursive: true });
        const { code, stdout, stderr } = lint(["--fix", dir]);
        const actual = `exit ${code}\n--- stderr\n${stderr}--- stdout\n${stdout}`;
        const after = join(CASES, name, "after");
        if (process.env.UPDATE_GOLDEN === "1") {
          writeFileSync(join(CASES, name, "expected.out"), actual);
          rmSync(after, { recursive: true, force: true });
          cpSync(dir, after, { recursive: true });
        }
        expect(actual).toBe(readFileSync(join(CASES, name, "expected.out"), "utf8"));
        expect(existsSync(after)).toBe(true);
        expect(filesUnder(dir)).toEqual(filesUnder(after));
        for (const f of filesUnder(after)) expect([f, readFileSync(join(dir, f), "utf8")]).toEqual([f, readFileSync(join(after, f), "utf8")]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
