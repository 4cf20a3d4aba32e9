import { describe, expect, it } from "@jest/globals";
import {
  evaluateCondition,
  evaluateInterpolated,
  ExpressionSyntaxError,
} from "../../../src/workflow/expr/evaluate.js";
import type { Sym, Val } from "../../../src/workflow/expr/value.js";
import { known, lit } from "../../../src/workflow/expr/value.js";
import { scopeOf } from "./scope.js";

const str = (...parts: Array<string | { hole: { source: string; pattern?: string; multiline?: boolean } }>): Val => ({
  kind: "str",
  parts: parts.map((p) => (typeof p === "string" ? { lit: p } : p)),
});
const h = (source: string, extra: { pattern?: string; multiline?: boolean; scope?: string } = {}) => ({ hole: { source, ...extra } });
/** The scope of a collapsed segment evaluated without an evaluation identity: the digest of its alternatives. */
const COLLAPSED = expect.stringMatching(/^#[0-9a-f]{16}$/) as unknown as string;
const bool = (value: boolean): Val => ({ kind: "bool", value });
const boolHole = (source: string): Val => ({ kind: "unknown", hole: { source, pattern: "true|false" } });

const interp = (text: string, values: Parameters<typeof scopeOf>[0] = {}): Sym => evaluateInterpolated(text, scopeOf(values));
const cond = (text: string, values: Parameters<typeof scopeOf>[0] = {}): Sym => evaluateCondition(text, scopeOf(values));

const syntaxError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return { message: e.message, offset: e.offset };
    throw e;
  }
  return undefined;
};

describe("evaluateInterpolated", () => {
  it("plain text is one literal", () => {
    expect(interp("ghcr.io/o/app:latest")).toEqual(known(lit("ghcr.io/o/app:latest")));
    expect(interp("")).toEqual(known(lit("")));
    expect(interp("a $ {{ b }} ${ c }")).toEqual(known(lit("a $ {{ b }} ${ c }")));
  });

  it("substitutes segments into the surrounding text", () => {
    expect(interp("ghcr.io/${{ github.repository }}:${{ github.sha }}")).toEqual(
      known(str("ghcr.io/", h("github.repository"), ":", h("github.sha"))),
    );
    expect(interp("${{ env.REGISTRY }}/app", { "env.REGISTRY": lit("ghcr.io") })).toEqual(known(lit("ghcr.io/app")));
    expect(interp("${{github.sha}}${{github.sha}}")).toEqual(known(str(h("github.sha"), h("github.sha"))));
  });

  it("coerces every segment to a string", () => {
    expect(interp("${{ true }}")).toEqual(known(lit("true")));
    expect(interp("n=${{ 1.50 }}")).toEqual(known(lit("n=1.5")));
    expect(interp("[${{ null }}]")).toEqual(known(lit("[]")));
    expect(interp("${{ fromJSON('{}') }}-${{ fromJSON('[]') }}")).toEqual(known(lit("Object-Array")));
    expect(interp("${{ inputs.x }}")).toEqual(known(str(h("inputs.x"))));
  });

  it("a value that is exactly one segment keeps its JSON content", () => {
    const json: Val = { kind: "str", parts: [h("steps.meta.outputs.json")], json: { kind: "object", fields: {} } };
    expect(interp("${{ steps.meta.outputs.json }}", { "steps.meta.outputs.json": json })).toEqual(known(json));
    expect(interp(" ${{ steps.meta.outputs.json }}", { "steps.meta.outputs.json": json })).toEqual(
      known(str(" ", h("steps.meta.outputs.json"))),
    );
  });

  it("finds the closing braces outside of quoted strings", () => {
    expect(interp("${{ format('{{0}}-{0}', 'x') }}!")).toEqual(known(lit("{0}-x!")));
    expect(interp("${{ '}}' }}")).toEqual(known(lit("}}")));
  });

  it("crosses the segments' alternatives and merges their conditions", () => {
    expect(interp("app:${{ inputs.a && 'x' || 'y' }}-${{ inputs.b == '1' && 'p' || 'q' }}")).toEqual([
      { value: lit("app:x-p"), conds: ["inputs.a", "inputs.b == '1'"] },
      { value: lit("app:x-q"), conds: ["inputs.a", "!(inputs.b == '1')"] },
      { value: lit("app:y-p"), conds: ["!(inputs.a)", "inputs.b == '1'"] },
      { value: lit("app:y-q"), conds: ["!(inputs.a)", "!(inputs.b == '1')"] },
    ]);
  });

  it("deduplicates conditions and drops contradicting combinations", () => {
    expect(interp("${{ inputs.a && 'x' || 'y' }}/${{ inputs.a && 'x' || 'y' }}")).toEqual([
      { value: lit("x/x"), conds: ["inputs.a"] },
      { value: lit("y/y"), conds: ["!(inputs.a)"] },
    ]);
  });

  it("the seed cache-to line over newline-joined tags", () => {
    const tags = str("ghcr.io/o/app:", h("github.ref_name"), "\nghcr.io/o/app:latest");
    expect(interp("${{ format('type=registry,ref={0}', steps.meta.outputs.tags) }}", { "steps.meta.outputs.tags": tags })).toEqual(
      known(str("type=registry,ref=ghcr.io/o/app:", h("github.ref_name"), "\nghcr.io/o/app:latest")),
    );
  });

  it("caps the cross product at 64, keeping literal text and single-valued segments", () => {
    const seg = (n: number) => `\${{ inputs.a${n} && 'x' || 'y' }}`;
    const sixtyFour = `${seg(0)}${seg(1)}${seg(2)}-${seg(3)}${seg(4)}${seg(5)}`;
    expect(interp(sixtyFour)).toHaveLength(64);
    const text = `ghcr.io/o/app:${seg(0)}${seg(1)}${seg(2)}-${seg(3)}${seg(4)}${seg(5)}${seg(6)}:\${{ github.sha }}`;
    expect(interp(text)).toEqual(
      known(
        str(
          "ghcr.io/o/app:",
          h("inputs.a0 && 'x' || 'y'", { scope: COLLAPSED }),
          h("inputs.a1 && 'x' || 'y'", { scope: COLLAPSED }),
          h("inputs.a2 && 'x' || 'y'", { scope: COLLAPSED }),
          "-",
          h("inputs.a3 && 'x' || 'y'", { scope: COLLAPSED }),
          h("inputs.a4 && 'x' || 'y'", { scope: COLLAPSED }),
          h("inputs.a5 && 'x' || 'y'", { scope: COLLAPSED }),
          h("inputs.a6 && 'x' || 'y'", { scope: COLLAPSED }),
          ":",
          h("github.sha"),
        ),
      ),
    );
  });

  it("the collapsed segment hole is multiline when an alternative spans lines", () => {
    const seg = (n: number) => `\${{ inputs.a${n} && 'x' || 'y' }}`;
    const text = `${seg(0)}${seg(1)}${seg(2)}${seg(3)}${seg(4)}${seg(5)}\${{ inputs.t && steps.meta.outputs.tags || '' }}`;
    const result = interp(text, { "steps.meta.outputs.tags": lit("a\nb") });
    expect(result).toHaveLength(1);
    expect((result[0].value as { parts: unknown[] }).parts[6]).toEqual(
      h("inputs.t && steps.meta.outputs.tags || ''", { multiline: true, scope: COLLAPSED }),
    );
  });

  it("reports an unterminated ${{ at its position", () => {
    expect(syntaxError(() => interp("tags: ${{ inputs.x"))).toEqual({
      message: "Unterminated expression: '${{' without '}}'",
      offset: 6,
    });
    expect(syntaxError(() => interp("a ${{ 'b }}"))).toEqual({
      message: "Unterminated expression: '${{' without '}}'",
      offset: 2,
    });
  });

  it("reports parse errors at their offset inside the whole text", () => {
    expect(syntaxError(() => interp("x: ${{ github.sha }} ${{ inputs.a == == 'b' }}"))).toEqual({
      message: "Unexpected symbol: '=='",
      offset: 37,
    });
    expect(syntaxError(() => interp("x ${{ inputs.a = 'b' }}"))).toEqual({
      message: "Unexpected symbol: '='. Located at position 11 within expression:  inputs.a = 'b' ",
      offset: 15,
    });
    expect(syntaxError(() => interp("ab ${{ }}"))).toEqual({ message: "An expression was expected", offset: 6 });
    expect(syntaxError(() => interp("ab\n  ${{ format('{2}', 'x') }}"))).toEqual({
      message: "The following format string references more arguments than were supplied: {2}",
      offset: 16,
    });
  });
});

describe("evaluateCondition", () => {
  it("accepts bare expressions and ${{ }}-wrapped ones", () => {
    expect(cond("github.event_name == 'push'", { "github.event_name": lit("push") })).toEqual(known(bool(true)));
    expect(cond("${{ github.event_name == 'push' }}", { "github.event_name": lit("release") })).toEqual(known(bool(false)));
    expect(cond("  ${{ github.event_name == 'push' }} ", { "github.event_name": lit("push") })).toEqual(known(bool(true)));
  });

  it("coerces results to booleans by truthiness", () => {
    expect(cond("inputs.tag", { "inputs.tag": lit("v1") })).toEqual(known(bool(true)));
    expect(cond("inputs.tag", { "inputs.tag": lit("") })).toEqual(known(bool(false)));
    expect(cond("fromJSON('[]')")).toEqual(known(bool(true)));
  });

  it("keeps undecided conditions as unknown values with the branches taken", () => {
    expect(cond("inputs.publish == 'true'")).toEqual(known(boolHole("inputs.publish == 'true'")));
    expect(cond("inputs.publish")).toEqual(known({ kind: "unknown", hole: { source: "inputs.publish" } }));
    expect(cond("inputs.a && github.ref == 'refs/heads/main'")).toEqual([
      { value: boolHole("github.ref == 'refs/heads/main'"), conds: ["inputs.a"] },
      { value: bool(false), conds: ["!(inputs.a)"] },
    ]);
    expect(cond("${{ steps.x.outputs.y }}", { "steps.x.outputs.y": str(h("steps.x.outputs.y")) })).toEqual(
      known(boolHole("steps.x.outputs.y")),
    );
  });

  it("treats text mixing ${{ }} with other text as a string, like Actions", () => {
    expect(cond("${{ inputs.a }} == 'x'")).toEqual(known(bool(true)));
    expect(cond("${{ inputs.a }}${{ inputs.b }}", { "inputs.a": lit(""), "inputs.b": lit("") })).toEqual(known(bool(false)));
    expect(cond("${{ inputs.a }}${{ inputs.b }}")).toEqual(known(boolHole("${{ inputs.a }}${{ inputs.b }}")));
  });

  it("status functions", () => {
    expect(cond("success() && github.event_name == 'push'", { "github.event_name": lit("push") })).toEqual(known(bool(true)));
    expect(cond("always()")).toEqual(known(bool(true)));
    expect(cond("failure()")).toEqual(known(boolHole("failure()")));
    expect(cond("!cancelled()")).toEqual(known(boolHole("!cancelled()")));
  });

  it("reports syntax errors with offsets inside the text", () => {
    expect(syntaxError(() => cond("github.ref == == 'x'"))).toEqual({ message: "Unexpected symbol: '=='", offset: 14 });
    expect(syntaxError(() => cond("${{ github.ref == == 'x' }}"))).toEqual({ message: "Unexpected symbol: '=='", offset: 18 });
  });
});
