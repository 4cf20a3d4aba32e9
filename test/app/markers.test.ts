import { describe, expect, it } from "@jest/globals";
import { allClearMarker, findingMarker, openFingerprints, parseMarkers } from "../../src/app/review/markers.js";

describe("markers", () => {
  it("formats and parses finding markers", () => {
    const body = `text ${findingMarker("aa11", "cache-overwrites-tag")}\nmore ${findingMarker("bb22", "parse-error")}`;
    expect(findingMarker("aa11", "cache-overwrites-tag")).toBe("<!-- tagguard:v1 fp=aa11 rule=cache-overwrites-tag -->");
    expect(parseMarkers(body)).toEqual({ fingerprints: ["aa11", "bb22"], allClear: false });
  });

  it("recognises the all-clear marker and empty bodies", () => {
    expect(allClearMarker()).toBe("<!-- tagguard:v1 all-clear -->");
    expect(parseMarkers(`fixed ${allClearMarker()}`)).toEqual({ fingerprints: [], allClear: true });
    expect(parseMarkers(null)).toEqual({ fingerprints: [], allClear: false });
    expect(parseMarkers("<!-- tagguard:v2 fp=x rule=y -->")).toEqual({ fingerprints: [], allClear: false });
  });

  it("keeps fingerprints posted after the latest all-clear, in time order", () => {
    const open = openFingerprints([
      { at: "2024-05-01T10:00:03Z", body: findingMarker("c", "r") },
      { at: "2024-05-01T10:00:00Z", body: findingMarker("a", "r") },
      { at: "2024-05-01T10:00:02Z", body: allClearMarker() },
      { at: "2024-05-01T10:00:01Z", body: findingMarker("b", "r") },
      { at: "2024-05-01T10:00:04Z", body: "an unrelated comment" },
    ]);
    expect([...open]).toEqual(["c"]);
  });

  it("has nothing open when the last word was an all-clear", () => {
    expect(
      openFingerprints([
        { at: "2024-05-01T10:00:00Z", body: findingMarker("a", "r") },
        { at: "2024-05-01T10:00:00Z", body: allClearMarker() },
      ]).size,
    ).toBe(0);
  });
});
