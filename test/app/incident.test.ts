import { describe, expect, it } from "@jest/globals";
import {
  hasIncidentMarker,
  incidentMarker,
  lastGoodIn,
  MAX_VIEW_ENTRIES,
  renderView,
  reportedDigests,
  viewOfSummary,
} from "../../src/app/watch/incident.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const key = { image: "ghcr.io/acme/app", tag: "latest" };

describe("incident markers", () => {
  it("matches the marker of exactly one image:tag, on a line of its own", () => {
    const body = `text\n${incidentMarker(key)}\n`;
    expect(hasIncidentMarker(body, key)).toBe(true);
    expect(hasIncidentMarker(body, { image: "ghcr.io/acme/app", tag: "latest-2" })).toBe(false);
    expect(hasIncidentMarker(`quoted: ${incidentMarker(key)}`, key)).toBe(false);
    expect(hasIncidentMarker(null, key)).toBe(false);
  });

  it("reads the reported digests and the last good digest", () => {
    const body = `<!-- tagguard:cache-digest ${A} -->\n<!-- tagguard:cache-digest ${B} -->\n<!-- tagguard:last-good ${B} -->`;
    expect(reportedDigests(body)).toEqual([A, B]);
    expect(lastGoodIn(body)).toBe(B);
    expect(reportedDigests("<!-- tagguard:cache-digest sha256:short -->")).toEqual([]);
    expect(lastGoodIn(undefined)).toBeUndefined();
  });
});

describe("compact manifest view", () => {
  it("shows the first descriptors of a payload summary, counts the rest and defuses HTML comments", () => {
    const layers = Array.from({ length: MAX_VIEW_ENTRIES + 2 }, (_, i) => ({ media_type: `layer/${i}<!--`, digest: A, size: i }));
    const view = viewOfSummary({ media_type: "application/vnd.oci.image.manifest.v1+json", config: { media_type: "cfg", digest: B }, layers }, A);
    expect(renderView(view).split("\n")).toEqual([
      "```text",
      `application/vnd.oci.image.manifest.v1+json ${A}`,
      `  config cfg ${B}`,
      ...Array.from({ length: MAX_VIEW_ENTRIES - 1 }, (_, i) => `  layer  layer/${i}&lt;!-- ${A} ${i} B`),
      "  … 3 more",
      "```",
    ]);
  });

  it("keeps what it can of a malformed summary", () => {
    expect(viewOfSummary({ media_type: 5, config: "x", layers: [{ digest: A }, { media_type: "t" }] }, A)).toEqual({
      mediaType: undefined,
      digest: A,
      entries: [{ role: "layer", mediaType: "t", digest: "(no digest)", size: undefined }],
    });
  });
});
