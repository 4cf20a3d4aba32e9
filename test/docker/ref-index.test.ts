import { describe, expect, it } from "@jest/globals";
import { compareRefs, literalNameKey, literalTagKey, parseImageRefTemplate, type TemplateRef } from "../../src/docker/image-ref.js";
import { RefIndex } from "../../src/docker/ref-index.js";
import type { Template } from "../../src/workflow/expr/value.js";
import { H, L, T } from "./helpers.js";

const DIGEST = `sha256:${"b".repeat(64)}`;

function ref(t: Template | string): TemplateRef {
  const r = parseImageRefTemplate(typeof t === "string" ? L(t) : t);
  if (!r) throw new Error(`not a reference: ${JSON.stringify(t)}`);
  return r;
}

/** Written references: Docker Hub spellings, case, digests, holes in the tag, the name and everything. */
const WRITTEN: (Template | string)[] = [
  "nginx",
  "docker.io/library/nginx:latest",
  "index.docker.io/library/nginx",
  "library/nginx:1.27",
  "nginx:1.27",
  "GHCR.io/Acme/App:cache",
  "ghcr.io/acme/app:Cache",
  "ghcr.io/acme/app:cache",
  "ghcr.io/acme/app",
  `ghcr.io/acme/app@${DIGEST}`,
  `ghcr.io/acme/app:cache@${DIGEST}`,
  T("ghcr.io/acme/app:", H("github.sha", { pattern: "[0-9a-f]{40}" })),
  T("ghcr.io/acme/app:sha-", H("github.sha")),
  T("ghcr.io/acme/", H("inputs.name"), ":cache"),
  T(H("env.REGISTRY"), "/acme/app:cache"),
  T(H("inputs.image")),
  T(H("inputs.image"), ":cache"),
  "ghcr.io/acme/other:cache",
];
const REFS = WRITTEN.map(ref);

describe("RefIndex", () => {
  const index = new RefIndex(REFS, (r) => r);

  it.each(WRITTEN.map((w, i): [string, TemplateRef] => [JSON.stringify(w), REFS[i]]))(
    "keeps every reference %s may meet, in order",
    (_, query) => {
      const candidates = index.candidates(query);
      const meeting = REFS.filter((r) => compareRefs(query, r) !== "never");
      expect(meeting.every((r) => candidates.includes(r))).toBe(true);
      expect(REFS.filter((r) => candidates.includes(r))).toEqual(candidates);
    },
  );

  it("narrows a literal name and tag to the same name and tag, or holes", () => {
    const candidates = index.candidates(ref("ghcr.io/acme/app:cache"));
    expect(candidates.map((r) => r.raw)).toEqual([
      L("GHCR.io/Acme/App:cache"),
      L("ghcr.io/acme/app:cache"),
      L(`ghcr.io/acme/app@${DIGEST}`),
      L(`ghcr.io/acme/app:cache@${DIGEST}`),
      T("ghcr.io/acme/app:", H("github.sha", { pattern: "[0-9a-f]{40}" })),
      T("ghcr.io/acme/app:sha-", H("github.sha")),
      T("ghcr.io/acme/", H("inputs.name"), ":cache"),
      T(H("env.REGISTRY"), "/acme/app:cache"),
      T(H("inputs.image")),
      T(H("inputs.image"), ":cache"),
    ]);
  });

  it("gives everything to a reference whose name has holes", () => {
    expect(index.candidates(ref(T(H("inputs.image"), ":cache")))).toEqual(REFS);
  });
});

describe("literalNameKey / literalTagKey", () => {
  it("give Docker Hub spellings of one image the same keys", () => {
    const spellings = ["nginx", "docker.io/library/nginx:latest", "index.docker.io/library/nginx", "library/nginx"].map(ref);
    expect(new Set(spellings.map(literalNameKey)).size).toBe(1);
    expect(spellings.map(literalTagKey)).toEqual(["latest", "latest", "latest", "latest"]);
  });

  it("fold the case of names but not of tags", () => {
    expect(literalNameKey(ref("GHCR.io/Acme/App:Cache"))).toBe(literalNameKey(ref("ghcr.io/acme/app:cache")));
    expect(literalTagKey(ref("ghcr.io/acme/app:Cache"))).toBe("Cache");
  });

  it("are null where holes or a digest decide", () => {
    expect(literalNameKey(ref(T("ghcr.io/acme/", H("inputs.name"), ":cache")))).toBeNull();
    expect(literalTagKey(ref(T("ghcr.io/acme/app:", H("github.sha"))))).toBeNull();
    expect(literalTagKey(ref(`ghcr.io/acme/app:cache@${DIGEST}`))).toBeNull();
  });
});
