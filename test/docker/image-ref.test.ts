import { describe, expect, it } from "@jest/globals";
import {
  compareRefs,
  formatRef,
  type ImageRef,
  isRefError,
  parseImageRef,
  parseImageRefTemplate,
  type TemplateRef,
  templateRefOf,
  withTag,
} from "../../src/docker/image-ref.js";
import type { Template } from "../../src/workflow/expr/value.js";
import { H, L, T } from "./helpers.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const REPO = H("github.repository");
/** `github.repository` with a pattern: no `:` or `@`, so a reference ending in it has no tag. */
const REPO_P = H("github.repository", { pattern: "[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+" });
const IMAGE = H("env.IMAGE");
const INPUT = H("inputs.image");

function ref(t: Template | string): TemplateRef {
  const r = parseImageRefTemplate(typeof t === "string" ? L(t) : t);
  if (!r) throw new Error(`not a reference: ${JSON.stringify(t)}`);
  return r;
}

describe("parseImageRef", () => {
  it.each<[string, ImageRef]>([
    ["app", { host: "docker.io", repository: "library/app", tag: "latest", hadUppercase: false, implicitTag: true }],
    ["user/app", { host: "docker.io", repository: "user/app", tag: "latest", hadUppercase: false, implicitTag: true }],
    ["index.docker.io/user/app:1.0", { host: "docker.io", repository: "user/app", tag: "1.0", hadUppercase: false, implicitTag: false }],
    ["docker.io/app:2", { host: "docker.io", repository: "library/app", tag: "2", hadUppercase: false, implicitTag: false }],
    ["localhost:5000/x", { host: "localhost:5000", repository: "x", tag: "latest", hadUppercase: false, implicitTag: true }],
    ["localhost/x/y:v", { host: "localhost", repository: "x/y", tag: "v", hadUppercase: false, implicitTag: false }],
    ["GHCR.io/Owner/App:Tag", { host: "ghcr.io", repository: "owner/app", tag: "Tag", hadUppercase: true, implicitTag: false }],
    ["User/app", { host: "docker.io", repository: "user/app", tag: "latest", hadUppercase: true, implicitTag: true }],
    ["ghcr.io/o/app@" + DIGEST, { host: "ghcr.io", repository: "o/app", tag: null, digest: DIGEST, hadUppercase: false, implicitTag: true }],
    ["ghcr.io/o/app:1@" + DIGEST, { host: "ghcr.io", repository: "o/app", tag: "1", digest: DIGEST, hadUppercase: false, implicitTag: false }],
    ["registry.example.com:8443/team/sub/app:v1.2", { host: "registry.example.com:8443", repository: "team/sub/app", tag: "v1.2", hadUppercase: false, implicitTag: false }],
  ])("normalises %s", (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
  });

  it.each([
    ["", "invalid reference format: empty reference"],
    ["app:", 'invalid reference format: invalid tag: "app:"'],
    ["app:-x", 'invalid reference format: invalid tag: "app:-x"'],
    ["ghcr.io/o/app@sha256:xyz", 'invalid reference format: invalid digest: "ghcr.io/o/app@sha256:xyz"'],
    ["a b", 'invalid reference format: invalid repository name: "a b"'],
    ["-bad/app", 'invalid reference format: invalid repository name: "-bad/app"'],
    ["ghcr.io//app", 'invalid reference format: invalid repository name: "ghcr.io//app"'],
    ["host.io:port/app", 'invalid reference format: invalid registry host: "host.io:port/app"'],
  ])("rejects %j", (text, error) => {
    const r = parseImageRef(text);
    expect(r).toEqual({ error });
    expect(isRefError(r)).toBe(true);
  });
});

describe("parseImageRefTemplate", () => {
  it("splits a literal reference and keeps the written text", () => {
    expect(parseImageRefTemplate(L("  User/App:1 "))).toEqual({
      kind: "split",
      raw: L("User/App:1"),
      host: L("docker.io"),
      repository: L("user/app"),
      tag: L("1"),
      digest: null,
      hadUppercase: true,
      hasHoles: false,
      literal: "user/app:1",
    });
  });

  it("returns undefined for empty or invalid literals", () => {
    expect(parseImageRefTemplate([])).toBeUndefined();
    expect(parseImageRefTemplate(L("   "))).toBeUndefined();
    expect(parseImageRefTemplate(L("app:"))).toBeUndefined();
  });

  it("splits a hole-bearing repository after a literal host", () => {
    expect(parseImageRefTemplate(T("ghcr.io/", REPO, ":buildcache"))).toEqual({
      kind: "split",
      raw: T("ghcr.io/", REPO, ":buildcache"),
      host: L("ghcr.io"),
      repository: T(REPO),
      tag: L("buildcache"),
      digest: null,
      hadUppercase: false,
      hasHoles: true,
      literal: undefined,
    });
  });

  it("keeps a tag hole and a missing tag apart", () => {
    const tagged = ref(T("ghcr.io/o/app:", H("github.ref_name")));
    expect(tagged.kind === "split" && tagged.tag).toEqual(T(H("github.ref_name")));
    const untagged = ref(T("ghcr.io/", REPO_P));
    expect(untagged.kind === "split" && untagged.tag).toBeNull();
    expect(ref(T("ghcr.io/", REPO)).kind).toBe("opaque");
  });

  it("lowercases literal repository text and records uppercase", () => {
    const r = ref(T("ghcr.io/Acme/", H("x", { pattern: "[a-z]+" }), ":v1"));
    expect(r).toMatchObject({ kind: "split", repository: T("acme/", H("x", { pattern: "[a-z]+" })), hadUppercase: true });
  });

  it("keeps the name as written when a leading hole may hold the host", () => {
    expect(parseImageRefTemplate(T(IMAGE, ":latest"))).toEqual({
      kind: "name",
      raw: T(IMAGE, ":latest"),
      name: T(IMAGE),
      tag: L("latest"),
      digest: null,
      hadUppercase: false,
      hasHoles: true,
      literal: undefined,
    });
  });

  it("keeps the whole text when a hole may also hold the tag", () => {
    expect(parseImageRefTemplate(T(IMAGE))).toEqual({
      kind: "opaque",
      raw: T(IMAGE),
      digest: null,
      hadUppercase: false,
      hasHoles: true,
      literal: undefined,
    });
    expect(ref(T("localhost:", H("env.REST"))).kind).toBe("opaque");
    expect(ref(T("ghcr.io/o/", H("env.NAME"))).kind).toBe("opaque");
  });

  it("uses hole patterns to find split points", () => {
    const name = H("env.NAME", { pattern: "[a-z0-9]+" });
    expect(ref(T(name))).toMatchObject({ kind: "split", host: L("docker.io"), repository: T("library/", name), tag: null });
    const port = H("env.PORT", { pattern: "[0-9]+" });
    expect(ref(T("localhost:", port, "/app"))).toMatchObject({ kind: "split", host: T("localhost:", port), repository: L("app"), tag: null });
    const owner = H("env.OWNER", { pattern: "[0-9]+" });
    expect(ref(T(owner, "/app:1"))).toMatchObject({ kind: "split", host: L("docker.io"), repository: T(owner, "/app") });
    expect(ref(T(H("env.OWNER", { pattern: "[a-z]+" }), "/app:1")).kind).toBe("name");
    expect(ref(T(H("env.REGISTRY", { pattern: "[a-z.]+" }), "/app:1")).kind).toBe("name");
    expect(ref(T("docker.io/", H("x", { pattern: "[a-z]+" })))).toMatchObject({ kind: "split", repository: T("library/", H("x", { pattern: "[a-z]+" })) });
    expect(ref(T("docker.io/", H("x"), ":1")).kind).toBe("name");
    expect(ref(T("index.docker.io/u/", H("x"), ":1"))).toMatchObject({ kind: "split", host: L("docker.io"), repository: T("u/", H("x")) });
  });

  it("separates a digest at a literal @", () => {
    const digest = H("steps.build.outputs.digest");
    expect(ref(T("ghcr.io/o/app@", digest))).toMatchObject({ kind: "split", tag: null, digest: T(digest) });
  });

  it("converts literal references with templateRefOf", () => {
    const parsed = parseImageRef("ghcr.io/o/app");
    if (isRefError(parsed)) throw new Error(parsed.error);
    expect(templateRefOf(parsed)).toEqual({
      kind: "split",
      raw: L("ghcr.io/o/app"),
      host: L("ghcr.io"),
      repository: L("o/app"),
      tag: null,
      digest: null,
      hadUppercase: false,
      hasHoles: false,
      literal: "ghcr.io/o/app:latest",
    });
  });
});

describe("compareRefs", () => {
  it.each([
    ["acme/tool:stable", "docker.io/acme/tool:stable", "definite"],
    ["ghcr.io/o/app:test", "docker.io/o/app:test", "never"],
    ["app", "docker.io/library/app:latest", "definite"],
    ["index.docker.io/library/app", "app:latest", "definite"],
    ["docker.io/app:1", "library/app:1", "definite"],
    ["GHCR.IO/o/app:1", "ghcr.io/o/app:1", "definite"],
    ["ghcr.io/O/App:1", "ghcr.io/o/app:1", "definite"],
    ["ghcr.io/o/app:Latest", "ghcr.io/o/app:latest", "never"],
    ["ghcr.io/o/app", "ghcr.io/o/app-cache", "never"],
    ["ghcr.io/o/app:latest", "ghcr.io/o/app:buildcache", "never"],
    [`ghcr.io/o/app@${DIGEST}`, `ghcr.io/o/app@${DIGEST}`, "never"],
    [`ghcr.io/o/app:1@${DIGEST}`, "ghcr.io/o/app:1", "never"],
  ])("%s vs %s → %s", (a, b, expected) => {
    expect(compareRefs(ref(a), ref(b))).toBe(expected);
    expect(compareRefs(ref(b), ref(a))).toBe(expected);
  });

  it.each<[string, Template, Template, string]>([
    ["same hole text", T("ghcr.io/", REPO, ":latest"), T("ghcr.io/", REPO, ":latest"), "definite"],
    ["different literal tags", T("ghcr.io/", REPO, ":buildcache"), T("ghcr.io/", REPO, ":latest"), "never"],
    ["hole vs literal repository", T("ghcr.io/", REPO, ":latest"), L("ghcr.io/acme/app:latest"), "possible"],
    ["hole repository on another host", T("ghcr.io/", REPO, ":latest"), L("quay.io/acme/app:latest"), "never"],
    ["branch tag vs cache tag", T("ghcr.io/o/app:", H("github.ref_name", { pattern: "[a-zA-Z0-9._-]+" })), L("ghcr.io/o/app:buildcache"), "possible"],
    ["semver tag vs latest", T("ghcr.io/o/app:", H("semver(github.ref_name).version", { pattern: "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)" })), L("ghcr.io/o/app:latest"), "never"],
    ["unknown name vs literal", T(IMAGE, ":latest"), L("ghcr.io/o/app:latest"), "possible"],
    ["unknown name, other tag", T(IMAGE, ":buildcache"), L("ghcr.io/o/app:latest"), "never"],
    ["unknown name vs other name", T(IMAGE, "/app:1"), L("ghcr.io/o/other:1"), "never"],
    ["same unknown name", T(IMAGE, ":latest"), T(IMAGE, ":latest"), "definite"],
    ["unknown name with suffix", T(INPUT, "-cache:latest"), T(INPUT, ":latest"), "never"],
    ["unknown name with library/", T(INPUT, "/app:1"), T(INPUT, "/library/app:1"), "possible"],
    ["different unknown names", T(H("a"), "/x:1"), T(H("b"), "/y:1"), "never"],
    ["different unknown hosts", T(H("a"), "/x:1"), T(H("b"), "/x:1"), "possible"],
    ["opaque vs itself", T(INPUT), T(INPUT), "definite"],
    ["opaque vs its :latest", T(INPUT), T(INPUT, ":latest"), "possible"],
    ["opaque vs -cache", T(INPUT), T(INPUT, "-cache"), "never"],
    ["opaque vs literal", T(INPUT), L("ghcr.io/o/app:latest"), "possible"],
    ["opaque vs other literal name", T(INPUT, "/app"), L("ghcr.io/o/other:1"), "never"],
    ["untagged hole repository vs its :latest", T("ghcr.io/", REPO), T("ghcr.io/", REPO, ":latest"), "definite"],
    ["untagged hole repository vs :buildcache", T("ghcr.io/", REPO), T("ghcr.io/", REPO, ":buildcache"), "never"],
    ["patterned repository vs :buildcache", T("ghcr.io/", REPO_P), T("ghcr.io/", REPO_P, ":buildcache"), "never"],
  ])("%s", (_, a, b, expected) => {
    expect(compareRefs(ref(a), ref(b))).toBe(expected);
    expect(compareRefs(ref(b), ref(a))).toBe(expected);
  });

  it("accepts literal ImageRef values", () => {
    const a = parseImageRef("app");
    const b = parseImageRef("docker.io/library/app:latest");
    if (isRefError(a) || isRefError(b)) throw new Error("unexpected");
    expect(compareRefs(a, b)).toBe("definite");
    expect(compareRefs(a, ref("ghcr.io/o/app"))).toBe("never");
  });
});

describe("formatRef", () => {
  it.each([
    ["app", "app:latest"],
    ["docker.io/library/app:1", "app:1"],
    ["index.docker.io/user/app", "user/app:latest"],
    ["ghcr.io/O/App", "ghcr.io/o/app:latest"],
    ["localhost:5000/x", "localhost:5000/x:latest"],
    [`ghcr.io/o/app@${DIGEST}`, `ghcr.io/o/app@${DIGEST}`],
    [`ghcr.io/o/app:1@${DIGEST}`, `ghcr.io/o/app:1@${DIGEST}`],
  ])("%s → %s", (text, expected) => {
    expect(formatRef(ref(text))).toBe(expected);
  });

  it("renders holes as expressions", () => {
    expect(formatRef(ref(T("ghcr.io/", REPO_P)))).toBe("ghcr.io/${{ github.repository }}:latest");
    expect(formatRef(ref(T(IMAGE, ":v1")))).toBe("${{ env.IMAGE }}:v1");
    expect(formatRef(ref(T(IMAGE)))).toBe("${{ env.IMAGE }}");
  });

  it("formats literal ImageRef values", () => {
    const r = parseImageRef("user/app:1");
    if (isRefError(r)) throw new Error(r.error);
    expect(formatRef(r)).toBe("user/app:1");
  });
});

describe("withTag", () => {
  it("retags and renames split references", () => {
    const pushed = ref("ghcr.io/o/app:latest");
    expect(withTag(pushed, "buildcache")).toEqual({
      kind: "split",
      raw: L("ghcr.io/o/app:buildcache"),
      host: L("ghcr.io"),
      repository: L("o/app"),
      tag: L("buildcache"),
      digest: null,
      hadUppercase: false,
      hasHoles: false,
      literal: "ghcr.io/o/app:buildcache",
    });
    expect(withTag(pushed, "buildcache", "-cache").literal).toBe("ghcr.io/o/app-cache:buildcache");
    expect(withTag(ref("user/app:1"), "buildcache").literal).toBe("user/app:buildcache");
    expect(withTag(ref(`ghcr.io/o/app@${DIGEST}`), "buildcache").literal).toBe("ghcr.io/o/app:buildcache");
  });

  it("keeps hole-bearing names", () => {
    const split = withTag(ref(T("ghcr.io/", REPO, ":latest")), "buildcache");
    expect([split.literal, formatRef(split)]).toEqual([undefined, "ghcr.io/${{ github.repository }}:buildcache"]);
    expect(formatRef(withTag(ref(T(IMAGE, ":latest")), "buildcache"))).toBe("${{ env.IMAGE }}:buildcache");
    const opaque = withTag(ref(T(IMAGE)), "buildcache", "-cache");
    expect(opaque).toEqual({
      kind: "name",
      raw: T(IMAGE, "-cache:buildcache"),
      name: T(IMAGE, "-cache"),
      tag: L("buildcache"),
      digest: null,
      hadUppercase: false,
      hasHoles: true,
      literal: undefined,
    });
  });
});
