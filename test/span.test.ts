import { describe, expect, it } from "@jest/globals";
import { LineIndex } from "../src/workflow/span.js";

describe("LineIndex", () => {
  const idx = new LineIndex("ab\ncd\r\n\nxyz");

  it("maps offsets to 1-based line and column", () => {
    expect(idx.pos(0)).toEqual({ line: 1, col: 1, offset: 0 });
    expect(idx.pos(4)).toEqual({ line: 2, col: 2, offset: 4 });
    expect(idx.pos(8)).toEqual({ line: 4, col: 1, offset: 8 });
    expect(idx.pos(99)).toEqual({ line: 4, col: 4, offset: 11 });
  });

  it("returns line text without line endings", () => {
    expect(idx.lineText(2)).toBe("cd");
    expect(idx.lineText(3)).toBe("");
    expect(idx.lineText(4)).toBe("xyz");
    expect(idx.lineCount).toBe(4);
  });
});
