import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { EventCase } from "../engine/events.js";
import { ignoredAttrs } from "../docker/cache-spec.js";
import type { Edit, Fix, RelatedLocation } from "../report/finding.js";
import { sameTemplate, templateKey } from "../workflow/expr/unify.js";
import { renderTemplate, type Template, templateLiteral } from "../workflow/expr/value.js";
import { buildSource, buildTarget, cacheRefKind, collisionSentence, loneSentence, pairGuards, conditionSentences, distinguisher, exclusive, firstByKey, groupPartners, listPhrase, mayShareRef, partnerLocations, runKey, runnerKey, siteSubject, sourceText, spanWithin, stepGuard, validEntries, writerSite } from "../rule-kit/cache-writers.js";
import type { Project } from "../engine/project.js";
import { differences, signature, type Signature, signatureKey } from "../rule-kit/build-signature.js";
import { ghaEntryDropped } from "../rule-kit/gha-runtime.js";
import { defineRule } from "../rule-kit/rule.js";
import { appendTo, spanKey } from "../rule-kit/util.js";
import { comparisons } from "../rule-kit/comparisons.js";

/** The scope BuildKit uses when `scope=` is not set (moby/buildkit `cache/remotecache/gha`). */
const DEFAULT_SCOPE = "buildkit";

interface Writer {
  build: BuildInvocation;
  cache: CacheItem;
  scope: Template;
  /** `templateKey` of the scope: writers overlap only when their scope templates are the same tokens. */
  scopeKey: string;
  site: string;
  /** The same site in another matrix leg. */
  siteWithoutLeg: string;
  run: string;
  /** The cache line (`spanKey`): writers of one line share a finding. */
  line: string;
  /** `buildSource` and `buildTarget` of the build. */
  source: string;
  target: string;
  /** `stepGuard` of the writer's step. */
  guards: string[];
  /** What the build makes (`signature`): matrix legs that build the same thing write the same cache. */
  signature: string;
  /** The signature with the identity of unknown values: equal only for builds shown to build the same image. */
  identity: string;
  sig: Signature;
  /** One evaluation of the cache line: the site (its calls and matrix leg) in one run. */
  evaluation: string;
}

function scopeOf(c: CacheItem): Template {
  return c.entry.attrs.scope ?? [{ lit: DEFAULT_SCOPE }];
}

function writersOf(project: Project, builds: BuildInvocation[]): Writer[] {
  return builds.flatMap((build) =>
    validEntries(build.cacheTo)
      // An export buildx drops for want of the runtime variables writes nothing (gha-cache-needs-runtime says so).
      .filter((c) => c.entry.type === "gha" && !ghaEntryDropped(project, build, c))
      .map((cache): Writer => {
        const scope = scopeOf(cache);
        const siteWithoutLeg = writerSite(build, cache.item, false);
        const site = writerSite(build, cache.item);
        const run = runKey(build.visit);
        const sig = signature(build);
        return {
          build,
          cache,
          scope,
          scopeKey: templateKey(scope),
          site,
          siteWithoutLeg,
          run,
          line: spanKey(cache.item.span),
          source: buildSource(build),
          target: buildTarget(build),
          guards: stepGuard({ build, siteWithoutLeg }),
          signature: signatureKey(sig),
          identity: signatureKey(sig, true),
          sig,
          evaluation: `${site}|${run}`,
        };
      }),
  );
}

type Overlap = "definite" | "possible";

const BY_HAND = "one of the workflows is dispatched by hand on a branch the other one also runs on";

/** A writer of a reusable workflow (`on: workflow_call` only) evaluated on its own: no workflow of the repository calls it. */
function calledFromElsewhere(w: Writer): boolean {
  const triggers = w.build.visit.workflow.triggers;
  return triggers.length > 0 && triggers.every((t) => t.event === "workflow_call");
}

/** Writers of two workflows, one of them run by hand: they share a ref only when someone dispatches both on it. */
function dispatchedByHand(a: Writer, b: Writer): boolean {
  return a.run !== b.run && [a, b].some((w) => w.build.visit.event.eventName === "workflow_dispatch");
}

/**
 * Whether two writers of the same scope (equal `scopeKey`: their scopes unify `definite`ly) overwrite each
 * other's cache: same branch, and not on purpose.
 */
function overlap(a: Writer, b: Writer): Overlap | undefined {
  if (a.site === b.site || exclusive(a.build.visit, b.build.visit)) return undefined;
  // Matrix legs that differ only in values the build does not read export the same cache: nothing is lost.
  if (a.siteWithoutLeg === b.siteWithoutLeg && a.run === b.run && a.signature === b.signature) return undefined;
  // Different stages of one Dockerfile and context, built in one run, are one image's cache on purpose.
  if (a.run === b.run) return a.source === b.source && a.target !== b.target ? undefined : "definite";
  // A reusable workflow no workflow here calls runs only for callers in other repositories, in their cache.
  if (calledFromElsewhere(a) || calledFromElsewhere(b)) return undefined;
  const ea = a.build.visit.event;
  const eb = b.build.visit.event;
  // Runs of other workflows share the branch's cache; that matters when they build something else.
  if (!mayShareRef(ea, eb) || a.source === b.source) return undefined;
  if (dispatchedByHand(a, b)) return "possible";
  const sameTrigger = ea.ref !== undefined ? ea.ref === eb.ref : eb.ref === undefined && ea.eventName === eb.eventName;
  return sameTrigger ? "definite" : "possible";
}

/** Positions of writers in one list. */
type Positions = number[];

/**
 * The writers of one scope, indexed so that a writer is compared only with those `overlap` may pair it with: the
 * writers of its run, and those of other runs that may run on its Git ref (`mayShareRef`: the same kind of ref,
 * the same ref or an unknown one) and build something else.
 */
class ScopeIndex {
  readonly writers: Writer[] = [];
  private readonly byRun = new Map<string, Positions>();
  /** By ref kind, then by ref ({@link ANY_REF} for writers of any ref of the kind). */
  private readonly byRef = new Map<string, Map<string, Positions>>();
  private readonly byKind = new Map<string, Positions>();
  /** `partners` answers by run and source (the run gives the event), computed once all writers are added. */
  private readonly found = new Map<string, Writer[]>();

  add(w: Writer): void {
    const i = this.writers.push(w) - 1;
    const e = w.build.visit.event;
    appendTo(this.byRun, w.run, i);
    appendTo(this.byKind, cacheRefKind(e), i);
    const refs = this.byRef.get(cacheRefKind(e)) ?? new Map<string, Positions>();
    this.byRef.set(cacheRefKind(e), refs);
    appendTo(refs, e.ref ?? ANY_REF, i);
  }

  /** The writers `overlap(a, b)` may answer for, in the order they were added; the same list for every writer of one run and source. */
  partners(a: Writer): Writer[] {
    const e = a.build.visit.event;
    const key = `${a.run}\n${a.source}`;
    const cached = this.found.get(key);
    if (cached) return cached;
    const refs = this.byRef.get(cacheRefKind(e));
    const otherRuns = e.ref === undefined ? (this.byKind.get(cacheRefKind(e)) ?? []) : [...(refs?.get(e.ref) ?? []), ...(refs?.get(ANY_REF) ?? [])];
    const positions = new Set<number>(this.byRun.get(a.run));
    for (const i of otherRuns) if (this.writers[i].source !== a.source) positions.add(i);
    const found = [...positions].sort((x, y) => x - y).map((i) => this.writers[i]);
    this.found.set(key, found);
    return found;
  }
}

const ANY_REF = "\0any";


interface Partner {
  writer: Writer;
  /** The writer of the finding's line that met this partner first: in a matrix, the one of the partner's leg. */
  by: Writer;
  /** Met by an evaluation of the line in the partner's own run (not only from other runs on the branch). */
  inRun: boolean;
  overlap: Overlap;
  conds: Map<string, string[]>;
  guards: Set<string>;
}

interface Shared {
  writer: Writer;
  /**
   * Each partner with its overlap, and the branch conditions (by key, in the order found) and `if:` conditions of
   * its pairs at that overlap: a possible pair (runs that meet only by hand) says nothing once a definite one (the
   * same run) is found.
   */
  partners: Map<string, Partner>;
  /**
   * The writer's evaluations (`Writer.evaluation`) in which a partner is sure to overwrite it: a definite overlap
   * with no branch or `if:` condition between them. Other partners, met only sometimes, do not make that less sure.
   */
  sureIn: Set<string>;
  /** The line's evaluation keys (line and bake target) whose writers met a partner. */
  met: Set<string>;
}


/** A scope as messages name it; an empty one (a bake variable without a default) is shown as "" rather than nothing. */
function scopeName(w: Writer): string {
  const text = renderTemplate(w.scope);
  return text.trim() === "" ? `"${text}" (empty)` : text;
}

function scopeText(w: Writer): string {
  if (w.cache.entry.attrs.scope) return `scope ${scopeName(w)}`;
  // `type=gha, scope=x` writes the name with its space: a scope is written, but not one BuildKit reads.
  const spaced = Object.keys(w.cache.entry.attrs).some((k) => k.trim() === "scope");
  return `the default scope ${DEFAULT_SCOPE} (${spaced ? "no scope= BuildKit reads is set" : "no scope= is set"})`;
}

/** Rewrites a literal gha line to the new scope; undefined when the line is not plain text. */
function scopeEdit(c: CacheItem, newScope: string): Edit | undefined {
  if (c.item.derived || templateLiteral(c.entry.raw) === undefined) return undefined;
  const text = sourceText(c.item);
  if (text === undefined || text.trim() !== text) return undefined;
  const old = c.entry.attrs.scope && templateLiteral(c.entry.attrs.scope);
  if (c.entry.attrs.scope && old === undefined) return undefined;
  if (old === undefined) {
    // Attributes the gha backend ignores go: they only suggest a separation that does not happen.
    const ignored = ignoredAttrs(c.entry);
    const fields = text.includes('"') ? [text] : text.split(",").filter((f) => !ignored.includes(f.split("=")[0].toLowerCase()));
    return { span: c.item.span, text: [...fields, `scope=${newScope}`].join(",") };
  }
  const span = spanWithin(c.item, `scope=${old}`);
  return span && { span, text: `scope=${newScope}` };
}

/**
 * Every partner builds what the line's writer that met it builds (`signature`), in the same run: the writers export
 * the same cache. In a matrix each leg's evaluation of the line is compared with the partners of that leg.
 */
function sameImage(f: Shared): boolean {
  return [...f.partners.values()].every((p) => p.writer.run === p.by.run && p.writer.identity === p.by.identity);
}

/** The line's writers with the partners each met: one group per matrix leg and run of the line. */
function groups(f: Shared): Writer[][] {
  const by = new Map<Writer, Writer[]>();
  for (const p of f.partners.values()) appendTo(by, p.by, p.writer);
  return [...by].map(([w, partners]) => [w, ...partners]);
}

/** The platforms a build builds, when they are all written out (the runner's when none is given); undefined otherwise. */
function platformSet(w: Writer): Set<string> | undefined {
  const text = w.sig.platforms?.replace(/ from the runner$/, "");
  if (!text || text.includes("${{")) return undefined;
  return new Set(text.split(",").map((p) => p.trim()));
}

/**
 * How the writers of a finding differ when they build one image in one run, only for different platforms: `covered` when
 * they are steps of one job and the last one builds every platform the earlier ones build (its export, made last, holds
 * their layers too), `unknown` when a platform list is not known; undefined when they differ in more than platforms.
 */
function platformsOnly(f: Shared): "covered" | "unknown" | "other" | undefined {
  if (sameImage(f)) return undefined;
  const each = groups(f).map(groupPlatforms);
  if (each.some((r) => r === undefined)) return undefined;
  if (each.includes("other")) return "other";
  return each.includes("unknown") ? "unknown" : "covered";
}

/** `platformsOnly` for one writer (first) and the partners it met; "covered" too when they all build the same image. */
function groupPlatforms(writers: Writer[]): "covered" | "unknown" | "other" | undefined {
  const [first] = writers;
  if (!writers.every((w) => w.run === first.run && differences(w.sig, first.sig).every((d) => d === "platforms"))) return undefined;
  if (writers.every((w) => w.identity === first.identity)) return "covered";
  const sets = writers.map(platformSet);
  if (sets.some((x) => x === undefined)) return "unknown";
  const job = (w: Writer) => `${runnerKey(w.build.visit)}|${w.build.visit.calls.map((c) => spanKey(c.span)).join(">")}|${w.build.visit.file}`;
  if (!writers.every((w) => job(w) === job(first))) return "other";
  const last = writers.reduce((a, b) => (b.build.visit.step.index > a.build.visit.step.index ? b : a));
  const covers = sets[writers.indexOf(last)] as Set<string>;
  return sets.every((x) => [...(x as Set<string>)].every((p) => covers.has(p))) ? "covered" : "other";
}

function fixFor(f: Shared): Fix {
  const platforms = platformsOnly(f);
  if (platforms === "covered") {
    return { title: "keep cache-to on the last build only: it builds every platform the earlier builds build, so its export holds their layers", edits: [], safe: false };
  }
  if (platforms === "unknown") {
    return {
      title: "keep cache-to on the last build only when it builds every platform the others build; otherwise give each build its own scope, set the same way in cache-from and cache-to",
      edits: [],
      safe: false,
    };
  }
  if (sameImage(f)) {
    // A build that only loads the image (to test it before the push) and the build that pushes it: the usual
    // test-before-push; the pushing build reads the first one's layers, so one export is enough.
    const writers = [f.writer, ...[...f.partners.values()].map((p) => p.writer)];
    const title = writers.some((w) => w.build.push !== true) && writers.some((w) => w.build.push === true)
      ? "keep cache-to on one of the builds only: the later build reads the first one's layers from the scope (cache-from) or the builder"
      : "build the image once and push that build to every registry (all its tags on one build, or docker push of the loaded image), or keep cache-to on one of the builds only";
    return { title, edits: [], safe: false };
  }
  const partners = [...f.partners.values()].map((p) => p.writer);
  const d = distinguisher(f.writer, partners);
  const title =
    "give each writer its own scope, set the same way in cache-from and cache-to (named after the image and the matrix value that tells the writers apart), " +
    "or keep cache-to on one of the builds only";
  if (d === undefined) return { title, edits: [], safe: false };
  const old = f.writer.cache.entry.attrs.scope && templateLiteral(f.writer.cache.entry.attrs.scope);
  const newScope = old ? `${old}-${d}` : d;
  const own = scopeEdit(f.writer.cache, newScope);
  if (!own) return { title, edits: [], safe: false };
  const reads = validEntries(f.writer.build.cacheFrom).filter(
    (c) => c.entry.type === "gha" && sameTemplate(scopeOf(c), f.writer.scope),
  );
  const edits = [own, ...reads.map((c) => scopeEdit(c, newScope))];
  if (edits.some((e) => e === undefined)) return { title, edits: [], safe: false };
  const unique = firstByKey(edits as Edit[], (e) => spanKey(e.span));
  const ignored = ignoredAttrs(f.writer.cache.entry);
  const drop = ignored.length && !f.writer.cache.entry.attrs.scope ? ` and drop the ignored ${ignoredPhrase(ignored)}` : "";
  return { title: `use scope=${newScope} in cache-to and cache-from of this build${drop}`, edits: unique, safe: true };
}

/**
 * Attribute names as the message shows them: `ref=`; a name with a space around it quoted, since buildx keeps the
 * space in the name (`type=gha, scope=x` sets " scope", which the gha backend does not read).
 */
function ignoredPhrase(names: string[]): string {
  return listPhrase(names.map((a) => (a.trim() === a ? `${a}=` : `"${a}=" (the space is part of the name)`)));
}

/** What sharing the scope costs the writers. */
function story(f: Shared): string {
  if (sameImage(f)) {
    return "They build the same image from the same inputs, so each export replaces the scope's cache with the same layers: the repeated build and export only cost time.";
  }
  const cold = "A scope holds one cache per branch and each export replaces it, so only the last writer's cache survives and the other builds start cold.";
  switch (platformsOnly(f)) {
    case "covered":
      return "They build the same image, and the last of them builds every platform the earlier ones build, so its export, made last, holds their layers too: the earlier exports only cost time.";
    case "unknown":
      return "A scope holds one cache per branch and each export replaces it. The builds differ only in platforms: if the last one builds every platform the others build (an input's default, for example), its export holds their layers too and the earlier exports only cost time; otherwise the builds of the platforms it lacks start cold.";
    default:
      return cold;
  }
}

function describe(f: Shared, evaluations: Map<string, EventCase>): { message: string; related: RelatedLocation[]; definite: boolean } {
  const { writer } = f;
  const partners = [...f.partners.values()];
  const inRun = new Set(partners.filter((p) => p.inRun).map((p) => p.writer));
  const g = groupPartners(
    writer,
    partners.map((p) => p.writer),
    (w) => inRun.has(w),
  );
  const parts = [
    collisionSentence(`the GitHub Actions cache to ${scopeText(writer)}`, g, {
      sameRun: ["another build in the same run", "other builds in the same run"],
      otherRuns: ["a build of another image in a workflow that runs on the same branch", "builds of other images in workflows that run on the same branch"],
    }),
    story(f),
  ];
  if ([writer, ...partners.map((p) => p.writer)].some((w) => w.build.visit.event.eventName === "pull_request_target")) {
    parts.push("A pull_request_target run builds on the base branch, so its export lands in that branch's cache.");
  }
  const ignored = ignoredAttrs(writer.cache.entry);
  if (ignored.length) {
    parts.push(
      `BuildKit ignores ${ignoredPhrase(ignored)} on type=gha caches, so ${ignored.length > 1 ? "they do" : "it does"} not keep this cache apart from the others.`,
    );
  }
  parts.push("Builds sharing a scope have also been reported to serve stale COPY layers (unconfirmed upstream).");
  // Definite when every evaluation that runs the line has a partner sure to overwrite it (a pull request's run
  // writes its own cache); the conditions of the other pairs then change nothing.
  const lone = loneSentence(evaluations, f.sureIn);
  const definite = lone === undefined;
  if (!definite) {
    const condSets = [...new Map(partners.flatMap((p) => [...p.conds])).values()];
    parts.push(...conditionSentences(condSets, new Set(partners.flatMap((p) => [...p.guards]))));
    if (f.sureIn.size) parts.push(lone);
  }
  const related = partnerLocations(g, (w) => `also exports to scope ${scopeName(w)}`);
  return { message: parts.join(" "), related, definite };
}

export default defineRule({
  meta: {
    id: "gha-cache-scope-shared",
    severity: "info",
    description: "Several builds export the GitHub Actions cache to one scope and overwrite each other",
    fixable: "suggestion",
  },
  check(ctx) {
    const writers = writersOf(ctx.project, ctx.builds);
    // Bucketed by scope key: only writers with identical scope templates can overlap.
    const byScope = new Map<string, ScopeIndex>();
    /**
     * Per cache line and bake target, the evaluations that run it and their event cases: a bake step's line is
     * written once for several targets, and a target that meets no other writer is not part of the finding.
     */
    const evaluations = new Map<string, Map<string, EventCase>>();
    const evaluationKey = (w: Writer) => `${w.line}|${w.build.bakeTarget ?? ""}`;
    for (const w of writers) {
      evaluations.set(evaluationKey(w), (evaluations.get(evaluationKey(w)) ?? new Map()).set(w.evaluation, w.build.visit.event));
      const index = byScope.get(w.scopeKey) ?? new ScopeIndex();
      byScope.set(w.scopeKey, index);
      index.add(w);
    }
    const findings = new Map<string, Shared>();
    for (const a of writers) {
      let f: Shared | undefined;
      for (const b of (byScope.get(a.scopeKey) as ScopeIndex).partners(a)) {
        comparisons.pairs++;
        const o = overlap(a, b);
        if (!o) continue;
        if (!f) {
          f = findings.get(a.line) ?? { writer: a, partners: new Map(), sureIn: new Set(), met: new Set() };
          findings.set(a.line, f);
        }
        f.met.add(evaluationKey(a));
        const prev = f.partners.get(b.site);
        if (!prev || (prev.overlap === "possible" && o === "definite")) f.partners.set(b.site, { writer: b, by: a, inRun: false, overlap: o, conds: new Map(), guards: new Set() });
        const partner = f.partners.get(b.site) as Partner;
        if (a.run === b.run) partner.inRun = true;
        if (partner.overlap === o) {
          // Workflows that meet only when one is dispatched by hand: say so, like a branch condition.
          const ca = dispatchedByHand(a, b) ? [...a.cache.item.conds, BY_HAND] : a.cache.item.conds;
          const cb = b.cache.item.conds;
          const condKey = ca.length + cb.length ? JSON.stringify([ca, cb]) : "";
          if (!partner.conds.has(condKey)) partner.conds.set(condKey, [...ca, ...cb]);
          const guards = pairGuards(a, b);
          for (const g of guards) partner.guards.add(g);
          if (o === "definite" && condKey === "" && guards.length === 0) f.sureIn.add(a.evaluation);
        }
      }
    }
    for (const f of findings.values()) {
      const met = new Map([...f.met].flatMap((key) => [...(evaluations.get(key) as Map<string, EventCase>)]));
      const { message, related, definite } = describe(f, met);
      const primary = f.writer.cache.item.span;
      ctx.report({
        message,
        primary,
        subject: `${siteSubject(f.writer.build.visit)}|${renderTemplate(f.writer.scope)}`,
        confidence: definite ? "definite" : "possible",
        related,
        hidden: [f.writer.build.visit.step.span],
        fix: fixFor(f),
      });
    }
  },
});
