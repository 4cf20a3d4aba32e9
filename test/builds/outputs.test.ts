import { describe, expect, it } from "@jest/globals";
import type { Item } from "../../src/builds/items.js";
import { imageOutputs, parseOutputLine } from "../../src/builds/outputs.js";
import type { Template } from "../../src/workflow/expr/value.js";

const span = { file: "w.yml", path: [], start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } };
const item = (text: string): Item => ({ value: [{ lit: text }], conds: [], span, segment: { text, span, exact: true }, derived: false, alt: 0, alts: 1 });
const lits = (ts: Template[]) => ts.map((t) => t.map((p) => ("lit" in p ? p.lit : `<${p.hole.source}>`)).join(""));

describe("image outputs", () => {
  it("reads a quoted name= field naming several images, and push-by-digest", () => {
    const spec = parseOutputLine([{ lit: 'type=image,"name=ghcr.io/acme/app,docker.io/acme/app",push-by-digest=true,name-canonical=true,push=true' }]);
    expect([spec.type, lits(spec.names), lits(spec.push ? [spec.push] : []), lits(spec.pushByDigest ? [spec.pushByDigest] : [])]).toEqual([
      "image",
      ["ghcr.io/acme/app", "docker.io/acme/app"],
      ["true"],
      ["true"],
    ]);
  });

  it("pushes by digest only when every image output does; names come with it", () => {
    const digest = imageOutputs([item("type=image,push-by-digest=true,name-canonical=true,push=true")]);
    expect([digest.byDigest, digest.pushes, digest.names.length]).toEqual([true, true, 0]);
    const mixed = imageOutputs([item("type=image,name=a/b,push-by-digest=true,push=true"), item("type=registry,name=a/b:1")]);
    expect([mixed.byDigest, mixed.pushes, lits(mixed.names.map((n) => n.value))]).toEqual([false, true, ["a/b", "a/b:1"]]);
    expect(imageOutputs([item("type=docker")]).byDigest).toBe(false);
    expect(imageOutputs([item("type=image,push-by-digest=false,push=true")]).byDigest).toBe(false);
  });
});
