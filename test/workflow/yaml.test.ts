import { describe, expect, it } from "@jest/globals";
import { MAX_ALIAS_DEREFS, MAX_FILE_BYTES, YamlFile } from "../../src/workflow/yaml.js";

const src = `with:
  tags: |
    ghcr.io/o/app:1   # not a comment
    ghcr.io/o/app:2
  quoted: "type=registry,ref=x"
  escaped: "a\\tb"
  push: true
  version: 1.10
  folded: >-
    a
    b
`;

describe("YamlFile scalars", () => {
  const y = new YamlFile("w.yml", src);
  const w = y.get(y.root, "with");

  it("maps each line of a literal block scalar to its exact span", () => {
    const tags = y.scalar(y.get(w, "tags"), ["with", "tags"]);
    expect(tags?.segments.map((s) => [s.text, s.span.start.line, s.span.start.col, s.span.end.col, s.exact])).toEqual([
      ["ghcr.io/o/app:1   # not a comment", 3, 5, 38, true],
      ["ghcr.io/o/app:2", 4, 5, 20, true],
    ]);
    expect(tags?.span.path).toEqual(["with", "tags"]);
  });

  it("gives quoted scalars a span inside the quotes when no escape is used", () => {
    const q = y.scalar(y.get(w, "quoted"), ["q"]);
    expect(q?.segments).toHaveLength(1);
    expect([q?.segments[0].span.start.col, q?.segments[0].span.end.col, q?.segments[0].exact]).toEqual([12, 31, true]);
    const e = y.scalar(y.get(w, "escaped"), ["e"]);
    expect([e?.value, e?.segments[0].exact]).toEqual(["a\tb", false]);
  });

  it("keeps the source text of booleans and numbers", () => {
    expect(y.scalar(y.get(w, "push"), [])?.value).toBe("true");
    expect(y.scalar(y.get(w, "version"), [])?.value).toBe("1.10");
  });

  it("falls back to the whole node for folded scalars", () => {
    const f = y.scalar(y.get(w, "folded"), []);
    expect(f?.value).toBe("a b");
    expect(f?.segments).toEqual([{ text: "a b", span: f?.span, exact: false }]);
  });
});

describe("YamlFile bad input", () => {
  it("reports syntax errors with their position instead of throwing", () => {
    const y = new YamlFile("bad.yml", "jobs:\n  build:\n    steps: [a, b\n  x: 1\n");
    expect(y.problems.length).toBeGreaterThan(0);
    expect(y.problems[0].span.file).toBe("bad.yml");
    expect(y.problems[0].span.start.line).toBeGreaterThanOrEqual(3);
  });

  it("reads a quoted scalar whose closing line sits at its key's indentation, as GitHub does", () => {
    const text = 'env:\n  FULL_CI: "${{\n    github.event_name != \'pull_request\'\n  }}"\n  NEXT: "x"\n';
    const y = new YamlFile("ci.yml", text);
    expect(y.problems).toEqual([]);
    const env = y.get(y.root, "env");
    expect(y.scalar(y.get(env, "FULL_CI"), ["env", "FULL_CI"])?.value).toBe("${{     github.event_name != 'pull_request'   }}");
    expect(y.scalar(y.get(env, "NEXT"), ["env", "NEXT"])?.span.start).toEqual({ line: 5, col: 9, offset: 75 });
  });

  it("still reports a quoted scalar that never closes", () => {
    const y = new YamlFile("ci.yml", 'env:\n  A: "${{ x\n  B: 1\n');
    expect(y.problems.map((p) => p.message)).toEqual(['Missing closing "quote']);
  });

  it("stops dereferencing aliases at the cap", () => {
    const lines = ["a: &a [x]"];
    for (let i = 0; i < MAX_ALIAS_DEREFS + 10; i++) lines.push(`k${i}: *a`);
    const y = new YamlFile("bomb.yml", lines.join("\n"));
    const values = y.entries(y.root).filter((e) => e.value !== undefined);
    expect(values).toHaveLength(MAX_ALIAS_DEREFS + 1);
    expect(y.problems.map((p) => p.message)).toEqual([`more than ${MAX_ALIAS_DEREFS} alias references; the rest are ignored`]);
  });

  it("skips files over the size cap", () => {
    const y = new YamlFile("big.yml", `x: "${"a".repeat(MAX_FILE_BYTES)}"`);
    expect(y.skipped).toBe(`larger than ${MAX_FILE_BYTES} bytes`);
    expect(y.doc).toBeUndefined();
  });
});

describe("YamlFile merge keys", () => {
  const compose = `x-base: &base
  context: .
  target: base
x-more: &more
  target: more
  dockerfile: more.Dockerfile
x-nested: &nested
  <<: *base
  args: {A: "1"}
services:
  one:
    <<: [*more, *base]
    image: one
  two:
    target: own
    <<: *base
  three:
    <<: *nested
  four:
    "<<": *base
`;
  const entries = (y: YamlFile, service: string) =>
    y.entries(y.get(y.get(y.root, "services"), service)).map((e) => [e.key, y.scalar(e.value, [])?.value ?? "(map)", e.keyNode.range?.[0]]);
  const at = (text: string) => compose.indexOf(text);

  it("merges in place; the map's own keys win, then the first map of a sequence (YAML 1.1)", () => {
    const y = new YamlFile("compose.yaml", compose, { mergeKeys: "merge" });
    expect(entries(y, "one")).toEqual([
      ["target", "more", at("target: more")],
      ["dockerfile", "more.Dockerfile", at("dockerfile: more")],
      ["context", ".", at("context: .")],
      ["image", "one", at("image: one")],
    ]);
    expect(entries(y, "two")).toEqual([
      ["target", "own", at("target: own")],
      ["context", ".", at("context: .")],
    ]);
    expect(entries(y, "three")).toEqual([
      ["context", ".", at("context: .")],
      ["target", "base", at("target: base")],
      ["args", "(map)", at("args:")],
    ]);
    expect(entries(y, "four")).toEqual([["<<", "(map)", at('"<<"')]]);
    expect(y.notes).toEqual([]);
  });

  it("keeps `<<` a plain key and notes it where GitHub Actions does not support merge keys", () => {
    const y = new YamlFile("w.yml", compose, { mergeKeys: "unsupported" });
    expect(entries(y, "two")).toEqual([
      ["target", "own", at("target: own")],
      ["<<", "(map)", compose.indexOf("<<: *base", at("two:"))],
    ]);
    expect(y.notes).toEqual(["w.yml:8: GitHub Actions does not support YAML merge keys (`<<`); the keys they would merge are not read"]);
    expect(new YamlFile("c.json", compose).notes).toEqual([]);
  });

  it("bounds a merge bomb by the alias cap", () => {
    const lines = ["m0: &m0 {k: v}"];
    for (let i = 1; i <= 40; i++) lines.push(`m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}], k${i}: v}`);
    lines.push("top:\n  <<: *m40");
    const y = new YamlFile("bomb.yaml", lines.join("\n"), { mergeKeys: "merge" });
    const keys = y.entries(y.get(y.root, "top")).map((e) => e.key);
    expect(keys.length).toBeLessThanOrEqual(41);
    expect(y.problems.map((p) => p.message)).toEqual([`more than ${MAX_ALIAS_DEREFS} alias references; the rest are ignored`]);
  });
});
