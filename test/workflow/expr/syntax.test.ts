import { describe, expect, it } from "@jest/globals";
import { FunctionCall, IndexAccess, Logical } from "@actions/expressions/ast";
import { ParsedExpression, splitInterpolation } from "../../../src/workflow/expr/syntax.js";

describe("ParsedExpression", () => {
  it("gives the exact source text of every node", () => {
    const p = new ParsedExpression("  ( inputs.a ) ||  format( 'x{0}' , steps['m'].outputs.* , ) || needs.*.result ", 10);
    expect(p.text(p.ast)).toBe("( inputs.a ) ||  format( 'x{0}' , steps['m'].outputs.* , ) || needs.*.result");
    const [group, call, star] = (p.ast as Logical).args;
    expect(p.text(group)).toBe("( inputs.a )");
    expect(p.text(call)).toBe("format( 'x{0}' , steps['m'].outputs.* , )");
    expect(p.text(star)).toBe("needs.*.result");
    const args = (call as FunctionCall).args;
    expect(p.text(args[1])).toBe("steps['m'].outputs.*");
    expect(p.text((args[1] as IndexAccess).expr)).toBe("steps['m'].outputs");
    expect(p.start(call)).toBe(10 + 19);
  });

  it("handles brackets, stars, unary operators and empty calls", () => {
    const p = new ParsedExpression("!success() && matrix.b[*][0] == matrix[(1)]", 0);
    expect(p.text(p.ast)).toBe("!success() && matrix.b[*][0] == matrix[(1)]");
    const [not, cmp] = (p.ast as Logical).args;
    expect(p.text(not)).toBe("!success()");
    expect(p.text(cmp)).toBe("matrix.b[*][0] == matrix[(1)]");
  });

  it("works across lines and strings containing newlines", () => {
    const p = new ParsedExpression("format('a\nb',\n  github.sha)\n  && 'x'", 0);
    const [call] = (p.ast as Logical).args;
    expect(p.text(call)).toBe("format('a\nb',\n  github.sha)");
  });
});

describe("splitInterpolation", () => {
  it("splits literal text and expressions with their offsets", () => {
    expect(splitInterpolation("a${{ b }}c${{d}}")).toEqual([
      { lit: "a" },
      { expr: " b ", offset: 4 },
      { lit: "c" },
      { expr: "d", offset: 13 },
    ]);
    expect(splitInterpolation("")).toEqual([]);
    expect(splitInterpolation("${{ x }}")).toEqual([{ expr: " x ", offset: 3 }]);
  });

  it("skips quoted strings when looking for the closing braces", () => {
    expect(splitInterpolation("${{ format('}}{0}', 'it''s') }}z")).toEqual([
      { expr: " format('}}{0}', 'it''s') ", offset: 3 },
      { lit: "z" },
    ]);
  });
});
