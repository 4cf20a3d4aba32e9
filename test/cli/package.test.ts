import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface LockEntry {
  dev?: boolean;
}

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
};
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, LockEntry> };
const dir = mkdtempSync(join(tmpdir(), "tagguard-pack-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * Packs the built package (`npm test` builds lib/ first) and installs the tarball into an empty project
 * the way `npm install tagguard` would, offline: the project's lockfile is this repository's, without its
 * development packages, so every dependency comes from the npm cache `npm ci` filled, at the versions tested.
 */
beforeAll(() => {
  const [{ filename }] = JSON.parse(
    execFileSync(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  ) as { filename: string }[];
  const spec = `file:${filename}`;
  const packages: Record<string, unknown> = {
    "": { dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, dependencies: pkg.dependencies, bin: pkg.bin },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== "" && !entry.dev) packages[path] = entry;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, dependencies: { [pkg.name]: spec } }));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }));
  execFileSync(npm, ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "ignore" });
  mkdirSync(join(dir, "empty"));
  cpSync("test/fixtures/cli/configured", join(dir, "repo"), { recursive: true });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npx(cwd: string, ...args: string[]) {
  const r = spawnSync(npm, ["exec", "--offline", "--no", "--", "tagguard", ...args], { cwd: resolve(dir, cwd), encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the npm package", () => {
  it("is publishable: a name, a repository, the files it needs, a bin, not private", () => {
    const manifest = JSON.parse(readFileSync("package.json", "utf8")) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.repository).toEqual({ type: "git", url: "git+https://github.com/tagguard/tagguard.git" });
    expect(manifest.bin).toEqual({ tagguard: "lib/cli/bin.js" });
    expect(manifest.files).toEqual(["lib", "app.yml", "docs"]);
  });

  it("the build leaves the bin executable, so npx tagguard in a checkout runs it however lib/ was rebuilt", () => {
    expect(statSync(pkg.bin.tagguard).mode & 0o111).toBe(0o111);
  });

  it("npx tagguard works from an empty directory with only the tarball installed", () => {
    expect(npx("empty", "--version")).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(npx("empty", "lint")).toEqual({
      code: 0,
      stdout: "no findings in 0 files\n",
      stderr: "tagguard lint: No workflow, action, bake or Compose file found under .\n",
    });
    const { code, stdout } = npx("repo", "lint", "--fail-on", "warning");
    expect(code).toBe(1);
    expect(stdout.split("\n")[0]).toBe(
      ".github/workflows/release.yml:12:21: warning cache-overwrites-tag: cache-to exports the BuildKit registry cache to ghcr.io/acme/app:latest, a tag that is also pushed as an image.",
    );
  });
});
