import { ruleDocs } from "../support/docs.js";
import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { collect } from "../../src/cli/lint.js";
import { DIAGNOSTICS } from "../../src/config/diagnostics.js";
import { validateJson } from "../../src/config/json-schema.js";
import { analyze } from "../../src/engine/index.js";
import type { Finding } from "../../src/report/finding.js";
import { toSarif } from "../../src/report/sarif.js";
import { rules } from "../../src/rules/index.js";
import { docsUrlFor } from "../../src/rule-kit/rule.js";
import type { Span } from "../../src/workflow/span.js";

const schema = JSON.parse(readFileSync("test/fixtures/sarif/sarif-schema-2.1.0.json", "utf8")) as object;

function span(file: string, line: number, col: number, endLine: number, endCol: number): Span {
  return { file, start: { line, col, offset: 0 }, end: { line: endLine, col: endCol, offset: 0 }, path: [] };
}

const W = ".github/workflows/release.yml";
const findings: Finding[] = [
  {
    ruleId: "cache-overwrites-tag",
    severity: "error",
    confidence: "definite",
    message: "cache-to exports the registry cache to ghcr.io/acme/app:latest, a pushed tag.",
    primary: span(W, 13, 21, 13, 71),
    related: [{ span: span(".github/workflows/push.yml", 11, 17, 11, 40), message: "ghcr.io/acme/app:latest is pushed here" }],
    hidden: [span(W, 13, 11, 13, 71)],
    fix: {
      title: "export the cache to ghcr.io/acme/app:buildcache",
      edits: [{ span: span(W, 13, 21, 13, 71), text: "type=registry,ref=ghcr.io/acme/app:buildcache,mode=max" }],
      safe: true,
    },
    fingerprint: "0123456789abcdef",
  },
  {
    ruleId: "unused-ignore",
    severity: "warning",
    confidence: "definite",
    message: "This comment ignores cache-overwrites-tag, but nothing is reported there.",
    primary: span("actions/build x/action.yml", 3, 30, 3, 50),
    related: [],
    hidden: [],
    fingerprint: "fedcba9876543210",
  },
  {
    ruleId: "cache-overwrites-tag",
    severity: "info",
    confidence: "possible",
    message: "A multi-line finding.",
    primary: span(W, 20, 1, 22, 1),
    related: [],
    hidden: [],
    fingerprint: "00000000ffffffff",
  },
];

describe("toSarif", () => {
  const log = JSON.parse(toSarif(findings, "1.2.3"));

  it("is valid against the SARIF 2.1.0 schema", () => {
    expect(validateJson(schema, log)).toEqual([]);
  });

  it("is checked against the schema for real (a broken log is rejected)", () => {
    const broken = JSON.parse(toSarif(findings, "1.2.3"));
    broken.runs[0].results[0].level = "fatal";
    broken.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    broken.runs[0].columnKind = "bytes";
    expect(validateJson(schema, broken).map((e) => `${e.path.join(".")}: ${e.message}`)).toEqual([
      'runs.0.columnKind: must be one of "utf16CodeUnits", "unicodeCodePoints", not "bytes"',
      'runs.0.results.0.level: must be one of "none", "note", "warning", "error", not "fatal"',
      "runs.0.results.0.locations.0.physicalLocation.region.startLine: must be at least 1, not 0",
    ]);
  });

  it("describes the tool and every rule and built-in diagnostic", () => {
    const run = log.runs[0];
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.version).toBe("2.1.0");
    expect(run.columnKind).toBe("utf16CodeUnits");
    expect(run.tool.driver).toMatchObject({ name: "tagguard", version: "1.2.3", semanticVersion: "1.2.3", informationUri: "https://github.com/tagguard/tagguard" });
    const ids = [...rules.map((r) => r.meta.id), ...DIAGNOSTICS.map((d) => d.id)];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(run.tool.driver.rules[0]).toEqual({
      id: "cache-overwrites-tag",
      name: "cache-overwrites-tag",
      shortDescription: { text: "A registry cache export targets a ref that is also pushed as an image" },
      helpUri: `${ruleDocs("cache-overwrites-tag")}`,
      help: {
        text: `A registry cache export targets a ref that is also pushed as an image. Documentation: ${ruleDocs("cache-overwrites-tag")}`,
        markdown:
          `A registry cache export targets a ref that is also pushed as an image. [Documentation](${ruleDocs("cache-overwrites-tag")})`,
      },
      defaultConfiguration: { level: "error" },
    });
    for (const r of run.tool.driver.rules) expect(r.helpUri).toBe(docsUrlFor(r.id));
    expect(run.tool.driver.rules.find((r: { id: string }) => r.id === "unused-ignore").defaultConfiguration).toEqual({ level: "warning" });
  });

  it("writes each finding as a result with exact regions, related locations, fix and fingerprint", () => {
    const unusedIndex = rules.length + DIAGNOSTICS.findIndex((d) => d.id === "unused-ignore");
    const region = (startLine: number, startColumn: number, endLine: number, endColumn: number) => ({ startLine, startColumn, endLine, endColumn });
    const release = { uri: ".github/workflows/release.yml", uriBaseId: "%SRCROOT%" };
    expect(log.runs[0].results).toEqual([
      {
        ruleId: "cache-overwrites-tag",
        ruleIndex: 0,
        level: "error",
        message: { text: "cache-to exports the registry cache to ghcr.io/acme/app:latest, a pushed tag." },
        locations: [{ physicalLocation: { artifactLocation: release, region: region(13, 21, 13, 71) } }],
        relatedLocations: [
          {
            id: 1,
            physicalLocation: { artifactLocation: { uri: ".github/workflows/push.yml", uriBaseId: "%SRCROOT%" }, region: region(11, 17, 11, 40) },
            message: { text: "ghcr.io/acme/app:latest is pushed here" },
          },
        ],
        partialFingerprints: { "tagguardFingerprint/v1": "0123456789abcdef" },
        properties: { confidence: "definite" },
        fixes: [
          {
            description: { text: "export the cache to ghcr.io/acme/app:buildcache" },
            artifactChanges: [
              {
                artifactLocation: release,
                replacements: [
                  { deletedRegion: region(13, 21, 13, 71), insertedContent: { text: "type=registry,ref=ghcr.io/acme/app:buildcache,mode=max" } },
                ],
              },
            ],
          },
        ],
      },
      {
        ruleId: "unused-ignore",
        ruleIndex: unusedIndex,
        level: "warning",
        message: { text: "This comment ignores cache-overwrites-tag, but nothing is reported there." },
        locations: [{ physicalLocation: { artifactLocation: { uri: "actions/build%20x/action.yml", uriBaseId: "%SRCROOT%" }, region: region(3, 30, 3, 50) } }],
        partialFingerprints: { "tagguardFingerprint/v1": "fedcba9876543210" },
        properties: { confidence: "definite" },
      },
      {
        ruleId: "cache-overwrites-tag",
        ruleIndex: 0,
        level: "note",
        message: { text: "A multi-line finding." },
        locations: [{ physicalLocation: { artifactLocation: release, region: region(20, 1, 22, 1) } }],
        partialFingerprints: { "tagguardFingerprint/v1": "00000000ffffffff" },
        properties: { confidence: "possible" },
      },
    ]);
  });

  it("is valid for every golden fixture of every rule, and without a tool version", () => {
    const root = "test/fixtures/rules";
    const all = readdirSync(root).flatMap((rule) =>
      readdirSync(join(root, rule), { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name.startsWith("fire-"))
        .flatMap((e) => analyze(collect(join(root, rule, e.name))).findings),
    );
    expect(all.length).toBeGreaterThan(10);
    const sarif = JSON.parse(toSarif(all));
    expect(sarif.runs[0].tool.driver.version).toBeUndefined();
    expect(sarif.runs[0].results).toHaveLength(all.length);
    expect(validateJson(schema, sarif)).toEqual([]);
  });
});
