import { describe, expect, it } from "@jest/globals";
import { sha256Digest } from "../../src/registry/index.js";
import { BLOBS, FIXTURE_TAGS } from "./fixtures.js";

interface Ref {
  digest: string;
  size: number;
}

function references(json: Record<string, unknown>): Ref[] {
  const list = [json.config, json.subject, ...((json.layers as unknown[]) ?? []), ...((json.manifests as unknown[]) ?? [])];
  return list.filter((d): d is Ref => typeof d === "object" && d !== null);
}

describe("registry fixtures", () => {
  it("name every blob by the sha256 of its bytes", () => {
    expect(BLOBS.size).toBe(43);
    for (const [digest, bytes] of BLOBS) expect(sha256Digest(bytes)).toBe(digest);
  });

  it("reference only stored blobs, with their exact sizes", () => {
    const manifests = [...BLOBS.values()]
      .map((bytes) => {
        try {
          return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .filter((json): json is Record<string, unknown> => json !== undefined && json.schemaVersion === 2);
    expect(manifests).toHaveLength(20);
    const refs = [...manifests.flatMap(references), ...FIXTURE_TAGS.values()];
    for (const ref of refs) expect({ digest: ref.digest, size: BLOBS.get(ref.digest)?.byteLength }).toEqual({ digest: ref.digest, size: ref.size });
  });
});
