import { isAction } from "../builds/extract.js";
import type { BuildInvocation } from "../builds/invocation.js";
import { booleanInput, type Item } from "../builds/items.js";
import { formatRef, parseImageRefTemplate, type RefMatch, type TemplateRef } from "../docker/image-ref.js";
import { concat, fromTokens, holeMayContain, isHoleTok, toTokens } from "../docker/template-tokens.js";
import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import type { Fix, RelatedLocation } from "../report/finding.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { sameTemplate, unify } from "../workflow/expr/unify.js";
import { isLit, renderTemplate, splitTemplate, type Template, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue } from "../workflow/yaml.js";
import { attestations, createsIndex, literalPlatforms, multiPlatform } from "../rule-kit/images.js";
import { defineRule } from "../rule-kit/rule.js";
import { replaceValueEdit } from "../rule-kit/fixes/with-input.js";
import { siteKey, yamlOf } from "../rule-kit/steps.js";
import { actionVersion } from "../rule-kit/action-version.js";
import { describeSite, spanKey, stepSubject } from "../rule-kit/util.js";

const GHCR = "ghcr.io";
/** The hole standing for the repository's name (the package name GHCR links to a repository by default). */
const REPO_NAME: Template = [{ hole: { source: "github.event.repository.name" } }];

/** Which packages a cleanup step touches. */
type Packages = { kind: "any" } | { kind: "names"; names: Template[] } | { kind: "globs"; include: string[]; exclude: string[] };

interface Cleanup {
  visit: StepVisit;
  action: string;
  /** The input that makes it delete untagged versions (or the `uses:` when that is the default). */
  span: Span;
  packages: Packages;
  /** Deleting untagged versions depends on values tagguard cannot know. */
  uncertain: boolean;
  /**
   * The newest untagged versions are spared (`min-versions-to-keep`): the images of the index pushed last may be
   * among them, so a fixed tag (`latest`) is only possibly broken; a tag per run or version keeps older indexes.
   */
  keepsNewest?: boolean;
  fix: Fix;
}

const GENERIC_FIX =
  "clean up with a tool that keeps the manifests of tagged indexes, such as dataaxiom/ghcr-cleanup-action, or push single-platform images without attestations (provenance: false, sbom: false)";

function evaluated(visit: StepVisit, value: ScalarValue): Template[] {
  return visit.evaluate(value.value, value.span).map((a) => toTemplate(a.value));
}

/** Names from a list input: split on commas, whitespace and newlines in literal text. */
function names(visit: StepVisit, value: ScalarValue | undefined): Template[] {
  if (!value) return [];
  return evaluated(visit, value).flatMap((t) => splitTemplate(t, /[\s,]+/).map(trimTemplate).filter((n) => n.length > 0));
}

function flag(visit: StepVisit, value: ScalarValue | undefined, fallback: boolean): boolean | undefined {
  return value ? booleanInput(visit.evaluate(value.value, value.span)) : fallback;
}

/** The fix for snok/container-retention-policy v3.0 (and a floating v3): v3.1.0 keeps the children of kept indexes. */
const SNOK_UPGRADE = "use snok/container-retention-policy v3.1.0 or later, which keeps the images of the tagged indexes it retains (snok#131)";

function byNames(list: Template[]): Packages {
  return list.length ? { kind: "names", names: list } : { kind: "any" };
}

/** Reads one step as an untagged-version cleanup of GHCR packages; undefined for any other step. */
function cleanupOf(project: Project, visit: StepVisit): Cleanup | undefined {
  const uses = visit.step.uses;
  if (!uses) return undefined;
  const w = visit.step.with;
  const base = { visit, span: uses.span, uncertain: false, fix: { title: GENERIC_FIX, edits: [], safe: false } };
  if (isAction(uses.value, "actions/delete-package-versions")) {
    const untagged = w.get("delete-only-untagged-versions");
    const on = flag(visit, untagged, false);
    const type = w.get("package-type");
    const typeText = type && templateLiteral(evaluated(visit, type)[0] ?? [])?.trim();
    const pkg = names(visit, w.get("package-name"));
    if (on === false || !untagged || pkg.length === 0 || (typeText !== undefined && typeText !== "container")) return undefined;
    const keep = w.get("min-versions-to-keep");
    const kept = keep ? templateLiteral(evaluated(visit, keep)[0] ?? [])?.trim() : "0";
    return { ...base, action: "actions/delete-package-versions", span: untagged.span, packages: byNames(pkg), uncertain: on === undefined, keepsNewest: kept === undefined || Number(kept) > 0 };
  }
  if (isAction(uses.value, "snok/container-retention-policy")) {
    const skipShas = w.get("skip-shas");
    if (skipShas && skipShas.value.trim() !== "") return undefined;
    // From v3.1.0 on the action keeps every manifest a retained tagged index lists; @main has it too.
    const ref = uses.value.slice(uses.value.indexOf("@") + 1);
    const [v, minor] = actionVersion(project, visit.step) ?? [];
    if (/^(main|master)$/.test(ref) || (v !== undefined && (v > 3 || (v === 3 && (minor ?? 0) >= 1)))) return undefined;
    // `@v3` is whichever v3 release the tag points to: 3.0 deletes them, 3.1 keeps them; a commit without a version
    // comment may be any release.
    const floating = (v === 3 && minor === undefined) || v === undefined;
    const legacy = (v ?? 3) < 3;
    const selector = legacy ? w.get("untagged-only") : w.get("tag-selection");
    let uncertain = floating;
    // v3's dry-run only lists what it would delete; a dry run chosen at run time (a dispatch input) may delete.
    const dryRun = legacy ? false : flag(visit, w.get("dry-run"), false);
    if (dryRun === true) return undefined;
    uncertain ||= dryRun === undefined;
    if (legacy) {
      const on = flag(visit, selector, false);
      if (on === false) return undefined;
      uncertain = on === undefined;
    } else if (selector) {
      const values = evaluated(visit, selector).map((t) => templateLiteral(t)?.trim().toLowerCase());
      if (values.every((x) => x === "tagged")) return undefined;
      uncertain ||= values.some((x) => x !== "untagged" && x !== "both");
    }
    const include: string[] = [];
    const exclude: string[] = [];
    const written = names(visit, w.get("image-names"));
    if (written.some((n) => templateLiteral(n) === undefined)) {
      return { ...base, action: "snok/container-retention-policy", span: selector?.span ?? uses.span, packages: byNames(written), uncertain };
    }
    for (const n of written.map((t) => templateLiteral(t) as string)) (n.startsWith("!") ? exclude : include).push(n.replace(/^!/, ""));
    return {
      ...base,
      action: "snok/container-retention-policy",
      span: selector?.span ?? uses.span,
      packages: { kind: "globs", include: include.length ? include : ["*"], exclude },
      uncertain,
      fix: {
        title: legacy
          ? `list the digests of the images inside tagged indexes in skip-shas (as the action's README describes for multi-platform packages), or ${GENERIC_FIX}`
          : `${SNOK_UPGRADE}; or list the digests of the images inside tagged indexes in skip-shas`,
        edits: [],
        safe: false,
      },
    };
  }
  if (isAction(uses.value, "camargo/delete-untagged-action")) {
    const pkg = names(visit, w.get("package-name"));
    const repo = w.get("repository");
    const repoName = repo ? evaluated(visit, repo).map((t) => repoPart(t)) : [REPO_NAME];
    const packages: Packages = pkg.length ? byNames(pkg) : repoName.every((t) => t !== undefined) ? byNames(repoName as Template[]) : { kind: "any" };
    return { ...base, action: "camargo/delete-untagged-action", packages };
  }
  if (isAction(uses.value, "chizkiyahu/delete-untagged-ghcr-action")) {
    const untaggedOnly = flag(visit, w.get("untagged_only"), true);
    const except = w.get("except_untagged_multiplatform");
    const protects = flag(visit, except, true);
    const major = actionVersion(project, visit.step)?.[0];
    const unprotected = major === 1 || protects === false;
    if (untaggedOnly === false || (!unprotected && protects !== undefined)) return undefined;
    const y = yamlOf(project, visit.step.span.file);
    const edit = except && y ? replaceValueEdit(y, except, "true") : undefined;
    return {
      ...base,
      action: "Chizkiyahu/delete-untagged-ghcr-action",
      span: except?.span ?? w.get("untagged_only")?.span ?? uses.span,
      packages: byNames(names(visit, w.get("package_name"))),
      uncertain: untaggedOnly === undefined || protects === undefined,
      fix:
        major === 1
          ? { title: "upgrade to a release with except_untagged_multiplatform and leave it on, so the images inside tagged indexes are kept", edits: [], safe: false }
          : { title: "set except_untagged_multiplatform: true (the default), so the images inside tagged indexes are kept", edits: edit ? [edit] : [], safe: edit !== undefined },
    };
  }
  if (isAction(uses.value, "vlaurin/action-ghcr-prune")) {
    const input = w.get("prune-untagged") ?? w.get("untagged");
    const on = flag(visit, input, false);
    const pkg = names(visit, w.get("container"));
    if (!input || on === false || pkg.length === 0) return undefined;
    return { ...base, action: "vlaurin/action-ghcr-prune", span: input.span, packages: byNames(pkg), uncertain: on === undefined };
  }
  return undefined;
}

/** The part after the owner in `owner/name`, or undefined when the boundary is not in literal text. */
function repoPart(t: Template): Template | undefined {
  const toks = toTokens(t);
  const slash = toks.indexOf("/");
  if (slash < 0 || toks.slice(0, slash).some((tok) => isHoleTok(tok) && holeMayContain(tok, "/"))) return undefined;
  return fromTokens(toks.slice(slash + 1));
}

/** The GHCR package a reference pushes to: the path after the owner; undefined when it cannot be told. */
function ghcrPackage(ref: TemplateRef): { host: RefMatch; name: Template | undefined } {
  if (ref.kind !== "split") return { host: "possible", name: undefined };
  const host = unify(ref.host, [{ lit: GHCR }], { caseInsensitive: true });
  const toks = toTokens(ref.repository);
  const first = toks[0];
  if (first !== undefined && isHoleTok(first) && first.source === "github.repository") return { host, name: concat(REPO_NAME, fromTokens(toks.slice(1))) };
  return { host, name: repoPart(ref.repository) };
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
}

/**
 * Does a cleanup of `packages` reach the package `name`? A push whose package cannot be told at all (the
 * reference is a value tagguard does not know, such as another step's output) reaches only a cleanup of every
 * package: against packages the cleanup names it could collide only by chance, and tagguard does not report chance.
 */
function packageMatch(packages: Packages, name: Template | undefined): RefMatch {
  if (packages.kind === "any") return "definite";
  if (name === undefined) return packages.kind === "globs" && packages.include.includes("*") ? (packages.exclude.length ? "possible" : "definite") : "never";
  if (packages.kind === "names") {
    const verdicts = packages.names.map((n) => unify(n, name, { caseInsensitive: true }));
    return verdicts.includes("definite") ? "definite" : verdicts.includes("possible") ? "possible" : "never";
  }
  const literal = templateLiteral(name);
  if (literal === undefined) return "possible";
  const hit = packages.include.some((p) => glob(p).test(literal)) && !packages.exclude.some((p) => glob(p).test(literal));
  return hit ? "definite" : "never";
}

/** Why a build's pushes are image indexes; undefined when they are plain image manifests. */
function indexReason(project: Project, build: BuildInvocation): { reason: string; definite: boolean } | undefined {
  if (multiPlatform(build)) return { reason: `multi-platform: ${(literalPlatforms(build) as string[]).join(",")}`, definite: true };
  if (createsIndex(project, build)) return { reason: "docker buildx imagetools create writes an index", definite: true };
  if (build.byDigest === true) return { reason: "pushed by digest to be listed in an index, so it is untagged", definite: true };
  const att = attestations(build, project);
  if (att.state === "off") return undefined;
  return { reason: `attestations: ${att.reason}`, definite: att.state === "on" };
}

interface Hit {
  item: Item;
  refs: Set<string>;
  reason: string;
  site: string;
  /** The push is an untagged image meant for an index, not the index itself. */
  byDigest: boolean;
}

function listOf(items: string[]): string {
  const shown = items.length > 3 ? [...items.slice(0, 3), `${items.length - 3} more`] : items;
  return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

function describePackages(packages: Packages): string {
  if (packages.kind === "any") return "every package it can reach";
  if (packages.kind === "globs") return `the packages matching ${listOf(packages.include)}${packages.exclude.length ? ` except ${listOf(packages.exclude)}` : ""}`;
  const names = packages.names.map((n) => (sameTemplate(n, REPO_NAME) ? "named after the repository" : renderTemplate(n)));
  return names.length === 1 ? `the package ${names[0]}` : `the packages ${listOf(names)}`;
}

export default defineRule({
  meta: {
    id: "untagged-cleanup-breaks-index",
    severity: "error",
    description: "A cleanup of untagged GHCR versions deletes the images inside multi-platform or attested image indexes",
    fixable: "suggestion",
  },
  check(ctx) {
    const cleanups = new Map<string, Cleanup>();
    for (const visit of ctx.visits) {
      const key = siteKey(visit);
      if (cleanups.has(key)) continue;
      const c = cleanupOf(ctx.project, visit);
      if (c) cleanups.set(key, c);
    }
    for (const cleanup of cleanups.values()) {
      const hits = new Map<string, Hit>();
      let definite = false;
      for (const build of ctx.builds) {
        if (build.push === false) continue;
        const index = indexReason(ctx.project, build);
        if (!index) continue;
        const byDigest = build.byDigest === true;
        for (const item of build.tags) {
          const ref = parseImageRefTemplate(item.value);
          if (!ref || ref.digest) continue;
          const pkg = ghcrPackage(ref);
          const match = pkg.host === "never" ? "never" : packageMatch(cleanup.packages, pkg.name);
          if (match === "never") continue;
          const key = spanKey(item.span);
          const hit = hits.get(key) ?? { item, refs: new Set(), reason: index.reason, site: describeSite(build.visit), byDigest };
          hits.set(key, hit.refs.add(byDigest ? `${renderTemplate(ref.raw)}@<digest>` : formatRef(ref)) && hit);
          // A tag that differs per run (a version, a commit) keeps an older index, whose images are not the newest.
          const perRun = ref.kind !== "split" || ref.tag === null ? ref.hasHoles : ref.tag.some((p) => !isLit(p));
          definite ||= match === "definite" && pkg.host === "definite" && index.definite && build.push === true && !cleanup.uncertain && (!cleanup.keepsNewest || perRun);
        }
      }
      if (hits.size === 0) continue;
      const refs = [...new Set([...hits.values()].flatMap((h) => [...h.refs]))].sort();
      const packages = describePackages(cleanup.packages);
      ctx.report({
        message:
          `${cleanup.action} deletes the untagged versions of ${packages}, and this repository pushes image indexes there (${listOf(refs)}). ` +
          "On GHCR the per-platform images and attestation manifests an index lists are untagged package versions, so the cleanup deletes them " +
          'and pulling the tag then fails with "manifest unknown".',
        primary: cleanup.span,
        subject: `${stepSubject(cleanup.visit)}|${cleanup.action}`,
        confidence: definite ? "definite" : "possible",
        related: [...hits.values()].map(
          (h): RelatedLocation => {
            const pushed = [...h.refs].sort();
            const what = h.byDigest ? "pushed untagged, for an index," : "pushed as an image index";
            return { span: h.item.span, message: `${listOf(pushed)} ${pushed.length === 1 ? "is" : "are"} ${what} here (${h.reason}; ${h.site})` };
          },
        ),
        hidden: [cleanup.visit.step.span],
        fix: cleanup.fix,
      });
    }
  },
});
