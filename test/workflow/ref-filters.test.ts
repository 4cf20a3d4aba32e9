import { describe, expect, it } from "@jest/globals";
import { globsOverlap, refScope, refScopesOverlap } from "../../src/workflow/ref-filters.js";

describe("globsOverlap", () => {
  it.each([
    ["v*", "v[0-9]+.[0-9]+.[0-9]+", true],
    ["v*-beta", "v*", true],
    ["v*-beta", "v[0-9]+.[0-9]+.[0-9]+", false],
    ["release/*", "main", false],
    ["main", "main", true],
    ["main", "master", false],
    ["feature/**", "feature/a/b", true],
    ["v1.*", "v2.*", false],
    ["[!v]*", "v*", false],
    ["?", "ab", false],
    ["*", "anything", true],
  ])("%s and %s: %s", (a, b, overlap) => {
    expect(globsOverlap(a, b)).toBe(overlap);
    expect(globsOverlap(b, a)).toBe(overlap);
  });
});

describe("ref scopes", () => {
  const tags = (...patterns: string[]) => refScope({ kind: "tag", patterns });

  it("is undefined for a trigger without filters, and ignores exclusions", () => {
    expect(tags()).toBeUndefined();
    expect(tags("!v*-rc")).toBeUndefined();
    expect(tags("v*", "!v*-rc")).toBe(tags("v*"));
  });

  it("overlap when any pattern pair may match one ref, or when either side takes any ref", () => {
    expect(refScopesOverlap(tags("v*-beta"), tags("v[0-9]+.[0-9]+.[0-9]+"))).toBe(false);
    expect(refScopesOverlap(tags("v*-beta", "nightly"), tags("nightly"))).toBe(true);
    expect(refScopesOverlap(undefined, tags("v*"))).toBe(true);
    expect(refScopesOverlap(refScope({ kind: "branch", patterns: ["main"] }), tags("main"))).toBe(false);
  });
});
