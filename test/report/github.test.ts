import { ruleDocs } from "../support/docs.js";
import { describe, expect, it } from "@jest/globals";
import type { Finding } from "../../src/report/finding.js";
import { escapeData, escapeProperty, toGithubCommands } from "../../src/report/github.js";
import type { Span } from "../../src/workflow/span.js";

function span(file: string, line: number, col: number, endLine: number, endCol: number): Span {
  return { file, start: { line, col, offset: 0 }, end: { line: endLine, col: endCol, offset: 0 }, path: [] };
}

function finding(over: Partial<Finding> & Pick<Finding, "primary">): Finding {
  return {
    ruleId: "cache-overwrites-tag",
    severity: "error",
    confidence: "definite",
    message: "cache-to overwrites ghcr.io/acme/app:latest",
    related: [],
    hidden: [],
    fingerprint: "0123456789abcdef",
    ...over,
  };
}

describe("escaping (Actions toolkit rules)", () => {
  it("escapes %, CR and LF in messages", () => {
    expect(escapeData("100% done\r\nnext: a,b")).toBe("100%25 done%0D%0Anext: a,b");
  });

  it("also escapes : and , in property values", () => {
    expect(escapeProperty("dir:a,b/100%\n.yml")).toBe("dir%3Aa%2Cb/100%25%0A.yml");
  });
});

describe("toGithubCommands", () => {
  it("writes one annotation per finding, errors first, columns only on single-line spans", () => {
    const out = toGithubCommands([
      finding({ ruleId: "unused-ignore", severity: "warning", message: "ignores nothing", primary: span("a.yml", 3, 30, 3, 50) }),
      finding({
        primary: span(".github/workflows/release.yml", 13, 21, 13, 71),
        related: [{ span: span(".github/workflows/release.yml", 11, 17, 11, 40), message: "ghcr.io/acme/app:latest is pushed here" }],
        fix: { title: "export the cache to :buildcache", edits: [], safe: true },
      }),
      finding({ severity: "info", confidence: "possible", message: "spans lines", primary: span("b, c:d.yml", 5, 3, 7, 1) }),
      finding({ message: "empty span", primary: span("e.yml", 2, 4, 2, 4) }),
    ]);
    expect(out.split("\n")).toEqual([
      `::error file=.github/workflows/release.yml,line=13,endLine=13,col=21,endColumn=70,title=cache-overwrites-tag::cache-to overwrites ghcr.io/acme/app:latest%0Arelated: .github/workflows/release.yml:11:17: ghcr.io/acme/app:latest is pushed here%0Afix: export the cache to :buildcache%0Aconfidence: definite; docs: ${ruleDocs("cache-overwrites-tag")}`,
      `::error file=e.yml,line=2,endLine=2,col=4,endColumn=4,title=cache-overwrites-tag::empty span%0Aconfidence: definite; docs: ${ruleDocs("cache-overwrites-tag")}`,
      `::warning file=a.yml,line=3,endLine=3,col=30,endColumn=49,title=unused-ignore::ignores nothing%0Aconfidence: definite; docs: ${ruleDocs("unused-ignore")}`,
      `::notice file=b%2C c%3Ad.yml,line=5,endLine=7,title=cache-overwrites-tag::spans lines%0Aconfidence: possible; docs: ${ruleDocs("cache-overwrites-tag")}`,
      "",
    ]);
  });

  it("escapes multi-line messages so each finding stays one command", () => {
    const out = toGithubCommands([finding({ message: "line one\nline two: 50% of tags", primary: span("a.yml", 1, 1, 1, 2) })]);
    expect(out).toBe(
      `::error file=a.yml,line=1,endLine=1,col=1,endColumn=1,title=cache-overwrites-tag::line one%0Aline two: 50%25 of tags%0Aconfidence: definite; docs: ${ruleDocs("cache-overwrites-tag")}\n`,
    );
    expect(out.trimEnd().split("\n")).toHaveLength(1);
  });

  it("writes nothing when there is nothing to report", () => {
    expect(toGithubCommands([])).toBe("");
  });
});
