import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parseConfig } from "../src/config/index.js";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("docs/inspect.md", () => {
  it("explains every problem id the classifier can report", () => {
    const union = /export type ProblemId =([^;]+);/.exec(read("src/registry/classify.ts"))?.[1] ?? "";
    const ids = [...union.matchAll(/"([a-z0-9-]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(5);
    const headings = [...read("docs/inspect.md").matchAll(/^### `([a-z0-9-]+)` \((error|warning)\)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(ids);
  });
});

describe("docs/incidents.md", () => {
  it("turns incidents off with a setting the configuration accepts", () => {
    const yaml = /```yaml\n(incidents: false\n)```/.exec(read("docs/incidents.md"))?.[1];
    expect(yaml).toBe("incidents: false\n");
    const config = parseConfig(yaml ?? "");
    expect(config.diagnostics).toEqual([]);
    expect(config.incidents).toBe(false);
  });
});

describe("docs/deploying.md", () => {
  const text = read("docs/deploying.md");

  it("has the sections other branches add theirs next to", () => {
    expect(text.match(/^## .+$/gm)).toEqual(expect.arrayContaining(["## Creating the App", "## Secrets and configuration", "## Running with Docker"]));
  });

  it("asks for exactly app.yml's permissions and events when registering by hand", () => {
    const manifest = parse(read("app.yml")) as { default_permissions: Record<string, string>; default_events: string[] };
    const cell = (field: string) => new RegExp(`^\\| ${field} \\| (.+) \\|$`, "m").exec(text)?.[1] ?? "";
    const words = (s: string) => s.toLowerCase().replaceAll(" ", "_");
    const permissions = Object.fromEntries(
      cell("Repository permissions")
        .split("; ")
        .map((p) => p.split(": "))
        .map(([name, access]) => [words(name), access === "read and write" ? "write" : access]),
    );
    expect(permissions).toEqual(manifest.default_permissions);
    expect(cell("Subscribe to events").split(", ").map(words).sort()).toEqual([...manifest.default_events].sort());
  });
});
