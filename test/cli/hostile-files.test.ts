import { afterEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lint } from "./run-cli.js";

/** A workflow with a definite error at 12:21 (cache-overwrites-tag). */
const RELEASE = readFileSync("test/fixtures/cli/configured/.github/workflows/release.yml", "utf8");
/** A workflow GitHub runs, without findings. */
const OK = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n";
const HEADLINE =
  "error cache-overwrites-tag: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A repository with `.github/workflows` holding `files` (name → text or bytes). */
function repo(files: Record<string, string | Buffer> = {}): { root: string; workflows: string } {
  const root = mkdtempSync(join(tmpdir(), "tagguard-hostile-"));
  dirs.push(root);
  const workflows = join(root, ".github", "workflows");
  mkdirSync(workflows, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workflows, name), text);
  return { root, workflows };
}

function headlines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => /^\S.*:\d+:\d+: /.test(l));
}

describe("tagguard lint reads only what it should", () => {
  it("skips a link to /dev/zero with a note, and fails the run", () => {
    const { root, workflows } = repo({ "ok.yml": OK });
    symlinkSync("/dev/zero", join(workflows, "zero.yml"));
    expect(lint([root])).toEqual({
      code: 1,
      stdout: "no findings in 1 file; 1 file skipped (see the notes)\n",
      stderr: "tagguard lint: note: .github/workflows/zero.yml: skipped, a link to a file outside PATH\n",
    });
  });

  it("annotates a skipped file in the github format", () => {
    const { root, workflows } = repo({ "ok.yml": OK });
    symlinkSync("/dev/zero", join(workflows, "zero,1.yml"));
    expect(lint(["--format", "github", root])).toEqual({
      code: 1,
      stdout: "::error file=.github/workflows/zero%2C1.yml,title=tagguard::.github/workflows/zero,1.yml was not analysed: skipped, a link to a file outside PATH\n",
      stderr: "tagguard lint: note: .github/workflows/zero,1.yml: skipped, a link to a file outside PATH\n",
    });
  });

  it("skips a FIFO without opening it", () => {
    const { root, workflows } = repo();
    execFileSync("mkfifo", [join(workflows, "pipe.yml")]);
    expect(lint([root])).toEqual({
      code: 1,
      stdout: "no findings in 0 files; 1 file skipped (see the notes)\n",
      stderr: "tagguard lint: note: .github/workflows/pipe.yml: skipped, a FIFO\n",
    });
  });

  it("never reads through a link that leaves PATH, so nothing of the target is echoed", () => {
    const { root, workflows } = repo();
    const outside = mkdtempSync(join(tmpdir(), "tagguard-outside-"));
    dirs.push(outside);
    writeFileSync(join(outside, "config"), "[credential]\n  token = s3cr3t: [\n");
    symlinkSync(join(outside, "config"), join(workflows, "x.yml"));
    const { code, stdout, stderr } = lint([root]);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain("s3cr3t");
    expect(stderr).toBe("tagguard lint: note: .github/workflows/x.yml: skipped, a link to a file outside PATH\n");
  });

  it("follows a link that stays inside PATH", () => {
    const { root, workflows } = repo({ "release.yml": RELEASE });
    symlinkSync("release.yml", join(workflows, "copy.yml"));
    expect(headlines(lint([root]).stdout)).toEqual([`.github/workflows/copy.yml:12:21: ${HEADLINE}`, `.github/workflows/release.yml:12:21: ${HEADLINE}`]);
  });

  it("reads a directory once however many links lead back to it", () => {
    const root = mkdtempSync(join(tmpdir(), "tagguard-hostile-"));
    dirs.push(root);
    mkdirSync(join(root, "ci"));
    writeFileSync(join(root, "ci", "build.yml"), RELEASE);
    for (const n of [1, 2, 3, 4, 5, 6]) symlinkSync("..", join(root, "ci", `loop${n}`));
    const { code, stdout } = lint([root]);
    expect(code).toBe(1);
    expect(headlines(stdout)).toEqual([`ci/build.yml:12:21: ${HEADLINE}`]);
  });

  it("an oversized workflow with a definite error is a failed run, not a pass", () => {
    const { root } = repo({ "release.yml": `${RELEASE}# ${"x".repeat(1024 * 1024)}\n` });
    expect(lint([root])).toEqual({
      code: 1,
      stdout: "no findings in 0 files; 1 file skipped (see the notes)\n",
      stderr: "tagguard lint: note: .github/workflows/release.yml: skipped, larger than 1048576 bytes\n",
    });
  });

  it("a skipped file the configuration ignores keeps its note but does not fail the run", () => {
    const { root } = repo({ "release.yml": `${RELEASE}# ${"x".repeat(1024 * 1024)}\n` });
    writeFileSync(join(root, ".github", "tagguard.yml"), "ignore:\n  - .github/workflows/release.yml\n");
    expect(lint([root])).toEqual({
      code: 0,
      stdout: "no findings in 0 files\n",
      stderr: "tagguard lint: note: .github/workflows/release.yml: skipped, larger than 1048576 bytes (an ignored path)\n",
    });
  });

  it("decodes UTF-16 (LE and BE, with or without a byte order mark) and UTF-8 with a byte order mark", () => {
    const le = Buffer.from(RELEASE, "utf16le");
    const { root } = repo({
      "a-utf16le-bom.yml": Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
      "b-utf16be-bom.yml": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]),
      "c-utf16le.yml": le,
      "d-utf8-bom.yml": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(RELEASE)]),
      "e-latin1.yml": Buffer.from(`${RELEASE}# caf\xe9\n`, "latin1"),
    });
    const { code, stdout, stderr } = lint([root]);
    expect(code).toBe(1);
    expect(headlines(stdout).map((l) => l.split(": ")[0])).toEqual([
      ".github/workflows/a-utf16le-bom.yml:12:21",
      ".github/workflows/b-utf16be-bom.yml:12:21",
      ".github/workflows/c-utf16le.yml:12:21",
      ".github/workflows/d-utf8-bom.yml:12:21",
    ]);
    expect(stderr).toBe("tagguard lint: note: .github/workflows/e-latin1.yml: skipped, not UTF-8 or UTF-16 text\n");
  });

  it("reports a directory named like a workflow and lints the rest", () => {
    const { root, workflows } = repo({ "release.yml": RELEASE });
    mkdirSync(join(workflows, "x.yml"));
    const { code, stdout, stderr } = lint([root]);
    expect(code).toBe(1);
    expect(headlines(stdout)).toEqual([`.github/workflows/release.yml:12:21: ${HEADLINE}`]);
    expect(stdout.split("\n").at(-2)).toBe("1 finding (1 error, 0 warnings, 0 info) in 1 file");
    expect(stderr).toBe("tagguard lint: note: .github/workflows/x.yml: skipped, a directory\n");
  });

  it("prints no control characters from the source or from file names", () => {
    const evil = RELEASE.replace("mode=max", "mode=max # \u001b]0;owned\u0007\u001b[2J\u009b31m");
    const { root } = repo({ "\u001b[31mrelease.yml": evil });
    const { stdout, stderr } = lint([root], { tty: 200, env: { NO_COLOR: "1" } });
    expect(stdout + stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(headlines(stdout)).toEqual([`.github/workflows/\ufffd[31mrelease.yml:12:21: ${HEADLINE}`]);
    expect(stdout).toContain("  12 |           cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max # \ufffd]0;owned\ufffd\ufffd[2J\ufffd31m\n");
  });

  it("cuts a 200 KB line around the span", () => {
    const long = RELEASE.replace("mode=max", `mode=max # ${"y".repeat(200 * 1024)}`);
    const { root } = repo({ "release.yml": long });
    const { stdout } = lint([root], { tty: 80, env: { NO_COLOR: "1" } });
    expect(stdout.length).toBeLessThan(3000);
    expect(stdout.split("\n").slice(1, 3)).toEqual([
      `  12 |           cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max …`,
      "     |                     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
    ]);
  });
});
