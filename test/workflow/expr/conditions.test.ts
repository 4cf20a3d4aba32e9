import { describe, expect, it } from "@jest/globals";
import { complementary, conditionText, conjuncts, polarity } from "../../../src/workflow/expr/conditions.js";

describe("conditions as text", () => {
  it("reads a condition's positive form and polarity", () => {
    expect(polarity("vars.RELEASE != 'true'")).toEqual({ positive: "vars.RELEASE == 'true'", negated: true });
    expect(polarity("(vars.RELEASE == 'true')")).toEqual({ positive: "vars.RELEASE == 'true'", negated: false });
    expect(polarity("!contains(github.ref, 'rc')")).toEqual({ positive: "contains(github.ref, 'rc')", negated: true });
    expect(polarity("!(a != b)")).toEqual({ positive: "a == b", negated: false });
    expect(polarity("!!x")).toEqual({ positive: "x", negated: false });
    // `!` binds to its operand only: a conjunction of negations is one condition, not a negated one.
    expect(polarity("!contains(a, 'rc') && !contains(b, 'dev')")).toEqual({ positive: "!contains(a, 'rc') && !contains(b, 'dev')", negated: false });
    expect(polarity("x && y != 'z'")).toEqual({ positive: "x && y != 'z'", negated: false });
    expect(polarity("!(x || y)")).toEqual({ positive: "x || y", negated: true });
    expect(polarity("a == 'x == y'")).toEqual({ positive: "a == 'x == y'", negated: false });
  });

  it("finds complementary conditions and nothing else", () => {
    expect(complementary("a == 'x'", "a != 'x'")).toBe(true);
    expect(complementary("!(a != 'x')", "a != 'x'")).toBe(true);
    expect(complementary("contains(l, 'y')", "!contains(l, 'y')")).toBe(true);
    expect(complementary("a == 'x'", "a == 'x'")).toBe(false);
    expect(complementary("a == 'x'", "a != 'y'")).toBe(false);
    expect(complementary("a == 'x'", "b != 'x'")).toBe(false);
  });

  it("splits an if: into its && operands", () => {
    expect(conjuncts(conditionText("${{ a == 'x' && (b || c) && !d }}"))).toEqual(["a == 'x'", "b || c", "!d"]);
    expect(conjuncts("a == 'x && y'")).toEqual(["a == 'x && y'"]);
  });
});
