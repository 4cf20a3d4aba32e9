import { describe, expect, it } from "@jest/globals";
import { csvFields, csvQuote, splitListInput } from "../../src/docker/csv.js";
import { holeMayContain, holeWithin } from "../../src/docker/template-tokens.js";
import { parsePep440, parseSemver } from "../../src/docker/versions.js";
import { H, L, T } from "./helpers.js";

describe("splitListInput", () => {
  it("splits tags on newlines and commas, trims and drops empty items", () => {
    expect(splitListInput(L(" a:1, b:2 \n\n c:3 ,"), "newline-and-comma")).toEqual([L("a:1"), L("b:2"), L("c:3")]);
  });

  it("splits cache lines on newlines only", () => {
    expect(splitListInput(L("type=gha,scope=x\r\n  \ninline"), "newline")).toEqual([L("type=gha,scope=x"), L("inline")]);
  });

  it("never splits a hole", () => {
    const tags = H("steps.meta.outputs.tags", { multiline: true });
    expect(splitListInput(T("ref=", tags, "\nx"), "newline")).toEqual([T("ref=", tags), L("x")]);
  });
});

describe("csvFields", () => {
  it("splits literal records with csv-parse", () => {
    expect(csvFields(L('a,"b,c",,d'))).toEqual({ fields: [L("a"), L("b,c"), [], L("d")] });
    expect(csvFields(L(""))).toEqual({ fields: [[]] });
  });

  it("scans templates in their literal text", () => {
    const x = H("x");
    expect(csvFields(T("a=", x, ',"b=', x, ',c"'))).toEqual({ fields: [T("a=", x), T("b=", x, ",c")] });
    expect(csvFields(T('"a""', x, '"'))).toEqual({ fields: [T('a"', x)] });
    expect(csvFields(T("a", x, '"'))).toEqual({ fields: [], error: 'bare " in non-quoted-field' });
    expect(csvFields(T('"a"', x))).toEqual({ fields: [], error: 'extraneous or missing " in quoted-field' });
    expect(csvFields(T('"a', x))).toEqual({ fields: [], error: 'extraneous or missing " in quoted-field' });
  });

  it("quotes fields that need it", () => {
    expect([csvQuote("a=b"), csvQuote("a=b,c"), csvQuote('a="b"')]).toEqual(["a=b", '"a=b,c"', '"a=""b"""']);
  });
});

describe("holeMayContain", () => {
  it.each<[string | undefined, string, boolean]>([
    [undefined, "/", true],
    ["[a-z]+", "/", false],
    ["[a-z]+", "q", true],
    ["[0-9]+", ".:", false],
    ["\\d+\\.\\d+", ".", true],
    ["\\d+", ".", false],
    ["[\\w.-]+", ".", true],
    ["[\\w.-]+", "/", false],
    ["[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "/", true],
    ["[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", ":@", false],
    [".+", "/", true],
    ["[^:]+", "/", true],
    ["\\S+", "/", true],
    ["(?:v)?[0-9]{1,3}", "v", true],
    ["(?:v)?[0-9]{1,3}", "{", false],
    ["true|false", "=", false],
  ])("pattern %j may contain %j: %j", (pattern, chars, expected) => {
    expect(holeMayContain(pattern === undefined ? { source: "h" } : { source: "h", pattern }, chars)).toBe(expected);
  });

  it("allows newlines only in multiline holes", () => {
    expect(holeMayContain({ source: "h" }, "\n")).toBe(false);
    expect(holeMayContain({ source: "h", multiline: true }, "\n")).toBe(true);
  });

  it("tells holes confined to a character set", () => {
    const tagChar = /[a-zA-Z0-9._-]/;
    expect(holeWithin({ source: "h", pattern: "[0-9]+" }, tagChar)).toBe(true);
    expect(holeWithin({ source: "h", pattern: "[a-z/]+" }, tagChar)).toBe(false);
    expect(holeWithin({ source: "h" }, tagChar)).toBe(false);
    expect(holeWithin({ source: "h", pattern: "é" }, tagChar)).toBe(false);
  });
});

describe("parseSemver", () => {
  it("parses valid versions like npm semver", () => {
    expect(parseSemver("v1.2.3")).toEqual({ major: 1, minor: 2, patch: 3, version: "1.2.3", raw: "v1.2.3", prerelease: [], build: [] });
    expect(parseSemver("v2.0.8-beta.67")).toEqual({
      major: 2,
      minor: 0,
      patch: 8,
      version: "2.0.8-beta.67",
      raw: "v2.0.8-beta.67",
      prerelease: ["beta", "67"],
      build: [],
    });
    expect(parseSemver("v9.5.7-alpha.2+fork.3.1.8")).toMatchObject({ version: "9.5.7-alpha.2", build: ["fork", "3", "1", "8"] });
  });

  it.each(["1.2", "release1", "v01.2.3", "=1.2.3", "1.2.3-", "latest"])("rejects %s", (text) => {
    expect(parseSemver(text)).toBeUndefined();
  });
});

describe("parsePep440", () => {
  it.each([
    ["1.2", { clean: "1.2", major: 1, minor: 2, patch: 0, nonFinal: false }],
    ["v1.2.3", { clean: "1.2.3", major: 1, minor: 2, patch: 3, nonFinal: false }],
    ["1.0dev4", { clean: "1.0.dev4", major: 1, minor: 0, patch: 0, nonFinal: true }],
    ["1.1beta2", { clean: "1.1b2", major: 1, minor: 1, patch: 0, nonFinal: true }],
    ["1.2.3rc2", { clean: "1.2.3rc2", major: 1, minor: 2, patch: 3, nonFinal: true }],
    ["1.2post1", { clean: "1.2.post1", major: 1, minor: 2, patch: 0, nonFinal: true }],
    ["2!1.0-1", { clean: "2!1.0.post1", major: 1, minor: 0, patch: 0, nonFinal: true }],
    ["1.0+Local_1", { clean: "1.0+local.1", major: 1, minor: 0, patch: 0, nonFinal: false }],
  ])("%s", (text, expected) => {
    expect(parsePep440(text)).toEqual(expected);
  });

  it("rejects non-versions", () => {
    expect(parsePep440("sometag")).toBeUndefined();
    expect(parsePep440("p1-v1.0.0")).toBeUndefined();
  });
});
