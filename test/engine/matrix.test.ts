import { describe, expect, it } from "@jest/globals";
import { matrixLegs } from "../../src/engine/walk.js";
import { lit, type Val } from "../../src/workflow/expr/value.js";
import { type Matrix, parseWorkflow } from "../../src/workflow/model.js";
import { YamlFile } from "../../src/workflow/yaml.js";

const row = (o: Record<string, string>): Record<string, Val> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, lit(v)]));

function matrix(axes: Record<string, string[]>, include: Record<string, string>[] = [], exclude: Record<string, string>[] = []): Matrix {
  return {
    axes: new Map(Object.entries(axes).map(([k, vs]) => [k, vs.map(lit)])),
    include: include.map(row),
    exclude: exclude.map(row),
    dynamic: false,
  };
}

describe("matrixLegs", () => {
  it("expands include the way GitHub's documentation example does", () => {
    const legs = matrixLegs(
      matrix({ fruit: ["apple", "pear"], animal: ["cat", "dog"] }, [
        { color: "green" },
        { color: "pink", animal: "cat" },
        { fruit: "apple", shape: "circle" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ]),
    );
    expect(legs.map((l) => l.label)).toEqual([
      "fruit=apple, animal=cat, color=pink, shape=circle",
      "fruit=apple, animal=dog, color=green, shape=circle",
      "fruit=pear, animal=cat, color=pink",
      "fruit=pear, animal=dog, color=green",
      "fruit=banana",
      "fruit=banana, animal=cat",
    ]);
  });

  it("keeps every entry of an include-only matrix as its own leg", () => {
    const legs = matrixLegs(matrix({}, [{ platform: "linux/amd64", runner: "ubuntu-24.04" }, { platform: "linux/arm64", runner: "ubuntu-24.04-arm" }]));
    expect(legs.map((l) => l.label)).toEqual(["platform=linux/amd64, runner=ubuntu-24.04", "platform=linux/arm64, runner=ubuntu-24.04-arm"]);
  });

  it("removes excluded combinations before includes apply", () => {
    const legs = matrixLegs(matrix({ os: ["a", "b"], v: ["1", "2"] }, [], [{ os: "b", v: "2" }]));
    expect(legs.map((l) => l.label)).toEqual(["os=a, v=1", "os=a, v=2", "os=b, v=1"]);
  });

  it("labels legs with their values shortened, numbering legs whose labels would read alike", () => {
    const long = "ghcr.io/acme/a-very-long-image-name-for-the-service";
    const legs = matrixLegs(matrix({}, [{ image: `${long}-one` }, { image: `${long}-two` }, { image: "short" }]));
    expect(legs.map((l) => l.label)).toEqual([
      "image=ghcr.io/acme/a-very-long-image-name-for… (#1)",
      "image=ghcr.io/acme/a-very-long-image-name-for… (#2)",
      "image=short",
    ]);
    const objects = matrixLegs({
      axes: new Map([["job", [1, 2].map((n): Val => ({ kind: "object", fields: { os: lit("ubuntu-latest"), platform: lit(`linux/arch${n}`) } }))]]),
      include: [],
      exclude: [],
      dynamic: false,
    });
    expect(objects.map((l) => l.label)).toEqual(["job={os: ubuntu-latest, platform: linux/arch1}", "job={os: ubuntu-latest, platform: linux/arch2}"]);
  });

  it("treats a computed or oversized matrix as unknown values", () => {
    expect(matrixLegs({ axes: new Map(), include: [], exclude: [], dynamic: true })).toEqual([{ dynamic: true, label: "matrix" }]);
    const big = matrixLegs(matrix({ a: ["1", "2", "3", "4", "5", "6"], b: ["1", "2", "3", "4", "5", "6"] }));
    expect(big).toEqual([{ dynamic: true, label: "matrix" }]);
    expect(matrixLegs(undefined)).toEqual([{ dynamic: false }]);
  });
});

describe("matrix values from YAML", () => {
  it("keep plain booleans and numbers typed, as GitHub's matrix context does, and quoted ones as text", () => {
    const text = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    strategy:",
      "      matrix:",
      "        python: [3.10, '3.10']",
      "        include:",
      "          - { legacy: true, name: 'true', size: 2 }",
      "    steps:",
      "      - run: echo",
      "",
    ].join("\n");
    const workflow = parseWorkflow(new YamlFile(".github/workflows/a.yml", text));
    const m = workflow.jobs.find((j) => j.id === "a")?.matrix;
    expect(m?.axes.get("python")).toEqual([{ kind: "num", value: 3.1 }, lit("3.10")]);
    expect(m?.include).toEqual([{ legacy: { kind: "bool", value: true }, name: lit("true"), size: { kind: "num", value: 2 } }]);
  });
});
