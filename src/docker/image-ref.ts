/**
 * Docker image reference normalisation, for literal strings and for templates with holes.
 *
 * Docker rules (distribution/reference, hazards.md §1.3): the first path component is a registry
 * host only if it contains `.` or `:` or is `localhost`, otherwise the host is `docker.io`;
 * single-component Docker Hub names get `library/`; `index.docker.io` is `docker.io`; a missing tag
 * means `latest`; `name@sha256:…` is a digest reference. Hosts compare case-insensitively,
 * repository paths are lowercased for comparison (uppercase is recorded, another rule reports it),
 * tags are case-sensitive.
 *
 * Templates. A hole may contain `/`, `:` or `.`, so split points are looked for in literal text only,
 * assuming the reference is valid (a push to an invalid reference fails and overwrites nothing):
 * - a literal `@` starts the digest (a hole is assumed not to hide a digest);
 * - the last literal `:` is the tag separator when a literal `/` precedes it, or when no hole after it
 *   may contain `/`; with no literal `:`, the reference has no tag when no hole in the last path
 *   segment may contain `:`;
 * - the first component is decided when no hole in it may contain `/`: literal `.`/`:` make it a host,
 *   and it is a Docker Hub path when no hole may add `.`/`:` and it cannot be `localhost`.
 * When the host/repository boundary is inside a hole the reference is kept as written (`kind: "name"`);
 * when even the tag boundary is inside a hole the whole text is kept (`kind: "opaque"`). Both compare
 * soundly against every spelling of the other side. Holes are never split.
 *
 * Assumption: no hole spells only part of a Docker Hub host alias (`${{ x }}.io` standing for `docker.io`,
 * or a hole ending inside `index.docker.io`): Docker Hub normalisation is applied to literal hosts only,
 * and a hole that heads a name holds the whole host when there is one.
 */

import { toUpperSpecial } from "@actions/expressions/result";
import { type Match, sameTemplate, unify } from "../workflow/expr/unify.js";
import type { Template } from "../workflow/expr/value.js";
import { normalizeTemplate, renderTemplate, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import { isRefScope } from "../workflow/ref-filters.js";
import {
  concat,
  fromTokens,
  hasHoles,
  holesMayContain,
  isHoleTok,
  lowerLiterals,
  stripLiteralPrefix,
  type Tok,
  toTokens,
} from "./template-tokens.js";

export type RefMatch = Match;

export const DOCKER_HUB = "docker.io";
const HUB_ALIAS = "index.docker.io";
const OFFICIAL = "library/";

/** A literal reference, normalised. */
export interface ImageRef {
  /** Lowercased registry host; `docker.io` for Docker Hub. */
  host: string;
  /** Lowercased repository path, with `library/` for official Hub images. */
  repository: string;
  /** The tag: `latest` when none was written; null for a digest reference without a tag. */
  tag: string | null;
  digest?: string;
  /** True when the written repository path had uppercase letters (invalid for Docker). */
  hadUppercase: boolean;
  /** True when no tag was written (`:latest` implied). */
  implicitTag: boolean;
}

export interface RefError {
  error: string;
}

interface TemplateRefBase {
  /** The reference as written (trimmed). */
  raw: Template;
  /** Digest after a literal `@`, or null. Digest references never collide with tag pushes. */
  digest: Template | null;
  /** True when literal text of the repository path has uppercase letters. */
  hadUppercase: boolean;
  hasHoles: boolean;
  /** The familiar text of a hole-free reference (see {@link formatRef}); undefined with holes. */
  literal: string | undefined;
}

/** Host and repository are known (each may contain holes). */
export interface SplitRef extends TemplateRefBase {
  kind: "split";
  /** Normalised host: literal text lowercased, `docker.io` for Docker Hub. */
  host: Template;
  /** Normalised path: literal text lowercased, `library/` added for single-component Hub names. */
  repository: Template;
  /** Tag as written; null when none was written (`latest`, or none at all with a digest). */
  tag: Template | null;
}

/** The host/repository boundary lies inside a hole: the name is kept as written. */
export interface NameRef extends TemplateRefBase {
  kind: "name";
  name: Template;
  tag: Template | null;
}

/** Even the name/tag boundary lies inside a hole: only the written text is known. */
export interface OpaqueRef extends TemplateRefBase {
  kind: "opaque";
}

export type TemplateRef = SplitRef | NameRef | OpaqueRef;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

export function isRefError(r: ImageRef | RefError): r is RefError {
  return "error" in r;
}

/** Whether a first path component names a registry host (Docker's rule). */
function isHostComponent(c: string): boolean {
  return c.includes(".") || c.includes(":") || c === "localhost";
}

function normaliseHost(host: string): string {
  const h = host.toLowerCase();
  return h === HUB_ALIAS ? DOCKER_HUB : h;
}

/** Parses and normalises a literal reference such as `app`, `user/app:1.0` or `ghcr.io/o/app@sha256:…`. */
export function parseImageRef(s: string): ImageRef | RefError {
  const fail = (why: string): RefError => ({ error: `invalid reference format: ${why}: "${s}"` });
  if (s === "") return { error: "invalid reference format: empty reference" };
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return fail("invalid digest");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail("invalid tag");
  }
  let host = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0 && isHostComponent(rest.slice(0, slash))) {
    host = normaliseHost(rest.slice(0, slash));
    path = rest.slice(slash + 1);
    if (!HOST.test(host)) return fail("invalid registry host");
  }
  if (host === DOCKER_HUB && !path.includes("/")) path = OFFICIAL + path;
  const repository = path.toLowerCase();
  if (!repository.split("/").every((c) => PATH_COMPONENT.test(c))) return fail("invalid repository name");
  return {
    host,
    repository,
    tag: tag ?? (digest === undefined ? "latest" : null),
    ...(digest === undefined ? {} : { digest }),
    hadUppercase: path !== repository,
    implicitTag: tag === undefined,
  };
}

const lit = (s: string): Template => (s === "" ? [] : [{ lit: s }]);

/** The split template form of a literal reference. */
export function templateRefOf(ref: ImageRef): SplitRef {
  const tag = ref.implicitTag ? null : lit(ref.tag ?? "");
  const digest = ref.digest === undefined ? null : lit(ref.digest);
  const raw = concat(ref.host, "/", ref.repository, tag ? concat(":", tag) : [], digest ? concat("@", digest) : []);
  return finishSplit({ raw, host: lit(ref.host), repository: lit(ref.repository), tag, digest, hadUppercase: ref.hadUppercase });
}

function finishSplit(r: Omit<SplitRef, "kind" | "hasHoles" | "literal">): SplitRef {
  const ref: SplitRef = { kind: "split", ...r, hasHoles: false, literal: undefined };
  ref.hasHoles = [r.host, r.repository, r.tag ?? [], r.digest ?? []].some(hasHoles);
  ref.literal = ref.hasHoles ? undefined : formatRef(ref);
  return ref;
}

/** Literal uppercase letters in the repository part of written tokens (after the first literal `/`). */
function uppercaseAfterHost(toks: Tok[]): boolean {
  const slash = toks.indexOf("/");
  return toks.slice(slash + 1).some((t) => typeof t === "string" && t !== t.toLowerCase());
}

type TagSplit = { name: Tok[]; tag: Tok[] | null } | "unknown";

function splitTag(toks: Tok[]): TagSplit {
  const colon = toks.lastIndexOf(":");
  const lastSlash = toks.lastIndexOf("/");
  if (colon > lastSlash) {
    const after = toks.slice(colon + 1);
    if (lastSlash >= 0 || !holesMayContain(after, "/")) return { name: toks.slice(0, colon), tag: after };
    return "unknown";
  }
  return holesMayContain(toks.slice(lastSlash + 1), ":") ? "unknown" : { name: toks, tag: null };
}

type NameSplit = { host: Template; path: Tok[] } | "unknown";

function splitName(name: Tok[]): NameSplit {
  const hub = (path: Tok[]): NameSplit => {
    if (path.includes("/")) return { host: lit(DOCKER_HUB), path };
    if (holesMayContain(path, "/")) return "unknown";
    return { host: lit(DOCKER_HUB), path: [...OFFICIAL.split(""), ...path] };
  };
  const slash = name.indexOf("/");
  if (slash < 0) return hub(name);
  const first = name.slice(0, slash);
  if (holesMayContain(first, "/")) return "unknown";
  const firstText = fromTokens(first);
  const literalFirst = templateLiteral(firstText);
  if (literalFirst !== undefined) {
    if (!isHostComponent(literalFirst)) return hub(name);
    const host = normaliseHost(literalFirst);
    return host === DOCKER_HUB ? hub(name.slice(slash + 1)) : { host: lit(host), path: name.slice(slash + 1) };
  }
  if (first.some((t) => t === "." || t === ":")) return { host: lowerLiterals(firstText), path: name.slice(slash + 1) };
  if (!holesMayContain(first, ".:") && unify(firstText, lit("localhost")) === "never") return hub(name);
  return "unknown";
}

/** Parsed references per template array: every rule reads the same build items. */
const parsedRefs = new WeakMap<Template, TemplateRef | null>();

/**
 * Valid hole-free references by their text. The same literal tag is written by every matrix leg and event case,
 * each evaluation with a template of its own, and rules keep the parsed reference of every build item: one shared
 * reference per text instead of one per evaluation. Entries live only as long as a template that parsed to them
 * (weak references, removed once collected), so nothing is kept from one analysis to the next.
 */
const literalRefs = new Map<string, WeakRef<TemplateRef>>();
const literalRefsGone = new FinalizationRegistry<string>((text) => {
  if (literalRefs.get(text)?.deref() === undefined) literalRefs.delete(text);
});

function parseLiteralRef(t: Template, text: string): TemplateRef | undefined {
  const shared = literalRefs.get(text)?.deref();
  if (shared) return shared;
  const ref = parseRefTemplate(t);
  if (ref) {
    literalRefs.set(text, new WeakRef(ref));
    literalRefsGone.register(ref, text);
  }
  return ref;
}

/**
 * Normalises a reference template; undefined when it is empty or a literal that is not a valid
 * reference. See the module comment for how holes are handled. One template, or one literal text, gives one
 * (shared) reference.
 */
export function parseImageRefTemplate(t: Template): TemplateRef | undefined {
  let ref = parsedRefs.get(t);
  if (ref === undefined) {
    const text = templateLiteral(t);
    ref = (text === undefined ? parseRefTemplate(t) : parseLiteralRef(t, text)) ?? null;
    parsedRefs.set(t, ref);
  }
  return ref ?? undefined;
}

function parseRefTemplate(t: Template): TemplateRef | undefined {
  const raw = trimTemplate(normalizeTemplate(t));
  if (raw.length === 0) return undefined;
  const text = templateLiteral(raw);
  if (text !== undefined) {
    const ref = parseImageRef(text);
    return isRefError(ref) ? undefined : { ...templateRefOf(ref), raw };
  }
  let toks = toTokens(raw);
  let digest: Template | null = null;
  const at = toks.indexOf("@");
  if (at >= 0) {
    digest = fromTokens(toks.slice(at + 1));
    toks = toks.slice(0, at);
  }
  const base = { raw, digest, hasHoles: true, literal: undefined };
  const tagged = splitTag(toks);
  if (tagged === "unknown") return { kind: "opaque", ...base, hadUppercase: uppercaseAfterHost(toks) };
  const tag = tagged.tag && fromTokens(tagged.tag);
  const named = splitName(tagged.name);
  if (named === "unknown") {
    return { kind: "name", ...base, name: fromTokens(tagged.name), tag, hadUppercase: uppercaseAfterHost(tagged.name) };
  }
  const path = fromTokens(named.path);
  return finishSplit({
    raw,
    host: named.host,
    repository: lowerLiterals(path),
    tag,
    digest,
    hadUppercase: named.path.some((c) => typeof c === "string" && c !== c.toLowerCase()),
  });
}

function toTemplateRef(r: ImageRef | TemplateRef): TemplateRef {
  return "kind" in r ? r : templateRefOf(r);
}

/** The implied tag, one template for every reference (comparisons of a template are cached per array). */
const LATEST: Template = lit("latest");

function effectiveTag(tag: Template | null): Template {
  return tag ?? LATEST;
}

function all(verdicts: Match[]): Match {
  if (verdicts.includes("never")) return "never";
  return verdicts.every((v) => v === "definite") ? "definite" : "possible";
}

function best(verdicts: Match[]): Match {
  if (verdicts.includes("definite")) return "definite";
  return verdicts.includes("possible") ? "possible" : "never";
}

/** Every way of writing a split name that normalises to it (host case aside). */
function nameSpellings(r: SplitRef): Template[] {
  const out = [concat(r.host, "/", r.repository)];
  if (templateLiteral(r.host) !== DOCKER_HUB) return out;
  out.push(r.repository, concat(HUB_ALIAS, "/", r.repository));
  const official = stripLiteralPrefix(r.repository, OFFICIAL);
  if (official) out.push(official, concat(DOCKER_HUB, "/", official), concat(HUB_ALIAS, "/", official));
  return out;
}

/** Written forms of a whole split reference: each name spelling with its tag, and bare when it is `latest`. */
function refSpellings(r: SplitRef): Template[] {
  const tag = effectiveTag(r.tag);
  const bare = templateLiteral(tag) === "latest";
  return nameSpellings(r).flatMap((n) => (bare ? [concat(n, ":", tag), n] : [concat(n, ":", tag)]));
}

/** `short` with `library/` inserted somewhere equals `long`. */
function officialInserted(short: string, long: string): boolean {
  if (long.length !== short.length + OFFICIAL.length) return false;
  for (let k = 0; k <= short.length; k++) {
    if (long.slice(k, k + OFFICIAL.length) === OFFICIAL && long.slice(0, k) + long.slice(k + OFFICIAL.length) === short) return true;
  }
  return false;
}

function trailingLiteral(toks: Tok[]): string {
  let i = toks.length;
  while (i > 0 && !isHoleTok(toks[i - 1])) i--;
  return (toks.slice(i) as string[]).join("").toLowerCase();
}

/**
 * Two written forms that differ as text: can Docker Hub spellings (`docker.io/`, `library/`, implied
 * `:latest` when `withTag`) still make them the same reference?
 */
function hubSpellingsMayMeet(a: Template, b: Template, withTag: boolean): boolean {
  const x = toTokens(a);
  const y = toTokens(b);
  const same = (p: Tok, q: Tok) =>
    typeof p === "string" ? typeof q === "string" && p.toLowerCase() === q.toLowerCase() : typeof q !== "string" && p.source === q.source;
  let i = 0;
  while (i < x.length && i < y.length && same(x[i], y[i])) i++;
  const restX = x.slice(i);
  const restY = y.slice(i);
  const variants = (s: string) => (withTag && s.endsWith(":latest") ? [s, s.slice(0, -":latest".length)] : [s]);
  if (x.slice(0, i).some(isHoleTok) && !restX.some(isHoleTok) && !restY.some(isHoleTok)) {
    const rx = (restX as string[]).join("").toLowerCase();
    const ry = (restY as string[]).join("").toLowerCase();
    return variants(rx).some((p) => variants(ry).some((q) => p === q || officialInserted(p, q) || officialInserted(q, p)));
  }
  const ends = (s: string) => (withTag ? [s, `${s}:latest`] : [s]);
  return ends(trailingLiteral(x)).some((p) => ends(trailingLiteral(y)).some((q) => p.endsWith(q) || q.endsWith(p)));
}

/** Names as written vs as written (neither host is known). */
function compareWrittenNames(a: Template, b: Template): Match {
  const u = unify(a, b, { caseInsensitive: true });
  if (u !== "never") return u;
  return hubSpellingsMayMeet(a, b, false) ? "possible" : "never";
}

function compareNames(x: SplitRef | NameRef, y: SplitRef | NameRef): Match {
  if (x.kind === "split" && y.kind === "split") {
    return all([unify(x.host, y.host, { caseInsensitive: true }), unify(x.repository, y.repository, { caseInsensitive: true })]);
  }
  if (x.kind === "name" && y.kind === "name") return compareWrittenNames(x.name, y.name);
  const [split, name] = x.kind === "split" ? [x, y as NameRef] : [y as SplitRef, x as NameRef];
  return best(nameSpellings(split).map((s) => unify(name.name, s, { caseInsensitive: true })));
}

/** Whole written text against whole written text, when a tag boundary is unknown. */
function compareWhole(x: TemplateRef, y: TemplateRef): Match {
  if (x.kind === "split" || y.kind === "split") {
    const [split, other] = x.kind === "split" ? [x, y] : [y as SplitRef, x];
    return best(
      refSpellings(split).map((s) => {
        if (sameTemplate(other.raw, s)) return "definite";
        return unify(other.raw, s, { caseInsensitive: true }) === "never" ? "never" : "possible";
      }),
    );
  }
  if (unify(x.raw, y.raw, { caseInsensitive: true }) !== "never") return "possible";
  return hubSpellingsMayMeet(x.raw, y.raw, true) ? "possible" : "never";
}

/** Per reference: host and repository when both are hole-free, each character case-folded as `unify` compares them. */
const literalNames = new WeakMap<TemplateRef, string | null>();

const ASCII = /^[\x00-\x7f]*$/;

/** Upper-cases each UTF-16 unit on its own, as `unify` compares characters; ASCII text in one call. */
function fold(text: string): string {
  return ASCII.test(text) ? text.toUpperCase() : text.split("").map(toUpperSpecial).join("");
}

/**
 * Key of a reference's name when host and repository are both hole-free, else null: two references with
 * different keys never name the same image (`compareRefs` answers `never` for them, whatever their tags).
 */
export function literalNameKey(r: TemplateRef): string | null {
  let key = literalNames.get(r);
  if (key === undefined) {
    const host = r.kind === "split" ? templateLiteral(r.host) : undefined;
    const repository = r.kind === "split" ? templateLiteral(r.repository) : undefined;
    key = host === undefined || repository === undefined ? null : `${fold(host)}\n${fold(repository)}`;
    literalNames.set(r, key);
  }
  return key;
}

/**
 * Keys under which `compareRefs` can answer `definite` only for references with equal keys, null for an opaque
 * reference (any reference may be the same string) or one with a digest (never `definite`). `bucket` is the
 * literal name (case folded; for a name with unknown parts, its text after the last one) and the tag with its
 * unknown parts by source; `scopes` the evaluations of the unknown parts (`Hole.scope`), or null when one is a
 * run's ref name, which `sameHole` matches across scopes by trigger filters.
 */
export function sameStringKeys(r: TemplateRef): { bucket: string; scopes: string | null } | null {
  if (r.kind === "opaque" || r.digest) return null;
  const scopes: string[] = [];
  let loose = false;
  const text = (t: Template, folded: boolean) => {
    let out = "";
    for (const p of t) {
      if ("lit" in p) out += folded ? fold(p.lit) : p.lit;
      else {
        out += `\0${p.hole.source}\0`;
        if (isRefScope(p.hole.scope)) loose = true;
        scopes.push(p.hole.scope ?? "");
      }
    }
    return out;
  };
  // A name with unknown parts keeps its text after the last unknown part: Docker Hub's `docker.io/` and `library/`
  // may be implied before it (`docker.io/${{ x }}` is `docker.io/library/${{ x }}`), never after.
  let name = literalNameKey(r);
  if (name === null) {
    const t = r.kind === "split" ? concat(r.host, "/", r.repository) : r.name;
    let last = t.length - 1;
    while (last >= 0 && !("hole" in t[last])) last--;
    name = `\0${text(t.slice(last + 1), true)}`;
    text(t.slice(0, last + 1), true);
  }
  const bucket = `${name}\n${text(effectiveTag(r.tag), false)}`;
  return { bucket, scopes: loose ? null : scopes.join("\0") };
}

/**
 * Two hole-free names that differ: the references never meet, whatever their tags. Checked (with keys
 * computed once per reference) before the template comparisons below, which answer the same for them
 * at a much higher cost.
 */
function literalNamesDiffer(x: TemplateRef, y: TemplateRef): boolean {
  const a = literalNameKey(x);
  if (a === null) return false;
  const b = literalNameKey(y);
  return b !== null && a !== b;
}

/**
 * Can two references name the same tag? `definite`: always the same (same host, repository and tag
 * after normalisation, or the very same text); `never`: provably different (different literal host,
 * repository or tag, or a digest reference); `possible` otherwise.
 */
export function compareRefs(a: ImageRef | TemplateRef, b: ImageRef | TemplateRef): RefMatch {
  const x = toTemplateRef(a);
  const y = toTemplateRef(b);
  if (x.digest || y.digest) return "never";
  if (literalNamesDiffer(x, y)) return "never";
  if (sameTemplate(x.raw, y.raw)) return "definite";
  if (x.kind === "opaque" || y.kind === "opaque") return compareWhole(x, y);
  const tag = unify(effectiveTag(x.tag), effectiveTag(y.tag));
  if (tag === "never") return "never";
  return all([tag, compareNames(x, y)]);
}

/**
 * The same image name with another tag (and `repoSuffix` appended to the repository, e.g. `-cache`);
 * any digest is dropped.
 */
export function withTag(ref: ImageRef | TemplateRef, tag: string, repoSuffix = ""): TemplateRef {
  const r = toTemplateRef(ref);
  const newTag = lit(tag);
  switch (r.kind) {
    case "split": {
      const repository = concat(r.repository, repoSuffix);
      return finishSplit({ raw: concat(r.host, "/", repository, ":", tag), host: r.host, repository, tag: newTag, digest: null, hadUppercase: false });
    }
    case "name": {
      const name = concat(r.name, repoSuffix);
      return { ...r, kind: "name", name, tag: newTag, digest: null, raw: concat(name, ":", tag) };
    }
    case "opaque": {
      const name = concat(r.digest ? nameBeforeDigest(r.raw) : r.raw, repoSuffix);
      return { kind: "name", name, tag: newTag, digest: null, raw: concat(name, ":", tag), hadUppercase: r.hadUppercase, hasHoles: true, literal: undefined };
    }
  }
}

function nameBeforeDigest(raw: Template): Template {
  const toks = toTokens(raw);
  return fromTokens(toks.slice(0, toks.indexOf("@")));
}

/** Familiar name of a split reference: Docker Hub names without `docker.io/` and `library/`. */
function familiarName(host: Template, repository: Template): Template {
  if (templateLiteral(host) !== DOCKER_HUB) return concat(host, "/", repository);
  const official = stripLiteralPrefix(repository, OFFICIAL);
  return official && !toTokens(official).includes("/") && !holesMayContain(toTokens(official), "/") ? official : repository;
}

/** Formatted references: rules name the same references in many messages and keys. */
const formatted = new WeakMap<ImageRef | TemplateRef, string>();

/**
 * A reference for messages and fixes, in Docker's familiar form with the tag always shown:
 * `app:latest`, `user/app:1.0`, `ghcr.io/o/app:buildcache`; holes as `${{ source }}`.
 */
export function formatRef(ref: ImageRef | TemplateRef): string {
  let text = formatted.get(ref);
  if (text === undefined) {
    text = formatOnce(ref);
    formatted.set(ref, text);
  }
  return text;
}

/**
 * A key equal for two references exactly when they name the same string: the formatted reference plus the
 * evaluation each unknown part comes from (`Hole.scope`), so `${{ steps.meta.outputs.tags }}` of two jobs
 * are two keys although they print alike.
 */
export function refIdentity(ref: ImageRef | TemplateRef): string {
  const r = toTemplateRef(ref);
  // A run's ref name is compared by trigger filters (`sameHole`), not bucketed by them.
  const scopes = r.raw.flatMap((p) => ("hole" in p ? [isRefScope(p.hole.scope) ? "" : (p.hole.scope ?? "")] : []));
  return scopes.some((s) => s !== "") ? `${formatRef(ref)}\0${scopes.join("\0")}` : formatRef(ref);
}

function formatOnce(ref: ImageRef | TemplateRef): string {
  const r = toTemplateRef(ref);
  const suffix = (tag: Template | null, digest: Template | null) =>
    `${tag || !digest ? `:${renderTemplate(effectiveTag(tag))}` : ""}${digest ? `@${renderTemplate(digest)}` : ""}`;
  switch (r.kind) {
    case "split":
      return renderTemplate(familiarName(r.host, r.repository)) + suffix(r.tag, r.digest);
    case "name":
      return renderTemplate(r.name) + suffix(r.tag, r.digest);
    case "opaque":
      return renderTemplate(r.raw);
  }
}
