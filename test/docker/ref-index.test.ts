import { describe, expect, it } from "@jest/globals";
import { compareRefs, literalNameKey, parseImageRefTemplate, sameStringKeys, type TemplateRef } from "../../src/docker/image-ref.js";
import { RefIndex } from "../../src/docker/ref-index.js";
import type { Template } from "../../src/workflow/expr/value.js";
import { refScope } from "../../src/workflow/ref-filters.js";
import { H, L, T } from "./helpers.js";

const DIGEST = `sha256:${"b".repeat(64)}`;

function ref(t: Template | string): TemplateRef {
  const r = parseImageRefTemplate(typeof t === "string" ? L(t) : t);
  if (!r) throw new Error(`not a reference: ${JSON.stringify(t)}`);
  return r;
}

const MAIN = refScope({ kind: "branch", patterns: ["main"] });
const RELEASE = refScope({ kind: "branch", patterns: ["release/*"] });
const VTAGS = refScope({ kind: "tag", patterns: ["v*"] });

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
  // Unknown parts with identities: step instances, a run's ref name under trigger filters, the same source shown
  // differently, a pattern, case.
  T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-a" })),
  T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-b" })),
  T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-a", display: "$VERSION" })),
  T("GHCR.IO/ACME/APP:", H("steps.meta.outputs.version", { scope: "job-a" })),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: MAIN })),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: RELEASE })),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: VTAGS })),
  T("ghcr.io/acme/app:", H("github.ref_name")),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: "run-1" })),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: MAIN }), "-cache"),
  T("ghcr.io/acme/app:", H("github.ref_name", { scope: MAIN }), "-", H("github.sha")),
  T("ghcr.io/acme/app:latest", H("x", { pattern: "" })),
  T("ghcr.io/acme/app:", H("tag", { pattern: "latest" })),
  T("ghcr.io/", H("github.repository"), ":latest"),
  T("ghcr.io/", H("github.repository"), ":", H("github.sha")),
  T(H("env.REGISTRY", { scope: "run-1" }), "/acme/app:cache"),
  T(H("env.REGISTRY", { scope: "run-2" }), "/acme/app:cache"),
  T(H("inputs.image", { scope: "run-1" }), ":", H("github.ref_name", { scope: MAIN })),
  T("docker.io/", H("inputs.name"), ":cache"),
  T("index.docker.io/", H("inputs.name"), ":cache"),
  T("docker.io/library/", H("inputs.name"), ":cache"),
  T(H("inputs.name"), ":cache"),
  T("library/", H("inputs.name"), ":cache"),
  T("GHCR.IO/", H("github.repository"), ":latest"),
  T("ghcr.io/", H("github.repository", { scope: "run-1" }), ":latest"),
  T("ghcr.io/", H("github.repository"), "-cache:latest"),
  T(H("env.REGISTRY", { scope: "run-1" }), "/acme/", H("github.ref_name", { scope: MAIN }), ":cache"),
  T(H("env.REGISTRY", { scope: "run-1" }), "/acme/", H("github.ref_name", { scope: RELEASE }), ":cache"),
  "docker.io/acme/app:cache",
  "acme/app:cache",
  "localhost:5000/app:cache",
];
const REFS = WRITTEN.map(ref);

describe("RefIndex", () => {
  const index = new RefIndex(REFS, (r) => r);

  it.each(WRITTEN.map((w, i): [string, TemplateRef] => [JSON.stringify(w), REFS[i]]))(
    "finds exactly what comparing %s with every reference finds, in order",
    (_, query) => {
      const candidates = index.sameString(query);
      const full = REFS.filter((r) => compareRefs(query, r) === "definite");
      expect(candidates.filter((r) => compareRefs(query, r) === "definite")).toEqual(full);
      expect(REFS.filter((r) => candidates.includes(r))).toEqual(candidates);
    },
  );

  it("narrows a literal name and tag to the same name and tag, and opaque references", () => {
    expect(index.sameString(ref("ghcr.io/acme/app:cache")).map((r) => r.raw)).toEqual([
      L("GHCR.io/Acme/App:cache"),
      L("ghcr.io/acme/app:cache"),
      T(H("inputs.image")),
      T(H("inputs.image", { scope: "run-1" }), ":", H("github.ref_name", { scope: MAIN })),
    ]);
  });

  it("narrows unknown tags to the same source and evaluation, or a run's ref name under any filter", () => {
    const query = ref(T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-a" })));
    expect(index.sameString(query).map((r) => r.raw)).toEqual([
      T(H("inputs.image")),
      T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-a" })),
      T("ghcr.io/acme/app:", H("steps.meta.outputs.version", { scope: "job-a", display: "$VERSION" })),
      T("GHCR.IO/ACME/APP:", H("steps.meta.outputs.version", { scope: "job-a" })),
      T(H("inputs.image", { scope: "run-1" }), ":", H("github.ref_name", { scope: MAIN })),
    ]);
    const refName = ref(T("ghcr.io/acme/app:", H("github.ref_name", { scope: RELEASE })));
    expect(index.sameString(refName).map((r) => r.raw)).toEqual([
      T(H("inputs.image")),
      T("ghcr.io/acme/app:", H("github.ref_name", { scope: MAIN })),
      T("ghcr.io/acme/app:", H("github.ref_name", { scope: RELEASE })),
      T("ghcr.io/acme/app:", H("github.ref_name", { scope: VTAGS })),
      T("ghcr.io/acme/app:", H("github.ref_name")),
      T("ghcr.io/acme/app:", H("github.ref_name", { scope: "run-1" })),
      T(H("inputs.image", { scope: "run-1" }), ":", H("github.ref_name", { scope: MAIN })),
    ]);
  });

  it("gives every reference without a digest to an opaque reference, and nothing to a digest", () => {
    expect(index.sameString(ref(T(H("inputs.image"))))).toEqual(REFS.filter((r) => !r.digest));
    expect(index.sameString(ref(`ghcr.io/acme/app@${DIGEST}`))).toEqual([]);
  });
});

describe("literalNameKey / sameStringKeys", () => {
  it("give Docker Hub spellings of one image the same keys", () => {
    const spellings = ["nginx", "docker.io/library/nginx:latest", "index.docker.io/library/nginx", "library/nginx"].map(ref);
    expect(new Set(spellings.map(literalNameKey)).size).toBe(1);
    expect(new Set(spellings.map((r) => JSON.stringify(sameStringKeys(r)))).size).toBe(1);
  });

  it("fold the case of names but not of tags", () => {
    expect(literalNameKey(ref("GHCR.io/Acme/App:Cache"))).toBe(literalNameKey(ref("ghcr.io/acme/app:cache")));
    expect(sameStringKeys(ref("GHCR.io/Acme/App:Cache"))).not.toEqual(sameStringKeys(ref("ghcr.io/acme/app:cache")));
  });

  it("are null where holes or a digest decide", () => {
    expect(literalNameKey(ref(T("ghcr.io/acme/", H("inputs.name"), ":cache")))).toBeNull();
    expect(sameStringKeys(ref(T(H("inputs.image"))))).toBeNull();
    expect(sameStringKeys(ref(`ghcr.io/acme/app:cache@${DIGEST}`))).toBeNull();
    expect(sameStringKeys(ref(T("ghcr.io/acme/app:", H("github.ref_name", { scope: MAIN }))))?.scopes).toBeNull();
  });
});
