import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LINT_HELP } from "../../src/cli/lint.js";
import { main } from "../../src/cli/main.js";
import { capture } from "./capture.js";
import { lint } from "./run-cli.js";

const CONFIGURED = "test/fixtures/cli/configured";
const CONTEXT = "test/fixtures/cli/context";
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), "tagguard-lint-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tagguard = (...argv: string[]) => capture(main, argv);

function headlines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => /^\S.*:\d+:\d+: /.test(l));
}

const FINDING_80 = [
  ".github/workflows/release.yml:12:21: warning cache-overwrites-tag: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.",
  "  12 |           cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
  "     |                     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
  "  The export replaces the image: the tag then holds a BuildKit cache manifest",
  "    (config application/vnd.buildkit.cacheconfig.v0), so deployments fail (Azure",
  '    App Service: ContainerCreateFailure) and docker run reports "manifest',
  '    unknown" or "unsupported media type',
  '    application/vnd.buildkit.cacheconfig.v0".',
  "  related: .github/workflows/release.yml:11:17: ghcr.io/acme/app:latest is",
  "    pushed as an image here (job publish, step #1 in",
  "    .github/workflows/release.yml)",
  "  fix: export the cache to a dedicated ref such as ghcr.io/acme/app:buildcache",
  "    (or a separate repository like ghcr.io/acme/app-cache:buildcache), keeping",
  "    its other attributes",
  "    .github/workflows/release.yml:12:21: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
  "  confidence: definite, docs: https://github.com/tagguard/tagguard/blob/v0.1.0/docs/rules/cache-overwrites-tag.md",
  "",
  "1 finding (0 errors, 1 warning, 0 info) in 1 file",
  "",
].join("\n");

describe("tagguard help, version and typos", () => {
  it("lint --help prints the whole help on stdout", () => {
    expect(lint(["--help"])).toEqual({ code: 0, stdout: LINT_HELP, stderr: "" });
    for (const flag of ["--format", "sarif", "github", "--config", "--min-severity", "--fail-on", "--baseline", "--fix", "--no-color", "--error-on-empty"]) {
      expect(LINT_HELP).toContain(flag);
    }
  });

  it("the top-level help lists every format and --config, and --version", async () => {
    const { code, stdout } = await tagguard("--help");
    expect(code).toBe(0);
    for (const word of ["text, json, sarif, github", "--config FILE", "-V, --version", "inspect REF"]) expect(stdout).toContain(word);
    expect(await tagguard("help", "lint")).toEqual({ code: 0, stdout: LINT_HELP, stderr: "" });
  });

  it("--version and -V print the package version", async () => {
    expect(await tagguard("--version")).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect(await tagguard("-V")).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("suggests the closest command and option", async () => {
    expect(await tagguard("lnit")).toEqual({
      code: 2,
      stdout: "",
      stderr: "tagguard: unknown command \"lnit\" (did you mean lint?)\nRun 'tagguard --help' for the commands.\n",
    });
    expect((await tagguard("--verison")).stderr.split("\n")[0]).toBe('tagguard: unknown option "--verison" (did you mean --version?)');
    expect(await tagguard("help", "inspcet")).toEqual({
      code: 2,
      stdout: "",
      stderr: "tagguard help: no command \"inspcet\" (did you mean inspect?)\nRun 'tagguard --help' for the commands.\n",
    });
    expect(lint(["--formt", "json"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "tagguard lint: unknown option --formt (did you mean --format?)\nusage: tagguard lint [options] [PATH...] (see tagguard lint --help)\n",
    });
    expect(lint(["--min-severity=warnig"]).stderr.split("\n")[0]).toBe(
      'tagguard lint: --min-severity must be one of info, warning, error, not "warnig" (did you mean warning?)',
    );
    expect(lint(["--fail-on", "warn"]).stderr.split("\n")[0]).toBe(
      'tagguard lint: --fail-on must be one of error, warning, info, never, not "warn" (did you mean warning?)',
    );
    expect(lint(["--baseline"]).stderr.split("\n")[0]).toBe("tagguard lint: --baseline needs a value");
  });
});

describe("tagguard lint text format", () => {
  it("one headline per finding, then the snippet and the details wrapped to the terminal, then a summary", () => {
    expect(lint([CONFIGURED], { tty: 80, env: { NO_COLOR: "1" } })).toEqual({ code: 0, stdout: FINDING_80, stderr: "" });
  });

  it("wraps to 100 columns when stdout is not a terminal, or to COLUMNS", () => {
    const { stdout } = lint([CONFIGURED]);
    expect(stdout.split("\n")[3]).toBe(
      "  The export replaces the image: the tag then holds a BuildKit cache manifest (config",
    );
    expect(lint([CONFIGURED], { env: { COLUMNS: "80" } }).stdout).toBe(FINDING_80);
  });

  it("colours only a terminal, never with NO_COLOR or --no-color", () => {
    const coloured = lint([CONFIGURED], { tty: 80 }).stdout;
    expect(coloured.split("\n")[0]).toBe(
      "\u001b[1m.github/workflows/release.yml:12:21:\u001b[22m \u001b[1m\u001b[33mwarning\u001b[39m\u001b[22m \u001b[1mcache-overwrites-tag\u001b[22m: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.",
    );
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(FINDING_80);
    expect(lint([CONFIGURED], { tty: 80, env: { NO_COLOR: "1" } }).stdout).toBe(FINDING_80);
    expect(lint(["--no-color", CONFIGURED], { tty: 80 }).stdout).toBe(FINDING_80);
    expect(lint([CONFIGURED], { env: { COLUMNS: "80" } }).stdout).toBe(FINDING_80);
    expect(lint(["--format", "json", CONFIGURED], { tty: 80 }).stdout).not.toContain("\u001b");
  });

  it("says when a PATH has nothing to lint: exit 0, or 2 with --error-on-empty", () => {
    const empty = join(scratch, "empty");
    rmSync(empty, { recursive: true, force: true });
    writeFileSync(join(scratch, "README.md"), "not a workflow\n");
    const note = `tagguard lint: No workflow, action, bake or Compose file found under ${scratch}\n`;
    expect(lint([scratch])).toEqual({ code: 0, stdout: "no findings in 0 files\n", stderr: note });
    expect(lint(["--error-on-empty", scratch])).toEqual({ code: 2, stdout: "no findings in 0 files\n", stderr: note });
  });
});

describe("tagguard lint PATHs", () => {
  it("lints a single file with its repository as context and reports only that file's findings", () => {
    const file = `${CONTEXT}/.github/workflows/release.yml`;
    const { code, stdout } = lint([file]);
    expect(code).toBe(1);
    expect(headlines(stdout)).toEqual([
      `${file}:12:21: error cache-overwrites-tag: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.`,
    ]);
    expect(stdout).toContain(`\n  related: ${CONTEXT}/.github/actions/push-image/action.yml:12:15:\n    ghcr.io/acme/app:latest is pushed as an image here`);
    expect(stdout.endsWith("\n1 finding (1 error, 0 warnings, 0 info) in 1 file\n")).toBe(true);
    expect(headlines(lint([CONTEXT]).stdout).map((l) => l.split(": ")[0])).toEqual([
      ".github/workflows/nightly.yml:9:21",
      ".github/workflows/release.yml:12:21",
    ]);
  });

  it("with several PATHs, files are relative to the current directory", () => {
    const { code, stdout } = lint(["--format", "json", CONTEXT, CONFIGURED]);
    expect(code).toBe(1);
    const findings = (JSON.parse(stdout) as { findings: { file: string; line: number; related: { file: string }[] }[] }).findings;
    expect(findings.map((f) => `${f.file}:${f.line} ${f.related.map((r) => r.file).join(" ")}`)).toEqual([
      `${CONTEXT}/.github/workflows/nightly.yml:9 `,
      `${CONTEXT}/.github/workflows/release.yml:12 ${CONTEXT}/.github/actions/push-image/action.yml`,
      `${CONFIGURED}/.github/workflows/release.yml:12 ${CONFIGURED}/.github/workflows/release.yml`,
    ]);
  });

  it("a directory without workflows is read with the bake files at its top, as bake reads them", () => {
    const dir = join(scratch, "bake-only");
    mkdirSync(join(dir, "sub"), { recursive: true });
    const hcl = 'target "app" {\n  tags = ["ghcr.io/acme/app:latest"]\n  cache-to = ["type=registry,ref=ghcr.io/acme/app:latest"]\n  output = ["type=registry"]\n}\n';
    writeFileSync(join(dir, "docker-bake.hcl"), hcl);
    writeFileSync(join(dir, "sub", "docker-bake.hcl"), hcl);
    const { code, stdout, stderr } = lint(["--format", "json", dir]);
    expect({ code, stderr }).toEqual({ code: 1, stderr: "" });
    expect((JSON.parse(stdout) as { findings: { rule: string; file: string; line: number }[] }).findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      "docker-bake.hcl:3 cache-overwrites-tag",
    ]);
  });

  it("a missing PATH is a usage error", () => {
    expect(lint([`${CONTEXT}/nope.yml`])).toEqual({ code: 2, stdout: "", stderr: `tagguard lint: cannot read ${CONTEXT}/nope.yml: no such file or directory (ENOENT)\n` });
  });
});

describe("tagguard lint filters", () => {
  it("--min-severity hides lower findings and counts them", () => {
    const { code, stdout } = lint(["--min-severity", "error", CONTEXT]);
    expect(code).toBe(1);
    expect(headlines(stdout).map((l) => l.split(": ")[0])).toEqual([".github/workflows/release.yml:12:21"]);
    expect(stdout.split("\n").at(-2)).toBe("1 finding (1 error, 0 warnings, 0 info) in 3 files; 1 below --min-severity not shown");
  });

  it("--fail-on sets which severity fails the run", () => {
    expect(lint([CONFIGURED]).code).toBe(0);
    expect(lint(["--fail-on", "warning", CONFIGURED]).code).toBe(1);
    expect(lint(["--fail-on", "never", CONTEXT]).code).toBe(0);
  });

  it("--baseline shows only findings whose fingerprints are new, from json or sarif", () => {
    const all = JSON.parse(lint(["--format", "json", CONTEXT]).stdout) as { findings: { rule: string }[] };
    const json = join(scratch, "baseline.json");
    writeFileSync(json, JSON.stringify({ findings: all.findings.filter((f) => f.rule === "cache-overwrites-tag") }));
    const { code, stdout } = lint(["--baseline", json, CONTEXT]);
    expect(code).toBe(0);
    expect(headlines(stdout).map((l) => l.split(": ")[0])).toEqual([".github/workflows/nightly.yml:9:21"]);
    expect(stdout.split("\n").at(-2)).toBe("1 finding (0 errors, 1 warning, 0 info) in 3 files; 1 in the baseline not shown");

    const sarif = join(scratch, "baseline.sarif");
    writeFileSync(sarif, lint(["--format", "sarif", CONTEXT]).stdout);
    expect(lint(["--baseline", sarif, CONTEXT])).toEqual({ code: 0, stdout: "no findings in 3 files; 2 in the baseline not shown\n", stderr: "" });
  });

  it("--baseline refuses a file that is not a saved run", () => {
    const bad = join(scratch, "bad.json");
    writeFileSync(bad, '{"results": []}');
    expect(lint(["--baseline", bad, CONTEXT])).toEqual({
      code: 2,
      stdout: "",
      stderr: `tagguard lint: --baseline ${bad}: neither tagguard JSON ({"findings": [...]}) nor SARIF ({"runs": [...]})\n`,
    });
  });
});
