import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DOCS_URL, docsBaseOf, docsUrlFromEnv, PROJECT_URL, ruleDocsUrl, VERSION } from "../../src/report/docs-url.js";
import { planStartup } from "../../src/app/startup.js";
import { DOCS } from "../support/docs.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const pkg = JSON.parse(read("package.json")) as { version: string; homepage: string };

describe("the canonical docs URL", () => {
  it("is the docs directory at the running version's tag", () => {
    expect(VERSION).toBe(pkg.version);
    expect(DOCS_URL).toBe(`https://github.com/tagguard/tagguard/blob/v${pkg.version}/docs/`);
    expect(DOCS_URL).toBe(DOCS);
    expect(ruleDocsUrl("cache-overwrites-tag")).toBe(`${DOCS}rules/cache-overwrites-tag.md`);
  });

  it("is the one project address in package.json, app.yml and the README", () => {
    expect(pkg.homepage).toBe(`${PROJECT_URL}#readme`);
    expect((parse(read("app.yml")) as { url: string }).url).toBe(PROJECT_URL);
    const elsewhere = [read("README.md"), read("app.yml"), read("package.json"), read(".env.example")]
      .flatMap((text) => text.match(/https:\/\/github\.com\/[\w.-]+\/tagguard\b/g) ?? [])
      .filter((url) => url !== PROJECT_URL);
    expect(elsewhere).toEqual([]);
  });
});

describe("TAGGUARD_DOCS_URL", () => {
  it.each([
    ["https://ghe.example.com/platform/tagguard/blob/main/docs", "https://ghe.example.com/platform/tagguard/blob/main/docs/"],
    ["https://ghe.example.com/platform/tagguard/blob/{version}/docs/", `https://ghe.example.com/platform/tagguard/blob/v${pkg.version}/docs/`],
    ["  http://docs.internal:8080/tagguard/  ", "http://docs.internal:8080/tagguard/"],
  ])("%s → %s", (value, url) => {
    expect(docsUrlFromEnv({ TAGGUARD_DOCS_URL: value })).toEqual({ url });
    expect(docsBaseOf({ TAGGUARD_DOCS_URL: value })).toBe(url);
  });

  it("defaults to the canonical URL", () => {
    expect(docsUrlFromEnv({})).toEqual({ url: DOCS_URL });
    expect(docsUrlFromEnv({ TAGGUARD_DOCS_URL: " " })).toEqual({ url: DOCS_URL });
  });

  it.each(["docs.example.com/tagguard", "javascript:alert(1)", "https://docs.example.com/?page=", "https://user:pw@docs.example.com/"])("refuses %s at start", (value) => {
    const problem =
      "TAGGUARD_DOCS_URL is not an http(s) URL of tagguard's docs/ directory without credentials, query or fragment (e.g. https://github.com/tagguard/tagguard/blob/{version}/docs/)";
    expect(docsUrlFromEnv({ TAGGUARD_DOCS_URL: value })).toEqual({ problem });
    expect(docsBaseOf({ TAGGUARD_DOCS_URL: value })).toBe(DOCS_URL);
    expect(planStartup({ APP_ID: "1", PRIVATE_KEY: "x", TAGGUARD_DOCS_URL: value }, ".")).toEqual({ kind: "refuse", problem });
  });
});
