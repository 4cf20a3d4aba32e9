import { describe, expect, it } from "@jest/globals";
import { isNoOp, lastLine, toLineReplacement } from "../../src/report/line-replacement.js";
import { linesOf, spanOf } from "../app/spans.js";

const file = ".github/workflows/ci.yml";
const text = ["steps:", "  - uses: docker/build-push-action@v6", "    with:", "      cache-to: type=registry,ref=a:latest", "      push: true"].join("\n") + "\n";

describe("lastLine", () => {
  it("ends a span that stops at column 1 on the line before", () => {
    expect(lastLine(linesOf(file, text, 2, 3))).toBe(3);
    expect(lastLine(spanOf(file, text, 4, "ref=a:latest"))).toBe(4);
  });
});

describe("toLineReplacement", () => {
  it("turns an edit inside a line into a replacement of that line", () => {
    const r = toLineReplacement({ title: "t", safe: true, edits: [{ span: spanOf(file, text, 4, "a:latest"), text: "a:buildcache" }] }, text);
    expect(r).toEqual({
      path: file,
      startLine: 4,
      endLine: 4,
      before: ["      cache-to: type=registry,ref=a:latest"],
      after: ["      cache-to: type=registry,ref=a:buildcache"],
    });
  });

  it("combines several edits and keeps untouched lines in between", () => {
    const r = toLineReplacement(
      {
        title: "t",
        safe: true,
        edits: [
          { span: spanOf(file, text, 5, "true"), text: "false" },
          { span: spanOf(file, text, 3, "with"), text: "with" },
        ],
      },
      text,
    );
    expect(r?.startLine).toBe(3);
    expect(r?.endLine).toBe(5);
    expect(r?.after).toEqual(["    with:", "      cache-to: type=registry,ref=a:latest", "      push: false"]);
  });

  it("represents deleting whole lines as an empty replacement", () => {
    const r = toLineReplacement({ title: "t", safe: true, edits: [{ span: linesOf(file, text, 5, 5), text: "" }] }, text);
    expect(r).toEqual({ path: file, startLine: 5, endLine: 5, before: ["      push: true"], after: [] });
  });

  it("replaces whole lines with several lines", () => {
    const r = toLineReplacement({ title: "t", safe: true, edits: [{ span: linesOf(file, text, 5, 5), text: "      push: true\n      load: false\n" }] }, text);
    expect(r?.after).toEqual(["      push: true", "      load: false"]);
  });

  it("handles CRLF files", () => {
    const crlf = text.replace(/\n/g, "\r\n");
    const r = toLineReplacement({ title: "t", safe: true, edits: [{ span: spanOf(file, crlf, 5, "true"), text: "false" }] }, crlf);
    expect(r?.before).toEqual(["      push: true"]);
    expect(r?.after).toEqual(["      push: false"]);
  });

  it("refuses edits that would join a line with the next one", () => {
    const span = linesOf(file, text, 5, 5);
    expect(toLineReplacement({ title: "t", safe: true, edits: [{ span, text: "      push: true" }] }, text)).toBeUndefined();
  });

  it("refuses overlapping edits, edits across files and edits beyond the text", () => {
    const a = spanOf(file, text, 4, "ref=a:latest");
    const b = spanOf(file, text, 4, "a:latest");
    expect(toLineReplacement({ title: "t", safe: true, edits: [{ span: a, text: "x" }, { span: b, text: "y" }] }, text)).toBeUndefined();
    expect(
      toLineReplacement({ title: "t", safe: true, edits: [{ span: a, text: "x" }, { span: { ...spanOf(file, text, 5, "true"), file: "other.yml" }, text: "y" }] }, text),
    ).toBeUndefined();
    expect(toLineReplacement({ title: "t", safe: true, edits: [{ span: a, text: "x" }] }, "short")).toBeUndefined();
    expect(toLineReplacement({ title: "t", safe: true, edits: [] }, text)).toBeUndefined();
  });

  it("recognises a replacement that changes nothing", () => {
    const r = toLineReplacement({ title: "t", safe: true, edits: [{ span: spanOf(file, text, 5, "true"), text: "true" }] }, text);
    expect(r && isNoOp(r)).toBe(true);
  });
});
