import { describe, expect, it } from "@jest/globals";
import { HclLocator } from "../../src/builds/bake-load.js";
import { evaluateHclTemplate, interpolateCompose } from "../../src/builds/bake-template.js";
import { renderTemplate } from "../../src/workflow/expr/value.js";
import type { TemplateAlt } from "../../src/builds/alternatives.js";

const lit = (s: string): TemplateAlt[] => [{ value: [{ lit: s }], conds: [] }];
const vars: Record<string, TemplateAlt[]> = {
  REPO: lit("ghcr.io/acme/app"),
  TAG: lit("1.2.3"),
  EMPTY: lit(""),
  SHA: [{ value: [{ hole: { source: "github.sha" } }], conds: [] }],
};
const scope = { variable: (name: string) => vars[name] };

function hcl(text: string): string[] {
  return evaluateHclTemplate(text, scope).map((a) => renderTemplate(a.value) + (a.conds.length ? ` when ${a.conds.join(" and ")}` : ""));
}

describe("HCL templates in bake files", () => {
  it("interpolates variables and keeps escapes literal", () => {
    expect(hcl("${REPO}:${TAG}")).toEqual(["ghcr.io/acme/app:1.2.3"]);
    expect(hcl("$${REPO} %%{x}")).toEqual(["${REPO} %{x}"]);
    expect(hcl('${ "quoted-${TAG}" }')).toEqual(["quoted-1.2.3"]);
  });

  it("decides conditions on known values and keeps both branches otherwise", () => {
    expect(hcl('${REPO}:${notequal("", TAG) ? TAG : "latest"}')).toEqual(["ghcr.io/acme/app:1.2.3"]);
    expect(hcl('${EMPTY == "" ? "latest" : EMPTY}')).toEqual(["latest"]);
    expect(hcl('app:%{ if equal(SHA, "") }dev%{ else }${SHA}%{ endif }')).toEqual([
      'app:dev when equal(SHA, "")',
      'app:${{ github.sha }} when !(equal(SHA, ""))',
    ]);
  });

  it("evaluates lower, upper, !, && and ||", () => {
    expect(hcl("${lower(\"ACME\")}/${upper(\"x\")}")).toEqual(["acme/X"]);
    expect(hcl('${!(TAG == "1.2.3") || false ? "a" : "b"}')).toEqual(["b"]);
  });

  it("names unknown variables, functions and references as holes shown as written", () => {
    expect(hcl("${NOPE}-${timestamp()}-${target.app.tags[0]}")).toEqual(["${NOPE}-${timestamp()}-${target.app.tags[0]}"]);
  });
});

describe("Compose interpolation", () => {
  const lookup = (name: string) => vars[name];
  const compose = (text: string) => interpolateCompose(text, lookup).map((a) => renderTemplate(a.value));

  it("reads $VAR, ${VAR}, defaults, alternatives and $$", () => {
    expect(compose("$REPO:${TAG}")).toEqual(["ghcr.io/acme/app:1.2.3"]);
    expect(compose("${UNSET:-latest} ${EMPTY:-fallback} ${EMPTY-kept} ${TAG:+set}")).toEqual(["latest fallback  set"]);
    expect(compose("$$HOME")).toEqual(["$HOME"]);
  });
});

describe("HclLocator", () => {
  it("finds top-level blocks, their attributes and list elements, skipping strings, heredocs and comments", () => {
    const text = [
      'target "app" { # a { brace in a comment',
      '  tags = ["a}", "b,${join(",", [X])}"] // trailing',
      "  args = {",
      "    A = <<EOT",
      "  }",
      "EOT",
      "  }",
      "  nested {",
      '    x = "y"',
      "  }",
      "}",
      "",
    ].join("\n");
    const [block] = new HclLocator(text).blocks();
    expect([block.type, block.labels, block.attrs.map((a) => [a.name, text.slice(a.start, a.end)])]).toEqual([
      "target",
      ["app"],
      [
        ["tags", '["a}", "b,${join(",", [X])}"]'],
        ["args", "{\n    A = <<EOT\n  }\nEOT\n  }"],
      ],
    ]);
    expect(block.attrs[0].elements?.map(([s, e]) => text.slice(s, e))).toEqual(['"a}"', '"b,${join(",", [X])}"']);
  });
});
