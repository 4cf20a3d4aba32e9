/**
 * Hidden markers in everything the App writes on a pull request. They make every posted finding
 * recognisable on later events, so a finding is posted once per pull request however often it is
 * analysed, and record when the App said that every earlier finding is fixed.
 */

const FINDING = /<!-- tagguard:v1 fp=(\S+) rule=(\S+) -->/g;
const ALL_CLEAR = "<!-- tagguard:v1 all-clear -->";

export function findingMarker(fingerprint: string, ruleId: string): string {
  return `<!-- tagguard:v1 fp=${fingerprint} rule=${ruleId} -->`;
}

export function allClearMarker(): string {
  return ALL_CLEAR;
}

export interface Markers {
  fingerprints: string[];
  allClear: boolean;
}

export function parseMarkers(body: string | null | undefined): Markers {
  if (!body) return { fingerprints: [], allClear: false };
  return {
    fingerprints: [...body.matchAll(FINDING)].map((m) => m[1]),
    allClear: body.includes(ALL_CLEAR),
  };
}

/** Something the App wrote earlier on the pull request: a review or a review comment. */
export interface PostedItem {
  /** ISO 8601 time the item was written. */
  at: string;
  body: string | null | undefined;
}

/**
 * The fingerprints still open on the pull request: every fingerprint posted after the most recent
 * all-clear. A finding that reappears after an all-clear is therefore posted again.
 */
export function openFingerprints(items: readonly PostedItem[]): Set<string> {
  const ordered = items
    .map((item, index) => ({ time: Date.parse(item.at), index, markers: parseMarkers(item.body) }))
    .filter((e) => e.markers.fingerprints.length > 0 || e.markers.allClear)
    .sort((a, b) => a.time - b.time || Number(a.markers.allClear) - Number(b.markers.allClear) || a.index - b.index);
  const open = new Set<string>();
  for (const { markers } of ordered) {
    if (markers.allClear) open.clear();
    for (const fp of markers.fingerprints) open.add(fp);
  }
  return open;
}
