import { describe, expect, it } from "@jest/globals";
import { evaluateExpression, ExpressionSyntaxError } from "../../../src/workflow/expr/evaluate.js";
import type { Sym, Val } from "../../../src/workflow/expr/value.js";
import { hole, known, lit } from "../../../src/workflow/expr/value.js";
import { scopeOf } from "./scope.js";

const str = (...parts: Array<string | { hole: { source: string; pattern?: string; multiline?: boolean; scope?: string } }>): Val => ({
  kind: "str",
  parts: parts.map((p) => (typeof p === "string" ? { lit: p } : p)),
});
const h = (source: string, extra: { pattern?: string; multiline?: boolean } = {}) => ({ hole: { source, ...extra } });
const bool = (value: boolean): Val => ({ kind: "bool", value });
const num = (value: number): Val => ({ kind: "num", value });
const boolHole = (source: string): Val => ({ kind: "unknown", hole: { source, pattern: "true|false" } });
const NULL: Val = { kind: "null" };
/** The scope of a collapsed value evaluated without an evaluation identity: the digest of its alternatives. */
const COLLAPSED = expect.stringMatching(/^#[0-9a-f]{16}$/) as unknown as string;

const ev = (expr: string, values: Parameters<typeof scopeOf>[0] = {}): Sym => evaluateExpression(expr, scopeOf(values));

/** metadata-action outputs: two tags, the first one from the ref name. */
const TAGS = str("ghcr.io/o/app:", h("github.ref_name"), "\nghcr.io/o/app:latest");
const META_JSON: Val = {
  kind: "str",
  parts: [h("steps.meta.outputs.json")],
  json: {
    kind: "object",
    fields: {
      tags: { kind: "array", items: [str("ghcr.io/o/app:", h("github.ref_name")), lit("ghcr.io/o/app:latest")] },
      labels: { kind: "object", fields: { "org.opencontainers.image.title": lit("app") } },
    },
  },
};

describe("literals", () => {
  it("strings, with doubled quotes unescaped everywhere", () => {
    expect(ev("'it''s'")).toEqual(known(lit("it's")));
    expect(ev("'a''b''c'")).toEqual(known(lit("a'b'c")));
    expect(ev("''")).toEqual(known(lit("")));
  });

  it("numbers, booleans and null", () => {
    expect(ev("1.50")).toEqual(known(num(1.5)));
    expect(ev("-2")).toEqual(known(num(-2)));
    expect(ev("0x10")).toEqual(known(num(16)));
    expect(ev("true")).toEqual(known(bool(true)));
    expect(ev("false")).toEqual(known(bool(false)));
    expect(ev("null")).toEqual(known(NULL));
  });
});

describe("context access", () => {
  it("an unknown path is a hole named by its canonical dotted path", () => {
    expect(ev("github.event.pull_request.head.sha")).toEqual(known(hole("github.event.pull_request.head.sha")));
    expect(ev("needs.plan.outputs.image")).toEqual(known(hole("needs.plan.outputs.image")));
    expect(ev("GITHUB.ref_name")).toEqual(known(hole("github.ref_name")));
    expect(ev("steps.meta.outputs['tags']")).toEqual(known(hole("steps.meta.outputs.tags")));
    expect(ev("inputs['my input']")).toEqual(known(hole("inputs['my input']")));
    expect(ev("inputs['it''s']")).toEqual(known(hole("inputs['it''s']")));
    expect(ev("matrix.include[0].os")).toEqual(known(hole("matrix.include[0].os")));
  });

  it("looks up the full path first, then shorter prefixes", () => {
    const scope = scopeOf({});
    evaluateExpression("steps.meta.outputs.tags", scope);
    expect(scope.lookups).toEqual(["steps.meta.outputs.tags", "steps.meta.outputs", "steps.meta", "steps"]);
  });

  it("indexes into what a prefix resolves to", () => {
    const outputs: Val = { kind: "object", fields: { image: lit("ghcr.io/o/app"), Tags: TAGS } };
    expect(ev("needs.plan.outputs.image", { "needs.plan.outputs": outputs })).toEqual(known(lit("ghcr.io/o/app")));
    expect(ev("needs.plan.outputs.tags", { "needs.plan.outputs": outputs })).toEqual(known(TAGS));
    expect(ev("needs.plan.outputs.missing", { "needs.plan.outputs": outputs })).toEqual(known(NULL));
    expect(ev("needs.plan.outputs.image", { "needs.plan": hole("needs.plan") })).toEqual(
      known(hole("needs.plan.outputs.image")),
    );
  });

  it("resolves the exact path when the scope knows it", () => {
    expect(ev("steps.meta.outputs.tags", { "steps.meta.outputs.tags": TAGS })).toEqual(known(TAGS));
  });

  it("keeps the scope's alternatives and their conditions", () => {
    const image: Sym = [
      { value: lit("ghcr.io/o/app"), conds: ["matrix.variant == 'full'"] },
      { value: lit("ghcr.io/o/app-slim"), conds: ["!(matrix.variant == 'full')"] },
    ];
    expect(ev("env.IMAGE", { "env.IMAGE": image })).toEqual(image);
  });

  it("uses a key computed from another context", () => {
    const values = { "matrix.key": lit("b"), "inputs.b": lit("value-b") };
    expect(ev("inputs[matrix.key]", values)).toEqual(known(lit("value-b")));
    expect(ev("inputs[format('{0}', matrix.key)]", values)).toEqual(known(lit("value-b")));
  });

  it("an unknown key gives a [*] hole", () => {
    expect(ev("matrix.platform[inputs.x]")).toEqual(known(hole("matrix.platform[*]")));
    const platforms: Val = { kind: "object", fields: { a: lit("linux/amd64") } };
    expect(ev("matrix.platform[inputs.x]", { "matrix.platform": platforms })).toEqual(known(hole("matrix.platform[*]")));
    expect(ev("fromJSON('{\"a\":1}')[inputs.x]")).toEqual(known(hole("fromJSON('{\"a\":1}')[*]")));
    expect(ev("fromJSON('\"abc\"')[inputs.x]")).toEqual(known(NULL));
  });

  it("a star is a hole", () => {
    expect(ev("github.event.pull_request.labels.*.name")).toEqual(known(hole("github.event.pull_request.labels.*.name")));
    expect(ev("needs[*].result")).toEqual(known(hole("needs.*.result")));
    const labels: Val = { kind: "array", items: [lit("bug")] };
    expect(ev("github.event.labels.*", { "github.event.labels": labels })).toEqual(known(hole("github.event.labels.*")));
    expect(ev("github.event.name.*", { "github.event.name": lit("x") })).toEqual(known({ kind: "array", items: [] }));
  });

  it("follows Actions indexing rules on known values", () => {
    expect(ev("fromJSON('[\"a\",\"b\"]')[1]")).toEqual(known(lit("b")));
    expect(ev("fromJSON('[\"a\",\"b\"]')['1']")).toEqual(known(lit("b")));
    expect(ev("fromJSON('[\"a\",\"b\"]')[1.7]")).toEqual(known(lit("b")));
    expect(ev("fromJSON('[\"a\",\"b\"]')[2]")).toEqual(known(NULL));
    expect(ev("fromJSON('[\"a\",\"b\"]')[-1]")).toEqual(known(NULL));
    expect(ev("fromJSON('{\"Name\":\"x\"}').name")).toEqual(known(lit("x")));
    expect(ev("fromJSON('{\"a\":1}')[fromJSON('[]')]")).toEqual(known(NULL));
    expect(ev("inputs.text.length", { "inputs.text": lit("abc") })).toEqual(known(NULL));
    expect(ev("fromJSON('{\"true\":1}')[true]")).toEqual(known(num(1)));
    expect(ev("fromJSON('[\"a\",\"b\"]')[true]")).toEqual(known(lit("b")));
    expect(ev("inputs[null]")).toEqual(known(hole("inputs['']")));
  });

  it("a bare context is a hole too", () => {
    expect(ev("github")).toEqual(known(hole("github")));
    expect(ev("toJSON(matrix)", { matrix: { kind: "object", fields: { os: lit("linux") } } })).toEqual(
      known({ kind: "str", parts: [{ lit: '{\n  "os": "linux"\n}' }], json: { kind: "object", fields: { os: lit("linux") } } }),
    );
  });
});

describe("operators", () => {
  it("== and != compare strings ignoring case", () => {
    expect(ev("'Push' == 'push'")).toEqual(known(bool(true)));
    expect(ev("github.event_name == 'PULL_REQUEST'", { "github.event_name": lit("pull_request") })).toEqual(
      known(bool(true)),
    );
    expect(ev("'a' != 'A'")).toEqual(known(bool(false)));
    expect(ev("'a' != 'b'")).toEqual(known(bool(true)));
  });

  it("coerces mixed types like Actions", () => {
    expect(ev("'1' == 1")).toEqual(known(bool(true)));
    expect(ev("'' == 0")).toEqual(known(bool(true)));
    expect(ev("null == 0")).toEqual(known(bool(true)));
    expect(ev("null == ''")).toEqual(known(bool(true)));
    expect(ev("true == 'true'")).toEqual(known(bool(false)));
    expect(ev("true == 1")).toEqual(known(bool(true)));
    expect(ev("'abc' == fromJSON('{}')")).toEqual(known(bool(false)));
    expect(ev("github.event.pull_request == github.event.pull_request")).toEqual(known(bool(true)));
    expect(ev("github.event.pull_request == github.event.issue")).toEqual(
      known(boolHole("github.event.pull_request == github.event.issue")),
    );
  });

  it("orders numbers, strings (ignoring case) and booleans", () => {
    expect(ev("1 < 2")).toEqual(known(bool(true)));
    expect(ev("2 <= 2")).toEqual(known(bool(true)));
    expect(ev("'10' > 9")).toEqual(known(bool(true)));
    expect(ev("'abc' < 'ABD'")).toEqual(known(bool(true)));
    expect(ev("'b' >= 'A'")).toEqual(known(bool(true)));
    expect(ev("true > false")).toEqual(known(bool(true)));
    expect(ev("'x' < 1")).toEqual(known(bool(false)));
    expect(ev("fromJSON('[]') < fromJSON('[]')")).toEqual(known(bool(false)));
    expect(ev("inputs.a <= 'b'", { "inputs.a": str(h("inputs.a")) })).toEqual(known(boolHole("inputs.a <= 'b'")));
  });

  it("arrays and objects are equal only by reference", () => {
    const list: Val = { kind: "array", items: [lit("a")] };
    expect(ev("env.LIST == env.LIST", { "env.LIST": list })).toEqual(known(bool(true)));
    expect(ev("fromJSON('[]') == fromJSON('[]')")).toEqual(known(boolHole("fromJSON('[]') == fromJSON('[]')")));
  });

  it("comparisons depending on holes are undecided boolean holes", () => {
    expect(ev("inputs.publish == 'true'")).toEqual(known(boolHole("inputs.publish == 'true'")));
    expect(ev("github.ref_name < 'v2'", { "github.ref_name": str(h("github.ref_name")) })).toEqual(
      known(boolHole("github.ref_name < 'v2'")),
    );
    expect(ev("inputs.n > 3", { "inputs.n": str(h("inputs.n")) })).toEqual(known(boolHole("inputs.n > 3")));
  });

  it("decides comparisons of templates when unification can", () => {
    expect(ev("github.ref == github.ref")).toEqual(known(bool(true)));
    expect(ev("github.ref <= github.ref")).toEqual(known(bool(true)));
    expect(ev("github.ref < github.ref")).toEqual(known(bool(false)));
    expect(ev("format('{0}-x', github.sha) == format('{0}-X', github.sha)")).toEqual(known(bool(true)));
    expect(ev("format('{0}-x', github.sha) == format('{0}-y', github.sha)")).toEqual(known(bool(false)));
    const sha = str(h("github.sha", { pattern: "[0-9a-f]{40}" }));
    expect(ev("github.sha == 'latest'", { "github.sha": sha })).toEqual(known(bool(false)));
    expect(ev("github.ref == 'refs/tags/v1'", { "github.ref": str("refs/heads/", h("github.ref_name")) })).toEqual(
      known(bool(false)),
    );
    expect(ev("github.ref != 'refs/heads/main'", { "github.ref": str("refs/heads/", h("github.ref_name")) })).toEqual(
      known(boolHole("github.ref != 'refs/heads/main'")),
    );
  });

  it("! negates known truthiness and leaves holes undecided", () => {
    expect(ev("!''")).toEqual(known(bool(true)));
    expect(ev("!'x'")).toEqual(known(bool(false)));
    expect(ev("!0")).toEqual(known(bool(true)));
    expect(ev("!inputs.publish")).toEqual(known(boolHole("!inputs.publish")));
    expect(ev("!(inputs.a == 'b')")).toEqual(known(boolHole("!(inputs.a == 'b')")));
  });
});

describe("&& and ||", () => {
  const GUARD = "github.event_name != 'pull_request' && format('type=registry,ref={0}:cache', env.IMAGE) || ''";
  const CACHE = str("type=registry,ref=", h("env.IMAGE"), ":cache");

  it("guard evaluated on a push", () => {
    expect(ev(GUARD, { "github.event_name": lit("push") })).toEqual(known(CACHE));
  });

  it("guard evaluated on a pull request", () => {
    expect(ev(GUARD, { "github.event_name": lit("pull_request") })).toEqual(known(lit("")));
  });

  it("guard with an unknown event keeps both branches with their conditions", () => {
    expect(ev(GUARD)).toEqual([
      { value: CACHE, conds: ["github.event_name != 'pull_request'"] },
      { value: lit(""), conds: ["!(github.event_name != 'pull_request')"] },
    ]);
  });

  it("yields operands, not booleans", () => {
    expect(ev("'a' && 'b'")).toEqual(known(lit("b")));
    expect(ev("'' && 'b'")).toEqual(known(lit("")));
    expect(ev("0 || null || 'c'")).toEqual(known(lit("c")));
    expect(ev("'a' || inputs.x")).toEqual(known(lit("a")));
    expect(ev("null || 0")).toEqual(known(num(0)));
  });

  it("an undecided operand of || is the value when truthy", () => {
    expect(ev("inputs.tag || 'latest'")).toEqual([
      { value: hole("inputs.tag"), conds: ["inputs.tag"] },
      { value: lit("latest"), conds: ["!(inputs.tag)"] },
    ]);
  });

  it("a falsy branch is not re-split by an enclosing operator", () => {
    expect(ev("inputs.push && 'p' || 'q'")).toEqual([
      { value: lit("p"), conds: ["inputs.push"] },
      { value: lit("q"), conds: ["!(inputs.push)"] },
    ]);
    expect(ev("inputs.tag && inputs.tag || 'none'", { "inputs.tag": str(h("inputs.tag")) })).toEqual([
      { value: str(h("inputs.tag")), conds: ["inputs.tag"] },
      { value: lit("none"), conds: ["!(inputs.tag)"] },
    ]);
  });

  it("chains several operands", () => {
    expect(ev("inputs.a && inputs.b && 'x'")).toEqual([
      { value: lit("x"), conds: ["inputs.a", "inputs.b"] },
      { value: hole("inputs.b"), conds: ["inputs.a", "!(inputs.b)"] },
      { value: hole("inputs.a"), conds: ["!(inputs.a)"] },
    ]);
    expect(ev("(inputs.a == '1') || (inputs.b == '1')")).toEqual([
      { value: bool(true), conds: ["(inputs.a == '1')"] },
      { value: boolHole("inputs.b == '1'"), conds: ["!((inputs.a == '1'))"] },
    ]);
  });

  it("presumes the value of the ternary idiom `cond && value || fallback` set when it is unknown", () => {
    const TERNARY = "matrix.arch == 'amd64' && steps.c.outputs.amd || steps.c.outputs.arm";
    expect(ev(TERNARY, { "matrix.arch": lit("amd64") })).toEqual([
      { value: hole("steps.c.outputs.amd"), conds: ["matrix.arch == 'amd64' && steps.c.outputs.amd"] },
    ]);
    expect(ev(TERNARY, { "matrix.arch": lit("arm64") })).toEqual(known(hole("steps.c.outputs.arm")));
    expect(ev(`(${TERNARY.replace(" ||", ") ||")}`, { "matrix.arch": lit("amd64") })).toEqual([
      { value: hole("steps.c.outputs.amd"), conds: ["(matrix.arch == 'amd64' && steps.c.outputs.amd)"] },
    ]);
    // A value known to be empty, and a boolean, are not presumed: the fallback is taken when they are falsy.
    expect(ev("inputs.a == 'x' && '' || 'y'", { "inputs.a": lit("x") })).toEqual(known(lit("y")));
    expect(ev("inputs.a == 'x' && inputs.flag || 'y'", { "inputs.a": lit("x"), "inputs.flag": boolHole("inputs.flag") })).toEqual([
      { value: bool(true), conds: ["inputs.a == 'x' && inputs.flag"] },
      { value: lit("y"), conds: ["!(inputs.a == 'x' && inputs.flag)"] },
    ]);
    // Nor is a fallback's own unknown value (`x || y`), nor the operand of a plain `&&`.
    expect(ev("steps.c.outputs.amd || 'y'")).toHaveLength(2);
    expect(ev("inputs.a == 'x' && steps.c.outputs.amd", { "inputs.a": lit("x") })).toEqual(known(hole("steps.c.outputs.amd")));
  });

  it("drops combinations whose conditions contradict", () => {
    expect(ev("format('{0}{1}', inputs.a && 'x' || 'y', inputs.a && '1' || '2')")).toEqual([
      { value: lit("x1"), conds: ["inputs.a"] },
      { value: lit("y2"), conds: ["!(inputs.a)"] },
    ]);
  });
});

describe("case()", () => {
  const SEED =
    "case(inputs.publish == 'true', format('type=registry,ref={0}', steps.meta.outputs.tags), 'type=gha,mode=max')";
  const REGISTRY = str("type=registry,ref=ghcr.io/o/app:", h("github.ref_name"), "\nghcr.io/o/app:latest");

  it("seed line with inputs.publish known 'true': only the format result", () => {
    expect(ev(SEED, { "inputs.publish": lit("true"), "steps.meta.outputs.tags": TAGS })).toEqual(known(REGISTRY));
  });

  it("seed line with inputs.publish known 'false': only the default", () => {
    expect(ev(SEED, { "inputs.publish": lit("false"), "steps.meta.outputs.tags": TAGS })).toEqual(
      known(lit("type=gha,mode=max")),
    );
  });

  it("seed line with inputs.publish unknown: both branches with conditions", () => {
    expect(ev(SEED, { "steps.meta.outputs.tags": TAGS })).toEqual([
      { value: REGISTRY, conds: ["inputs.publish == 'true'"] },
      { value: lit("type=gha,mode=max"), conds: ["!(inputs.publish == 'true')"] },
    ]);
  });

  it("skips decided-false predicates and stops at a decided-true one", () => {
    expect(ev("case(false, 'a', inputs.x == '1', 'b', true, 'c', inputs.y == '1', 'd', 'e')")).toEqual([
      { value: lit("b"), conds: ["inputs.x == '1'"] },
      { value: lit("c"), conds: ["!(inputs.x == '1')"] },
    ]);
    expect(ev("case(1 == 1, 'a', inputs.x, 'b', 'c')")).toEqual(known(lit("a")));
  });

  it("keeps every reachable branch", () => {
    expect(ev("case(inputs.a == '1', 'one', inputs.b == '2', 'two', 'none')")).toEqual([
      { value: lit("one"), conds: ["inputs.a == '1'"] },
      { value: lit("two"), conds: ["!(inputs.a == '1')", "inputs.b == '2'"] },
      { value: lit("none"), conds: ["!(inputs.a == '1')", "!(inputs.b == '2')"] },
    ]);
  });

  it("is case-insensitive in its name like every function", () => {
    expect(ev("CASE(true, 'a', 'b')")).toEqual(known(lit("a")));
  });
});

describe("format()", () => {
  it("substitutes placeholders, repeatedly and in any order", () => {
    expect(ev("format('{1}-{0}-{1}', 'a', 'b')")).toEqual(known(lit("b-a-b")));
    expect(ev("format('{0}', github.sha)")).toEqual(known(str(h("github.sha"))));
    expect(ev("format('v{0}', 1.50)")).toEqual(known(lit("v1.5")));
    expect(ev("format('{0}|{1}|{2}', null, true, fromJSON('[1]'))")).toEqual(known(lit("|true|Array")));
  });

  it("handles {{ and }} escapes", () => {
    expect(ev("format('{{0}} {0} }}{{', 'x')")).toEqual(known(lit("{0} x }{")));
    expect(ev("format('{{{0}}}', 'x')")).toEqual(known(lit("{x}")));
  });

  it("ignores text after the index like Actions", () => {
    expect(ev("format('{0:x}', 'a')")).toEqual(known(lit("a")));
  });

  it("an unknown format string gives a hole", () => {
    expect(ev("format(inputs.fmt, 'a')")).toEqual(known(str(h("format(inputs.fmt, 'a')"))));
    expect(ev("format(inputs.fmt, steps.meta.outputs.tags)", { "steps.meta.outputs.tags": TAGS })).toEqual(
      known(str(h("format(inputs.fmt, steps.meta.outputs.tags)", { multiline: true }))),
    );
  });

  it("rejects invalid format strings at the format string", () => {
    const err = (expr: string) => {
      try {
        ev(expr);
      } catch (e) {
        const { name, message, offset } = e as ExpressionSyntaxError;
        return [name, message, offset];
      }
      return undefined;
    };
    expect(err("format('{1}', 'a')")).toEqual([
      "ExpressionSyntaxError",
      "The following format string references more arguments than were supplied: {1}",
      7,
    ]);
    expect(err("format('a}b')")).toEqual(["ExpressionSyntaxError", "The following format string is invalid: a}b", 7]);
    expect(err("format('{x}', 1)")).toEqual(["ExpressionSyntaxError", "The following format string is invalid: {x}", 7]);
    expect(err("format('{0', 1)")).toEqual(["ExpressionSyntaxError", "The following format string is invalid: {0", 7]);
  });
});

describe("contains, startsWith, endsWith", () => {
  it("decide on literals, ignoring case", () => {
    expect(ev("contains('Hello', 'ELL')")).toEqual(known(bool(true)));
    expect(ev("contains('Hello', 'xyz')")).toEqual(known(bool(false)));
    expect(ev("startsWith('Hello', 'he')")).toEqual(known(bool(true)));
    expect(ev("endsWith('Hello', 'LO')")).toEqual(known(bool(true)));
    expect(ev("endsWith('Hello', 'he')")).toEqual(known(bool(false)));
    expect(ev("contains(123, 2)")).toEqual(known(bool(true)));
    expect(ev("contains('abc', '')")).toEqual(known(bool(true)));
    expect(ev("startsWith(inputs.x, '')")).toEqual(known(bool(true)));
    expect(ev("endsWith(inputs.x, format('{0}', ''))")).toEqual(known(bool(true)));
  });

  it("search arrays by element equality", () => {
    expect(ev("contains(fromJSON('[\"push\",\"release\"]'), 'PUSH')")).toEqual(known(bool(true)));
    expect(ev("contains(fromJSON('[\"push\",\"release\"]'), 'pr')")).toEqual(known(bool(false)));
    expect(ev("contains(fromJSON('[\"push\",\"release\"]'), github.event_name)")).toEqual(
      known(boolHole("contains(fromJSON('[\"push\",\"release\"]'), github.event_name)")),
    );
  });

  it("decide on templates where the literal text settles it", () => {
    const values = { "github.ref": str("refs/heads/", h("github.ref_name")) };
    expect(ev("startsWith(github.ref, 'refs/heads/')", values)).toEqual(known(bool(true)));
    expect(ev("startsWith(github.ref, 'refs/tags/')", values)).toEqual(known(bool(false)));
    expect(ev("contains(github.ref, 'HEADS')", values)).toEqual(known(bool(true)));
    expect(ev("endsWith(github.ref, '/main')", values)).toEqual(known(boolHole("endsWith(github.ref, '/main')")));
    const version = { "steps.v.outputs.version": str(h("version", { pattern: "[0-9.]+" })) };
    expect(ev("contains(steps.v.outputs.version, 'beta')", version)).toEqual(known(bool(false)));
    expect(ev("endsWith(steps.v.outputs.version, '-rc')", version)).toEqual(known(bool(false)));
  });

  it("cannot tell on unknown values", () => {
    expect(ev("contains(github.event.head_commit.message, '[skip]')")).toEqual(
      known(boolHole("contains(github.event.head_commit.message, '[skip]')")),
    );
  });

  it("give false for non-primitive arguments", () => {
    expect(ev("startsWith(fromJSON('[]'), 'a')")).toEqual(known(bool(false)));
    expect(ev("contains('abc', fromJSON('{}'))")).toEqual(known(bool(false)));
    expect(ev("contains(fromJSON('{}'), 'a')")).toEqual(known(bool(false)));
  });
});

describe("join, toJSON, fromJSON", () => {
  it("join() concatenates array items", () => {
    expect(ev("join(fromJSON('[\"a\",\"b\"]'))")).toEqual(known(lit("a,b")));
    expect(ev("join(fromJSON('[\"a\",1,true]'), ' ')")).toEqual(known(lit("a 1 true")));
    expect(ev("join('abc', '-')")).toEqual(known(lit("abc")));
    expect(ev("join(fromJSON('{}'))")).toEqual(known(lit("")));
    expect(ev("join(fromJSON(steps.meta.outputs.json).tags, ' ')", { "steps.meta.outputs.json": META_JSON })).toEqual(
      known(str("ghcr.io/o/app:", h("github.ref_name"), " ghcr.io/o/app:latest")),
    );
    expect(ev("join(inputs.list)")).toEqual(known(str(h("join(inputs.list)"))));
  });

  it("toJSON() of known values is the pretty JSON text and carries the value", () => {
    const value = { kind: "object", fields: { a: { kind: "array", items: [num(1), bool(true), NULL] } } } as Val;
    expect(ev("toJSON(fromJSON('{\"a\":[1,true,null]}'))")).toEqual(
      known({ kind: "str", parts: [{ lit: '{\n  "a": [\n    1,\n    true,\n    null\n  ]\n}' }], json: value }),
    );
    expect(ev("toJson('x')")).toEqual(known({ kind: "str", parts: [{ lit: '"x"' }], json: lit("x") }));
  });

  it("toJSON() of unknown values is a hole that still carries the value", () => {
    expect(ev("toJSON(inputs.x)")).toEqual(
      known({ kind: "str", parts: [h("toJSON(inputs.x)", { multiline: true })], json: hole("inputs.x") }),
    );
    expect(ev("toJSON(format('a{0}', inputs.x))")).toEqual(
      known({ kind: "str", parts: [h("toJSON(format('a{0}', inputs.x))")], json: str("a", h("inputs.x")) }),
    );
    expect(ev("fromJSON(toJSON(inputs.x)).tags", {})).toEqual(known(hole("inputs.x.tags")));
    const list: Val = { kind: "array", items: [lit("a"), str(h("github.sha"))] };
    expect(ev("toJSON(env.LIST)", { "env.LIST": list })).toEqual(
      known({ kind: "str", parts: [h("toJSON(env.LIST)", { multiline: true })], json: list }),
    );
    const obj: Val = { kind: "object", fields: { a: lit("x"), b: hole("github.sha") } };
    expect(ev("toJSON(env.OBJ)", { "env.OBJ": obj })).toEqual(
      known({ kind: "str", parts: [h("toJSON(env.OBJ)", { multiline: true })], json: obj }),
    );
  });

  it("fromJSON() parses literal text", () => {
    expect(ev("fromJSON('{\"tags\":[\"a\",\"b\"]}').tags[1]")).toEqual(known(lit("b")));
    expect(ev("fromJSON('true')")).toEqual(known(bool(true)));
    expect(ev("fromJSON(' 1.5 ')")).toEqual(known(num(1.5)));
    expect(ev("fromJSON('null')")).toEqual(known(NULL));
    expect(ev("fromjson(format('[{0}]', 2))")).toEqual(known({ kind: "array", items: [num(2)] }));
  });

  it("fromJSON(steps.meta.outputs.json).tags[0] yields the first tag template", () => {
    const values = { "steps.meta.outputs.json": META_JSON };
    expect(ev("fromJSON(steps.meta.outputs.json).tags[0]", values)).toEqual(
      known(str("ghcr.io/o/app:", h("github.ref_name"))),
    );
    expect(ev("fromJSON(steps.meta.outputs.json).labels['org.opencontainers.image.title']", values)).toEqual(
      known(lit("app")),
    );
    expect(ev("fromJSON(steps.meta.outputs.json).tags[5]", values)).toEqual(known(NULL));
  });

  it("fromJSON() of unknown text is a hole named after its argument", () => {
    expect(ev("fromJSON(steps.meta.outputs.json).tags[0]")).toEqual(
      known(hole("fromJSON(steps.meta.outputs.json).tags[0]")),
    );
    expect(ev("fromJSON(steps.meta.outputs.json)", { "steps.meta.outputs.json": str(h("steps.meta.outputs.json")) })).toEqual(
      known(hole("fromJSON(steps.meta.outputs.json)")),
    );
    expect(ev("fromJSON(format('[{0}]', inputs.x))")).toEqual(known(hole("fromJSON(format('[{0}]', inputs.x))")));
    expect(ev("fromJSON('not json')")).toEqual(known(hole("fromJSON('not json')")));
    expect(ev("fromJSON('')")).toEqual(known(hole("fromJSON('')")));
  });
});

describe("status functions and hashFiles", () => {
  it("success() and always() are true; failure() and cancelled() undecided", () => {
    expect(ev("success()")).toEqual(known(bool(true)));
    expect(ev("always()")).toEqual(known(bool(true)));
    expect(ev("failure()")).toEqual(known(boolHole("failure()")));
    expect(ev("Cancelled()")).toEqual(known(boolHole("Cancelled()")));
  });

  it("hashFiles() is a hex hash hole, possibly empty", () => {
    expect(ev("hashFiles('**/go.sum')")).toEqual(
      known(str(h("hashFiles('**/go.sum')", { pattern: "(?:[0-9a-f]{64})?" }))),
    );
  });
});

describe("values functions derive from unknowns keep their identity", () => {
  const inStep = (expr: string, step: string) => evaluateExpression(expr, scopeOf({}, { holes: { steps: step } }));

  it("fromJSON, an index into it, join, toJSON and a format of an unknown string carry the step instance", () => {
    expect(inStep("fromJSON(steps.t.outputs.tags)", "job-a|t")).toEqual(known(hole("fromJSON(steps.t.outputs.tags)", { scope: "job-a|t" })));
    expect(inStep("fromJSON(steps.t.outputs.tags)[0]", "job-a|t")).toEqual(known(hole("fromJSON(steps.t.outputs.tags)[0]", { scope: "job-a|t" })));
    expect(inStep("join(fromJSON(steps.t.outputs.tags), ',')", "job-a|t")).toEqual(
      known(str({ hole: { source: "join(fromJSON(steps.t.outputs.tags), ',')", scope: "job-a|t" } })),
    );
    expect(inStep("toJSON(steps.t.outputs.tags)", "job-a|t")).toEqual(
      known({
        kind: "str",
        parts: [{ hole: { source: "toJSON(steps.t.outputs.tags)", multiline: true, scope: "job-a|t" } }],
        json: hole("steps.t.outputs.tags", { scope: "job-a|t" }),
      }),
    );
    expect(inStep("format(steps.t.outputs.fmt, 'x')", "job-a|t")).toEqual(
      known(str({ hole: { source: "format(steps.t.outputs.fmt, 'x')", scope: "job-a|t" } })),
    );
    // Another job's step is another value.
    expect(inStep("join(fromJSON(steps.t.outputs.tags), ',')", "job-b|t")).not.toEqual(inStep("join(fromJSON(steps.t.outputs.tags), ',')", "job-a|t"));
  });

  it("a value derived from run-wide unknowns only is run-wide", () => {
    expect(inStep("fromJSON(vars.TAGS)", "job-a|t")).toEqual(known(hole("fromJSON(vars.TAGS)")));
  });
});

describe("alternative cap", () => {
  const choice = (n: number) => `inputs.a${n} && 'x' || 'y'`;
  const formatOf = (count: number) => {
    const indexes = Array.from({ length: count }, (_, i) => i);
    return `format('${indexes.map((i) => `{${i}}`).join("")}', ${indexes.map(choice).join(", ")})`;
  };

  it("keeps 64 alternatives", () => {
    const result = ev(formatOf(6));
    expect(result).toHaveLength(64);
    expect(result[0]).toEqual({
      value: lit("xxxxxx"),
      conds: ["inputs.a0", "inputs.a1", "inputs.a2", "inputs.a3", "inputs.a4", "inputs.a5"],
    });
    expect(result[63]).toEqual({
      value: lit("yyyyyy"),
      conds: ["!(inputs.a0)", "!(inputs.a1)", "!(inputs.a2)", "!(inputs.a3)", "!(inputs.a4)", "!(inputs.a5)"],
    });
  });

  it("collapses beyond 64 into one hole named by the expression", () => {
    const expr = formatOf(7);
    expect(ev(expr)).toEqual(known(hole(expr, { scope: COLLAPSED })));
    expect(ev(`startsWith(${expr}, 'x')`)).toEqual(known(boolHole(`startsWith(${expr}, 'x')`)));
  });

  it("collapses long &&/|| chains and case() too", () => {
    const chain = Array.from({ length: 70 }, (_, i) => `inputs.c${i}`).join(" || ");
    expect(ev(chain)).toEqual(known(hole(chain, { scope: COLLAPSED })));
    const cases = `case(${Array.from({ length: 70 }, (_, i) => `inputs.c${i}, '${i}'`).join(", ")}, 'none')`;
    expect(ev(cases)).toEqual(known(hole(cases, { scope: COLLAPSED })));
  });

  it("collapses an index access over too many bases and keys", () => {
    const lists: Sym = Array.from({ length: 9 }, (_, i) => ({
      value: { kind: "array", items: [lit(`v${i}`)] },
      conds: [`c${i}`],
    }));
    const keys: Sym = Array.from({ length: 8 }, (_, i) => ({ value: num(i), conds: [`k${i}`] }));
    expect(ev("(env.LIST)[inputs.k]", { "env.LIST": lists, "inputs.k": keys })).toEqual(known(hole("(env.LIST)[inputs.k]", { scope: COLLAPSED })));
    expect(ev("(env.LIST)[inputs.k]", { "env.LIST": lists, "inputs.k": keys.slice(0, 7) })).toHaveLength(63);
  });

  it("marks the collapsed hole multiline when alternatives may span lines", () => {
    const expr = `format('{0}{1}', ${formatOf(6)}, inputs.z && steps.meta.outputs.tags || 'y')`;
    expect(ev(expr, { "steps.meta.outputs.tags": TAGS })).toEqual(known(hole(expr, { multiline: true, scope: COLLAPSED })));
  });

  it("gives a collapsed value the identity of its alternatives, and of its job instance when a job's value picks one", () => {
    const inJob = (expr: string, job: string) => evaluateExpression(expr, scopeOf({}, { evaluation: job }))[0].value as { hole: { scope: string } };
    // Picked by run-wide values (inputs): the same alternatives are the same value in every job and leg.
    const byInputs = formatOf(7);
    expect(inJob(byInputs, "job-a")).toEqual(hole(byInputs, { scope: COLLAPSED }));
    expect(inJob(byInputs, "job-b")).toEqual(inJob(byInputs, "job-a"));
    // Picked by step outputs: another job instance (another matrix leg) may pick other alternatives.
    const bySteps = byInputs.replaceAll("inputs.a", "steps.s.outputs.a");
    expect(inJob(bySteps, "job-a").hole.scope).toMatch(/^job-a#[0-9a-f]{16}$/);
    expect(inJob(bySteps, "job-a")).toEqual(inJob(bySteps, "job-a"));
    expect(inJob(bySteps, "job-b")).not.toEqual(inJob(bySteps, "job-a"));
    // Other alternatives (a leg's literal inside them) are another value.
    expect(inJob(byInputs.replace("'x'", "'z'"), "job-a").hole.scope).not.toEqual(inJob(byInputs, "job-a").hole.scope);
  });
});

describe("syntax errors", () => {
  const error = (expr: string) => {
    try {
      ev(expr);
    } catch (e) {
      if (e instanceof ExpressionSyntaxError) return { message: e.message, offset: e.offset };
      throw e;
    }
    return undefined;
  };

  it("reports parser errors at the offending token", () => {
    expect(error("inputs.a == == 'b'")).toEqual({ message: "Unexpected symbol: '=='", offset: 12 });
    expect(error("foo.bar")).toEqual({ message: "Unrecognized named-value: 'foo'", offset: 0 });
    expect(error("inputs.a && nope(1)")).toEqual({ message: "Unrecognized function: 'nope'", offset: 12 });
    expect(error("case(inputs.a, 'b', 'c', 'd')")).toEqual({
      message: "Even number of parameters supplied, requires an odd number of parameters: 'case'",
      offset: 0,
    });
    expect(error("contains('a')")).toEqual({ message: "Too few parameters supplied: 'contains'", offset: 0 });
    expect(error("success(1)")).toEqual({ message: "Too many parameters supplied: 'success'", offset: 0 });
    expect(error("(inputs.a")).toEqual({ message: "Unexpected end of expression: 'a'", offset: 8 });
  });

  it("reports lexer errors at the offending character", () => {
    expect(error("inputs.a = 'b'")).toEqual({
      message: "Unexpected symbol: '='. Located at position 10 within expression: inputs.a = 'b'",
      offset: 9,
    });
    expect(error("'abc")).toEqual({
      message: "Unexpected symbol: ''abc'. Located at position 1 within expression: 'abc",
      offset: 0,
    });
  });

  it("rejects expressions longer than Actions allows", () => {
    expect(error(`'${"x".repeat(21000)}'`)).toEqual({ message: "ErrorExceededMaxLength", offset: 0 });
  });

  it("requires an expression", () => {
    expect(error("  ")).toEqual({ message: "An expression was expected", offset: 0 });
  });
});
