import { describe, expect, it } from "@jest/globals";
import {
  type CacheEntry,
  cacheMode,
  dedicatedCacheRef,
  ignoredAttrs,
  isRegistryCache,
  parseCacheLine,
  registryCacheRef,
} from "../../src/docker/cache-spec.js";
import { splitListInput } from "../../src/docker/csv.js";
import { compareRefs, formatRef, parseImageRefTemplate } from "../../src/docker/image-ref.js";
import type { Template } from "../../src/workflow/expr/value.js";
import { H, L, T } from "./helpers.js";

const parse = (line: string | Template) => parseCacheLine(typeof line === "string" ? L(line) : line);
const one = (line: string | Template): CacheEntry => {
  const entries = parse(line);
  if (entries.length !== 1) throw new Error(`expected one entry, got ${entries.length}`);
  return entries[0];
};

describe("parseCacheLine", () => {
  it("parses key=value lines", () => {
    expect(parse("type=registry,ref=ghcr.io/o/app:latest,mode=max")).toEqual([
      {
        type: "registry",
        attrs: { ref: L("ghcr.io/o/app:latest"), mode: L("max") },
        bare: false,
        raw: L("type=registry,ref=ghcr.io/o/app:latest,mode=max"),
      },
    ]);
    expect(parse("type=inline")).toEqual([{ type: "inline", attrs: {}, bare: false, raw: L("type=inline") }]);
  });

  it("turns each field of a line without = into its own registry export", () => {
    expect(parse("ghcr.io/o/app:latest")).toEqual([
      { type: "registry", attrs: { ref: L("ghcr.io/o/app:latest") }, bare: true, raw: L("ghcr.io/o/app:latest") },
    ]);
    expect(parse("user/app:cache,other/app")).toEqual([
      { type: "registry", attrs: { ref: L("user/app:cache") }, bare: true, raw: L("user/app:cache") },
      { type: "registry", attrs: { ref: L("other/app") }, bare: true, raw: L("other/app") },
    ]);
  });

  it("exports `inline` without a type to docker.io/library/inline:latest", () => {
    const ref = registryCacheRef(one("inline"));
    const parsed = ref && parseImageRefTemplate(ref);
    expect(parsed && formatRef(parsed)).toBe("inline:latest");
    expect(parsed && compareRefs(parsed, parseImageRefTemplate(L("docker.io/library/inline:latest"))!)).toBe("definite");
  });

  it("lowercases keys, keeps values (with = and case) and does not trim", () => {
    expect(one("Type=registry,REF=x,Mode=Max")).toMatchObject({ type: "registry", attrs: { ref: L("x"), mode: L("Max") } });
    expect(one("type=s3,endpoint_url=http://h/?a=b").attrs).toEqual({ endpoint_url: L("http://h/?a=b") });
    const spaced = one("type=registry, ref=x");
    expect(spaced.attrs).toEqual({ " ref": L("x") });
    expect(registryCacheRef(spaced)).toBeUndefined();
    expect(isRegistryCache(one("type=Registry,ref=x"))).toBe(false);
  });

  it("reads quoted fields with csv-parse", () => {
    expect(one('type=registry,"ref=a,b"').attrs).toEqual({ ref: L("a,b") });
    expect(one('type=local,"dest=/tmp/""x"""').attrs).toEqual({ dest: L('/tmp/"x"') });
  });

  it("reports the buildx errors", () => {
    expect(parse("type=registry,ref=x,foo")).toEqual([{ type: undefined, attrs: {}, bare: false, error: "invalid value foo", raw: L("type=registry,ref=x,foo") }]);
    expect(one("ref=x,mode=max").error).toBe('type required for "ref=x,mode=max"');
    expect(one("mode=max,ref=a\\b").error).toBe('type required for "mode=max,ref=a\\\\b"');
    expect(one('type=registry,ref=a"b').error).toBe('bare " in non-quoted-field');
    expect(one('"type=registry').error).toBe('extraneous or missing " in quoted-field');
    expect(one('a"b').error).toBe('bare " in non-quoted-field');
  });

  it("drops empty lines", () => {
    expect(parse("")).toEqual([]);
    expect(parse("   ")).toEqual([]);
  });

  it("keeps hole-bearing values as templates", () => {
    const repo = H("github.repository");
    expect(one(T("type=registry,ref=ghcr.io/", repo, ":buildcache,mode=max"))).toEqual({
      type: "registry",
      attrs: { ref: T("ghcr.io/", repo, ":buildcache"), mode: L("max") },
      bare: false,
      raw: T("type=registry,ref=ghcr.io/", repo, ":buildcache,mode=max"),
    });
    expect(one(T(H("env.IMAGE"), ":cache"))).toEqual({ type: "registry", attrs: { ref: T(H("env.IMAGE"), ":cache") }, bare: true, raw: T(H("env.IMAGE"), ":cache") });
    expect(one(T('type=registry,"ref=', H("x"), ',y"'))).toMatchObject({ attrs: { ref: T(H("x"), ",y") } });
  });

  it("leaves the type unknown when a hole decides it", () => {
    const typed = one(T("type=", H("inputs.cache-type"), ",ref=x"));
    expect(typed).toMatchObject({ type: undefined, attrs: { ref: L("x") }, bare: false });
    expect(isRegistryCache(typed)).toBeUndefined();
    expect(registryCacheRef(typed)).toBeUndefined();
    const whole = T(H("inputs.cache-to"));
    expect(parse(whole)).toEqual([{ type: undefined, attrs: {}, bare: false, raw: whole }]);
  });

  it("keeps fields whose key may be inside a hole apart", () => {
    const extra = T(H("inputs.extra"));
    expect(one(T("type=registry,ref=x,", H("inputs.extra")))).toEqual({
      type: "registry",
      attrs: { ref: L("x") },
      bare: false,
      raw: T("type=registry,ref=x,", H("inputs.extra")),
      unknown: [extra],
    });
    expect(one(T("ref=x,", H("inputs.extra"))).type).toBeUndefined();
    expect(one(T("type=registry,ref=x,", H("n", { pattern: "[0-9]+" }))).error).toBe("invalid value ${{ n }}");
    expect(one(T("ref=", H("x"))).error).toBe('type required for "ref=${{ x }}"');
  });

  it("splits newline-joined tags into a registry export per line (hazards.md §1.5)", () => {
    const tags = "ghcr.io/o/app:1.2.3\nghcr.io/o/app:latest";
    const plain = splitListInput(L(`type=registry,ref=${tags}`), "newline").flatMap(parseCacheLine);
    expect(plain.map((e) => [e.bare, registryCacheRef(e)])).toEqual([
      [false, L("ghcr.io/o/app:1.2.3")],
      [true, L("ghcr.io/o/app:latest")],
    ]);
    const suffixed = splitListInput(L(`type=registry,ref=${tags},mode=max`), "newline").flatMap(parseCacheLine);
    expect(suffixed.map((e) => e.error)).toEqual([undefined, "invalid value ghcr.io/o/app:latest"]);
  });
});

describe("accessors", () => {
  it("tells registry exports and their refs", () => {
    expect(isRegistryCache(one("type=registry,ref=x"))).toBe(true);
    expect(isRegistryCache(one("x"))).toBe(true);
    expect(isRegistryCache(one("type=gha,ref=x"))).toBe(false);
    expect(isRegistryCache(one("ref=x"))).toBe(false);
    expect(registryCacheRef(one("type=gha,ref=x"))).toBeUndefined();
    expect(registryCacheRef(one("type=registry,mode=max"))).toBeUndefined();
    expect(registryCacheRef(one("type=registry,ref=x"))).toEqual(L("x"));
  });

  it("reads the mode", () => {
    expect(cacheMode(one("type=registry,ref=x"))).toBe("min");
    expect(cacheMode(one("type=registry,ref=x,mode=max"))).toBe("max");
    expect(cacheMode(one(T("type=registry,ref=x,mode=", H("inputs.mode"))))).toBeUndefined();
  });

  it("lists attributes the gha backend ignores", () => {
    expect(ignoredAttrs(one("type=gha,ref=ghcr.io/o/app:cache,mode=max,scope=app"))).toEqual(["ref"]);
    expect(ignoredAttrs(one("type=gha,scope=a,timeout=1m,token=t,url=u,url_v2=v,repository=r,ghtoken=g,version=2,ignore-error=true"))).toEqual([]);
    expect(ignoredAttrs(one("type=gha,dest=/tmp/cache,mode=max"))).toEqual(["dest"]);
    expect(ignoredAttrs(one("type=registry,ref=x,foo=bar"))).toEqual([]);
  });
});

describe("dedicatedCacheRef", () => {
  it("moves the export to :buildcache, keeping the other attributes", () => {
    expect(dedicatedCacheRef(one("type=registry,ref=ghcr.io/o/app:latest,mode=max"))).toBe("type=registry,ref=ghcr.io/o/app:buildcache,mode=max");
    expect(dedicatedCacheRef(one("ghcr.io/o/app:latest"))).toBe("type=registry,ref=ghcr.io/o/app:buildcache");
    expect(dedicatedCacheRef(one("type=registry,ref=user/app,image-manifest=true,oci-mediatypes=true"))).toBe(
      "type=registry,ref=user/app:buildcache,image-manifest=true,oci-mediatypes=true",
    );
    expect(dedicatedCacheRef(one('type=registry,ref=ghcr.io/o/app:1,"foo=a,b"'))).toBe('type=registry,ref=ghcr.io/o/app:buildcache,"foo=a,b"');
    expect(dedicatedCacheRef(one(`type=registry,ref=ghcr.io/o/app@sha256:${"b".repeat(64)}`))).toBe("type=registry,ref=ghcr.io/o/app:buildcache");
  });

  it("uses :cache when the pushed tag is buildcache itself", () => {
    const pushed = parseImageRefTemplate(L("ghcr.io/o/app:buildcache"));
    expect(dedicatedCacheRef(one("type=registry,ref=ghcr.io/o/app:buildcache,mode=max"), pushed)).toBe("type=registry,ref=ghcr.io/o/app:cache,mode=max");
  });

  it("renders holes and falls back to the pushed image name", () => {
    const repo = H("github.repository");
    expect(dedicatedCacheRef(one(T("type=registry,ref=ghcr.io/", repo, ":latest,mode=max")))).toBe(
      "type=registry,ref=ghcr.io/${{ github.repository }}:buildcache,mode=max",
    );
    const opaque = one(T("type=registry,ref=", H("env.IMAGE")));
    expect(dedicatedCacheRef(opaque)).toBeUndefined();
    expect(dedicatedCacheRef(opaque, parseImageRefTemplate(T(H("env.IMAGE"), ":latest")))).toBe("type=registry,ref=${{ env.IMAGE }}:buildcache");
    expect(dedicatedCacheRef(one(T("type=registry,ref=x,", H("inputs.extra"))))).toBe("type=registry,ref=x:buildcache,${{ inputs.extra }}");
  });

  it("returns undefined for entries that are not registry exports", () => {
    expect(dedicatedCacheRef(one("type=gha,scope=x"))).toBeUndefined();
    expect(dedicatedCacheRef(one("type=registry,ref=x,foo"))).toBeUndefined();
  });
});
