import { describe, expect, it } from "@jest/globals";
import { DiffMap, parsePatch } from "../../src/app/review/diff.js";

describe("parsePatch", () => {
  it("returns the RIGHT-side line range of every hunk", () => {
    const patch = [
      "@@ -1,3 +1,4 @@ name: ci",
      " on: push",
      "+env:",
      " jobs:",
      "@@ -20,6 +21,5 @@ jobs:",
      "-removed",
      " context",
    ].join("\n");
    expect(parsePatch(patch)).toEqual([
      { start: 1, end: 4 },
      { start: 21, end: 25 },
    ]);
  });

  it("reads an omitted count as one line", () => {
    expect(parsePatch("@@ -1 +1 @@\n-a\n+b")).toEqual([{ start: 1, end: 1 }]);
  });

  it("ignores hunks that only delete lines", () => {
    expect(parsePatch("@@ -5,2 +4,0 @@\n-a\n-b")).toEqual([]);
  });

  it("does not mistake content lines for hunk headers", () => {
    expect(parsePatch("@@ -1,2 +1,2 @@\n+ @@ -9,9 +9,9 @@ inside\n x")).toEqual([{ start: 1, end: 2 }]);
  });

  it("returns no hunks for an empty patch", () => {
    expect(parsePatch("")).toEqual([]);
  });
});

describe("DiffMap", () => {
  const diff = new DiffMap([
    { filename: "a.yml", status: "modified", patch: "@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -10,2 +11,3 @@\n x\n+y\n z" },
    { filename: "gone.yml", status: "removed", patch: "@@ -1,2 +0,0 @@\n-a\n-b" },
    { filename: "binary.yml", status: "modified" },
  ]);

  it("accepts single lines inside a hunk", () => {
    expect(diff.commentable("a.yml", 2, 2)).toBe(true);
    expect(diff.commentable("a.yml", 13, 13)).toBe(true);
  });

  it("rejects lines outside every hunk", () => {
    expect(diff.commentable("a.yml", 5, 5)).toBe(false);
    expect(diff.commentable("a.yml", 14, 14)).toBe(false);
  });

  it("accepts a range only when one hunk holds all of it", () => {
    expect(diff.commentable("a.yml", 1, 4)).toBe(true);
    expect(diff.commentable("a.yml", 4, 11)).toBe(false);
    expect(diff.commentable("a.yml", 3, 2)).toBe(false);
  });

  it("offers nothing on removed files, files without a patch and unknown files", () => {
    expect(diff.commentable("gone.yml", 1, 1)).toBe(false);
    expect(diff.commentable("binary.yml", 1, 1)).toBe(false);
    expect(diff.commentable("other.yml", 1, 1)).toBe(false);
  });
});
