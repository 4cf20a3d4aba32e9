import { describe, expect, it } from "@jest/globals";
import { holeAccepts, sameTemplate, templateKey, unify } from "../../../src/workflow/expr/unify.js";
import type { Hole, Part, Template } from "../../../src/workflow/expr/value.js";

const L = (lit: string): Part => ({ lit });
const H = (source: string, extra: Omit<Hole, "source"> = {}): Part => ({ hole: { source, ...extra } });
const SEMVER = "[0-9]+\\.[0-9]+\\.[0-9]+";

describe("unify: definite", () => {
  it("equal literals, however they are split", () => {
    expect(unify([L("ghcr.io/o/app:1.2.3")], [L("ghcr.io/o/"), L("app:1.2.3")])).toBe("definite");
    expect(unify([], [L("")])).toBe("definite");
  });

  it("holes with the same source are the same string", () => {
    expect(unify([H("needs.plan.outputs.image")], [H("needs.plan.outputs.image")])).toBe("definite");
    const cache: Template = [L("ghcr.io/"), H("github.repository"), L(":"), H("github.ref_name")];
    expect(unify(cache, [L("ghcr.io/"), H("github.repository"), L(":"), H("github.ref_name")])).toBe("definite");
  });

  it("hole patterns do not matter for same-source holes", () => {
    expect(unify([H("x", { pattern: "[0-9]+" })], [H("x")])).toBe("definite");
  });

  it("ignores case only when asked", () => {
    expect(unify([L("ghcr.io/Owner/App")], [L("ghcr.io/owner/app")])).toBe("never");
    expect(unify([L("ghcr.io/Owner/App")], [L("ghcr.io/owner/app")], { caseInsensitive: true })).toBe("definite");
    expect(unify([L("A"), H("x"), L("b")], [L("a"), H("x"), L("B")], { caseInsensitive: true })).toBe("definite");
  });
});

describe("unify: one side literal", () => {
  it("matches a hole against the characters it must cover", () => {
    expect(unify([L("app:"), H("github.ref_name")], [L("app:main")])).toBe("possible");
    expect(unify([L("app:"), H("github.ref_name")], [L("web:main")])).toBe("never");
    expect(unify([H("registry"), L("/app:cache")], [L("ghcr.io/o/app:latest")])).toBe("never");
    expect(unify([H("registry"), L("/app:latest")], [L("ghcr.io/o/app:latest")])).toBe("possible");
  });

  it("respects patterns", () => {
    expect(unify([H("version", { pattern: "[0-9]+" })], [L("latest")])).toBe("never");
    expect(unify([H("version", { pattern: "[0-9]+" })], [L("123")])).toBe("possible");
    expect(unify([L("app:"), H("v", { pattern: SEMVER })], [L("app:1.2.3")])).toBe("possible");
    expect(unify([L("app:"), H("v", { pattern: SEMVER })], [L("app:1.2")])).toBe("never");
    expect(unify([L("app:sha-"), H("sha", { pattern: "[0-9a-f]{7}" })], [L("app:sha-abc1234")])).toBe("possible");
    expect(unify([L("app:sha-"), H("sha", { pattern: "[0-9a-f]{7}" })], [L("app:sha-abc12345")])).toBe("never");
  });

  it("tries every split between several holes", () => {
    const t: Template = [H("a", { pattern: "[a-z]+" }), L("-"), H("b", { pattern: "[0-9]+" })];
    expect(unify(t, [L("x-y-1")])).toBe("never");
    expect(unify(t, [L("xy-12")])).toBe("possible");
    expect(unify([H("a"), L("-"), H("b")], [L("x-y-1")])).toBe("possible");
  });

  it("keeps newlines out of single-line holes", () => {
    expect(unify([L("a:"), H("tag")], [L("a:1\nb:2")])).toBe("never");
    expect(unify([L("a:"), H("tags", { multiline: true })], [L("a:1\nb:2")])).toBe("possible");
  });

  it("lets holes be empty unless their pattern forbids it", () => {
    expect(unify([L("app"), H("suffix")], [L("app")])).toBe("possible");
    expect(unify([L("app"), H("suffix", { pattern: ".+" })], [L("app")])).toBe("never");
    expect(unify([H("a"), H("b")], [])).toBe("possible");
  });

  it("matches patterns ignoring case when asked", () => {
    expect(unify([H("owner", { pattern: "[a-z]+" })], [L("Octo")])).toBe("never");
    expect(unify([H("owner", { pattern: "[a-z]+" })], [L("Octo")], { caseInsensitive: true })).toBe("possible");
  });

  it("treats an invalid pattern as no constraint", () => {
    expect(unify([H("x", { pattern: "([" })], [L("anything")])).toBe("possible");
  });
});

describe("unify: holes on both sides", () => {
  it("differing literal prefixes or suffixes never match", () => {
    expect(unify([L("ghcr.io/o/app:"), H("a")], [L("docker.io/o/app:"), H("b")])).toBe("never");
    expect(unify([H("a"), L(":cache")], [H("b"), L(":latest")])).toBe("never");
  });

  it("same-source holes cancel at both ends", () => {
    expect(unify([H("image"), L(":buildcache")], [H("image"), L(":"), H("github.ref_name")])).toBe("possible");
    expect(unify([H("image"), L(":a")], [H("image"), L(":b")])).toBe("never");
    expect(unify([L("x"), H("image")], [L("y"), H("image")])).toBe("never");
  });

  it("checks a hole pattern against the literal text it would have to cover", () => {
    // After `app:` cancels, the version hole would have to start with `cache-`.
    const tag: Template = [L("app:"), H("version", { pattern: SEMVER })];
    expect(unify(tag, [L("app:cache-"), H("github.ref_name")])).toBe("never");
    expect(unify(tag, [L("app:1."), H("minor")])).toBe("possible");
  });

  it("is possible when a hole reaches into another hole", () => {
    expect(unify([H("a", { pattern: "[0-9]+" }), L("x")], [H("b"), L("x")])).toBe("possible");
    expect(unify([L("a"), H("x"), L("b")], [H("y")])).toBe("possible");
    expect(unify([H("x"), L("-"), H("y")], [H("z"), L("+"), H("w")])).toBe("possible");
  });

  it("a newline on one side needs a multi-line hole or newline on the other", () => {
    expect(unify([H("a"), L("\n"), H("b")], [L("x"), H("c")])).toBe("never");
    expect(unify([H("a"), L("\n"), H("b")], [L("x"), H("c", { multiline: true })])).toBe("possible");
  });

  it("a side reduced to nothing needs the other side to be empty", () => {
    expect(unify([H("a"), L("b")], [H("a")])).toBe("never");
    expect(unify([H("a"), H("b")], [H("a")])).toBe("possible");
    expect(unify([H("a"), H("b", { pattern: "[0-9]+" })], [H("a")])).toBe("never");
  });

  it("stays sound on long templates", () => {
    const tags = Array.from({ length: 40 }, (_, i) => `ghcr.io/o/app:v${i}`).join("\n");
    expect(unify([L("ghcr.io/o/app:"), H("tags", { multiline: true })], [L(tags)])).toBe("possible");
    const manyHoles: Template = Array.from({ length: 30 }, (_, i) => [H(`h${i}`), L("-")]).flat();
    expect(unify(manyHoles, [...Array.from({ length: 30 }, (_, i) => [H(`g${i}`), L("+")]).flat(), L("-")])).toBe("possible");
  });
});

describe("unify: search budget", () => {
  // n free holes each followed by `c`, against a literal with only n - 1 `c`s: never, but every hole may end
  // at every later `c`, so the search grows quickly.
  const holes = (n: number): Template => [L("q"), ...Array.from({ length: n }, (_, i) => [H(`h${i}`), L("c")]).flat(), L("q")];
  const text = (n: number): Template => [L(`qaba${"abc".repeat(n - 1)}q`)];

  it("answers exactly while the search is small", () => {
    expect(unify(holes(20), text(20))).toBe("never");
  });

  it("answers possible, never a wrong never, when the search is too large", () => {
    expect(unify(holes(60), text(60))).toBe("possible");
  });
});

describe("holeAccepts", () => {
  it("tests the whole value against the pattern", () => {
    expect(holeAccepts({ source: "x", pattern: "[0-9]+" }, "12")).toBe(true);
    expect(holeAccepts({ source: "x", pattern: "[0-9]+" }, "12a")).toBe(false);
    expect(holeAccepts({ source: "x", pattern: "a|b" }, "ab")).toBe(false);
    expect(holeAccepts({ source: "x", pattern: "[a-z]+" }, "AB", true)).toBe(true);
  });

  it("rejects newlines unless multiline", () => {
    expect(holeAccepts({ source: "x" }, "a\nb")).toBe(false);
    expect(holeAccepts({ source: "x", multiline: true }, "a\nb")).toBe(true);
  });
});

describe("unify: answers given before the search", () => {
  // Same-source holes around both sides cancel first, so the wrapped pair goes through the search (and the
  // original code paths) with the same question.
  const searched = (a: Template, b: Template, caseInsensitive: boolean) =>
    unify([H("wrap.start"), ...a, H("wrap.end")], [H("wrap.start"), ...b, H("wrap.end")], { caseInsensitive });
  const pairs: [Template, Template][] = [
    [[H("tag", { pattern: "[0-9]+" })], [L("123")]],
    [[H("tag", { pattern: "[0-9]+" })], [L("latest")]],
    [[H("tag", { pattern: "[0-9]+" })], []],
    [[H("tag", { pattern: "[a-z]+" })], [L("Main")]],
    [[H("tag")], [L("a\nb")]],
    [[H("tag", { multiline: true })], [L("a\nb")]],
    [[L("buildcache")], [L(""), H("semver", { pattern: "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)" }), L("")]],
    [[L("App:"), H("v")], [L("app:"), H("v")]],
    [[L("a:"), H("v"), L("X")], [L("a:"), H("v"), L("x")]],
    [[L("ghcr.io/o/"), L("app")], [L("ghcr.io/o/app")]],
    [[H("x", { pattern: "[0-9]+" })], [H("x")]],
    [[L("x-"), H("a")], [L("y-"), H("a")]],
    [[H("a"), L(":cache")], [H("b"), L(":latest")]],
    [[L("ı")], [L("I")]],
  ];

  it.each(pairs)("%j ~ %j", (a, b) => {
    for (const ci of [false, true]) {
      expect(unify(a, b, { caseInsensitive: ci })).toBe(searched(a, b, ci));
      expect(unify(b, a, { caseInsensitive: ci })).toBe(searched(b, a, ci));
    }
    expect(sameTemplate(a, b)).toBe(unify(a, b) === "definite");
  });
});

describe("templateKey", () => {
  it("is the same however literal text is split, and differs with the tokens", () => {
    expect(templateKey([L("ab"), L(""), L("c")])).toBe(templateKey([L("abc")]));
    expect(templateKey([H("x", { pattern: "[0-9]+" })])).toBe(templateKey([H("x")]));
    expect(templateKey([L("a"), H("x")])).not.toBe(templateKey([L("a"), H("y")]));
    expect(templateKey([H("x"), H("y")])).not.toBe(templateKey([H("x")]));
  });

  it("cannot be spelled by literal text", () => {
    expect(templateKey([L("a\0h1:x")])).not.toBe(templateKey([L("a"), H("x")]));
    expect(templateKey([L("\0"), H("x")])).not.toBe(templateKey([H("x"), L("\0")]));
  });
});
