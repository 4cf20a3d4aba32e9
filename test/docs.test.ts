import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { DIAGNOSTICS, INVALID_CONFIG } from "../src/config/diagnostics.js";
import { parseConfig } from "../src/config/load.js";
import { analyze } from "../src/engine/index.js";
import { rules } from "../src/rules/index.js";

/**
 * Docs parity and docs-as-tests: every rule and built-in diagnostic has `docs/rules/<id>.md`, every
 * page belongs to one, and every ```yaml or ```hcl example under "## Incorrect" triggers its rule while every
 * example under "## Correct" does not. Examples are complete files: workflows, linted as
 * `.github/workflows/example.yml`, except on the invalid-config page, whose examples are
 * `.github/tagguard.yml` files; HCL examples are `docker-bake.hcl` files.
 */
const DOCS = "docs/rules";
const severities = new Map([...rules.map((r) => [r.meta.id, r.meta.severity] as const), ...DIAGNOSTICS.map((d) => [d.id, d.severity] as const)]);
const ids = [...severities.keys()];
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith(".md"))
  .map((f) => f.slice(0, -".md".length))
  .sort();

/** Level-2 sections of a Markdown page by heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  let heading: string | undefined;
  let body: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (line.trim() === fence.charAt(0).repeat(line.trim().length) && line.trim().length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
    }
    if (fence === undefined && /^## /.test(line)) {
      if (heading !== undefined) out.set(heading, body.join("\n"));
      heading = line.slice(3).trim();
      body = [];
    } else {
      body.push(line);
    }
  }
  if (heading !== undefined) out.set(heading, body.join("\n"));
  return out;
}

/** The contents of the fenced blocks of a section in one language (`ya?ml`, `hcl`). */
function fencedBlocks(section: string | undefined, lang = "ya?ml"): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`^(\`{3,})${lang}[^\\n]*\\n([\\s\\S]*?)^\\1\\s*$`, "gm");
  for (let m = re.exec(section ?? ""); m; m = re.exec(section ?? "")) blocks.push(m[2]);
  return blocks;
}

const yamlBlocks = (section: string | undefined) => fencedBlocks(section);

/** The examples of a section: workflows (or configs), then bake files. */
function examples(section: string | undefined): { path: string; text: string }[] {
  return [
    ...yamlBlocks(section).map((text) => ({ path: ".github/workflows/example.yml", text })),
    ...fencedBlocks(section, "hcl").map((text) => ({ path: "docker-bake.hcl", text })),
  ];
}

function ruleIdsReported(id: string, example: { path: string; text: string }): string[] {
  const result = id === INVALID_CONFIG ? analyze([], { config: parseConfig(example.text) }) : analyze([example]);
  return result.findings.map((f) => f.ruleId);
}

describe("docs/rules parity", () => {
  it("has a page for every registered rule and built-in diagnostic", () => {
    expect(ids.filter((id) => !pages.includes(id))).toEqual([]);
  });

  it("has no page without a rule", () => {
    expect(pages.filter((p) => !ids.includes(p))).toEqual([]);
  });
});

describe("the section parser", () => {
  it("splits on level-2 headings outside code fences and finds yaml blocks", () => {
    const md = ["# t", "## Incorrect", "````yaml", "a: 1", "```", "## not a heading", "````", "```sh", "x", "```", "## Correct", "```yml", "b: 2", "```", ""].join("\n");
    const s = sections(md);
    expect([...s.keys()]).toEqual(["Incorrect", "Correct"]);
    expect(yamlBlocks(s.get("Incorrect"))).toEqual(["a: 1\n```\n## not a heading\n"]);
    expect(yamlBlocks(s.get("Correct"))).toEqual(["b: 2\n"]);
  });
});

for (const id of pages.filter((p) => ids.includes(p))) {
  describe(`docs/rules/${id}.md`, () => {
    const markdown = readFileSync(`${DOCS}/${id}.md`, "utf8");
    const parts = sections(markdown);
    const incorrect = examples(parts.get("Incorrect"));
    const correct = examples(parts.get("Correct"));

    it("has the title, the severity header and Incorrect and Correct examples", () => {
      expect(markdown.split("\n")[0]).toBe(`# ${id}`);
      const header = /^\*\*Severity:\*\* ([^\n]*)/m.exec(markdown)?.[1] ?? "";
      expect(header.split(/[^a-z]+/)).toContain(severities.get(id));
      expect(incorrect.length).toBeGreaterThan(0);
      expect(correct.length).toBeGreaterThan(0);
    });

    incorrect.forEach((example, i) => {
      it(`Incorrect example ${i + 1} triggers ${id}`, () => {
        expect(ruleIdsReported(id, example)).toContain(id);
      });
    });

    correct.forEach((example, i) => {
      it(`Correct example ${i + 1} does not trigger ${id}`, () => {
        expect(ruleIdsReported(id, example)).not.toContain(id);
      });
    });
  });
}
