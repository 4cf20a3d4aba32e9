import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkoutRepository, originRepository } from "../../src/cli/git-remote.js";
import { runLint } from "../../src/cli/lint.js";

const REPO = "test/fixtures/cli/uppercase-repository";

function lint(...argv: string[]): { code: number; rules: string[]; confidence: string[]; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = runLint(["--format", "json", ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  const findings = stdout ? (JSON.parse(stdout) as { findings: { rule: string; confidence: string }[] }).findings : [];
  return { code, rules: findings.map((f) => f.rule), confidence: findings.map((f) => f.confidence), stderr };
}

describe("the repository's name", () => {
  it("is unknown by default: github.repository may hold capitals, a possible finding", () => {
    expect(lint(REPO)).toEqual({ code: 0, rules: ["uppercase-image-ref"], confidence: ["possible"], stderr: "" });
  });

  it("--repository with a lowercase name: no finding", () => {
    expect(lint("--repository", "acme/app", REPO)).toEqual({ code: 0, rules: [], confidence: [], stderr: "" });
  });

  it("--repository with capitals: a definite finding", () => {
    expect(lint("--repository=Acme/App", REPO)).toEqual({ code: 0, rules: ["uppercase-image-ref"], confidence: ["definite"], stderr: "" });
  });

  it("a malformed --repository is a usage error", () => {
    const { code, stderr } = lint("--repository", "not a name", REPO);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe("tagguard lint: --repository needs OWNER/NAME, not not a name");
  });

  it("is read from the git remote origin of PATH", () => {
    const dir = mkdtempSync(join(tmpdir(), "tagguard-remote-"));
    try {
      mkdirSync(join(dir, ".git"));
      mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
      writeFileSync(join(dir, ".github", "workflows", "build.yml"), "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/${{ github.repository }}:latest\n");
      writeFileSync(join(dir, ".git", "config"), '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
      expect(checkoutRepository(dir)).toBe("acme/app");
      expect(lint(dir)).toEqual({ code: 0, rules: [], confidence: [], stderr: "" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("originRepository", () => {
  it.each([
    ["https://github.com/Acme/App.git", "Acme/App"],
    ["https://github.com/acme/app", "acme/app"],
    ["git@github.com:acme/app.git", "acme/app"],
    ["ssh://git@ghe.example.com/acme/app.git", "acme/app"],
    ["https://ghe.example.com/org/team/app.git", "team/app"],
  ])("%s is %s", (url, name) => {
    expect(originRepository(`[remote "upstream"]\n\turl = https://github.com/other/repo\n[remote "origin"]\n\turl = ${url}\n`)).toBe(name);
  });

  it("is undefined without an origin remote or with a path that is no repository", () => {
    expect(originRepository('[remote "upstream"]\n\turl = https://github.com/other/repo\n')).toBeUndefined();
    expect(originRepository('[remote "origin"]\n\turl = /srv/git/app.git\n')).toBeUndefined();
  });
});
