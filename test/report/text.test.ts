import { describe, expect, it } from "@jest/globals";
import { cutAround, headline, sanitize } from "../../src/report/text.js";

describe("text format helpers", () => {
  it("headline: the first sentence, and the rest", () => {
    expect(headline("cache-to writes app:latest. The export replaces it.")).toEqual({ headline: "cache-to writes app:latest.", rest: "The export replaces it." });
    expect(headline("media type application/vnd.buildkit.cacheconfig.v0 is a cache")).toEqual({
      headline: "media type application/vnd.buildkit.cacheconfig.v0 is a cache",
      rest: "",
    });
  });

  it("sanitize: one replacement character per control character, tabs as spaces", () => {
    expect(sanitize("a\u001b]0;t\u0007b\tc\u009bd\u202ee")).toBe("a\ufffd]0;t\ufffdb c\ufffdd\ufffde");
  });

  it("cutAround: a window around the span, with … for what was cut", () => {
    const line = `${"a".repeat(100)}SPAN${"b".repeat(100)}`;
    expect(cutAround(line, 101, 32)).toEqual({ text: `…${"a".repeat(10)}SPAN${"b".repeat(16)}…`, col: 11 });
    expect(cutAround(line, 1, 12)).toEqual({ text: `${"a".repeat(10)}…`, col: 0 });
    expect(cutAround(line, 200, 12)).toEqual({ text: `…${"b".repeat(10)}`, col: 6 });
    expect(cutAround("short", 3, 12)).toEqual({ text: "short", col: 2 });
  });
});
