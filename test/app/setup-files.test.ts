import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { parse } from "yaml";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("app.yml", () => {
  const manifest = parse(read("app.yml")) as Record<string, unknown>;

  it("leaves the webhook URL to the setup flow (smee or the server's address)", () => {
    expect(Object.keys(manifest).sort()).toEqual(["default_events", "default_permissions", "description", "name", "public", "url"]);
  });

  it("asks only for the permissions the handlers use", () => {
    expect(manifest.default_permissions).toEqual({
      metadata: "read",
      contents: "read",
      pull_requests: "write",
      issues: "write",
      checks: "write",
      packages: "read",
    });
  });
});

describe(".env.example", () => {
  const text = read(".env.example");

  it("sets nothing when copied as it is: no empty secret, no HOST over the image's 0.0.0.0", () => {
    expect(parseEnv(text)).toEqual({});
  });

  it("states Probot 14's precedence: .env wins over the environment", () => {
    expect(text).toContain("a value in .env WINS over the same variable set in the environment");
  });

  it("documents every variable the README's configuration table lists", () => {
    const table = read("README.md").split("## Configuration")[1].split("\n## ")[0];
    const names = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1]));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !new RegExp(`^# ${name}=`, "m").test(text))).toEqual([]);
  });
});
