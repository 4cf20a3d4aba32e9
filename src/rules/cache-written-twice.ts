import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { EventCase } from "../engine/events.js";
import { CACHE_TAG, registryCacheRef } from "../docker/cache-spec.js";
import { compareRefs, formatRef, parseImageRefTemplate, type TemplateRef } from "../docker/image-ref.js";
import type { Edit, Fix, RelatedLocation } from "../report/finding.js";
import { RefIndex } from "../docker/ref-index.js";
import { sameTemplate, templateKey } from "../workflow/expr/unify.js";
import { isLit, renderTemplate, type Template, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import { buildSource, buildTarget, collisionSentence, conditionSentences, distinguisher, loneSentence, pairGuards, exclusive, groupPartners, overwritesPush, partnerLocations, pushedRefs, runKey, runnerKey, siteSubject, spanWithin, stepGuard, validEntries, writerSite } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { spanKey } from "../rule-kit/util.js";
import { comparisons } from "../rule-kit/comparisons.js";
import { isAction } from "../builds/extract.js";
import type { Project } from "../engine/project.js";
import { precedingSteps } from "../rule-kit/steps.js";
import { signature, signatureKey } from "../rule-kit/build-signature.js";
import type { Step } from "../workflow/model.js";

const IMPACT =
  'A cache location holds one cache ("No location can be written to twice, without overwriting the previously cached data"): ' +
  "each export replaces the previous one, so only the last writer's cache survives and the other build starts cold on every run.";

type Location = { kind: "registry"; ref: TemplateRef } | { kind: "local"; dest: Template };

interface Writer {
  build: BuildInvocation;
  cache: CacheItem;
  location: Location;
  site: string;
  siteWithoutLeg: string;
  run: string;
  /** Where writers can meet: one run for registry refs, one runner for local directories. */
  domain: string;
}

/** A local path with `./` prefixes, repeated and trailing slashes removed from its literal text. */
function normalisePath(t: Template): Template {
  const parts = trimTemplate(t).map((p) => (isLit(p) ? { lit: p.lit.replace(/\/{2,}/g, "/") } : p));
  const first = parts[0];
  if (first && isLit(first)) parts[0] = { lit: first.lit.replace(/^(\.\/)+/, "") };
  const last = parts[parts.length - 1];
  if (last && isLit(last) && last.lit.length > 1) parts[parts.length - 1] = { lit: last.lit.replace(/\/+$/, "") };
  return parts;
}

function writersOf(builds: BuildInvocation[]): Writer[] {
  const pushes = pushedRefs(builds);
  return builds.flatMap((build) =>
    validEntries(build.cacheTo).flatMap((cache): Writer[] => {
      const site = writerSite(build, cache.item);
      const siteWithoutLeg = writerSite(build, cache.item, false);
      const refTemplate = registryCacheRef(cache.entry);
      if (refTemplate) {
        const ref = parseImageRefTemplate(refTemplate);
        // A cache onto a pushed tag is cache-overwrites-tag's error.
        if (!ref || overwritesPush(ref, pushes)) return [];
        return [{ build, cache, location: { kind: "registry", ref }, site, siteWithoutLeg, run: runKey(build.visit), domain: runKey(build.visit) }];
      }
      const dest = cache.entry.type === "local" ? cache.entry.attrs.dest : undefined;
      if (!dest) return [];
      return [{ build, cache, location: { kind: "local", dest: normalisePath(dest) }, site, siteWithoutLeg, run: runKey(build.visit), domain: runnerKey(build.visit) }];
    }),
  );
}

function sameLocation(a: Location, b: Location): boolean {
  if (a.kind === "registry" && b.kind === "registry") return compareRefs(a.ref, b.ref) === "definite";
  if (a.kind === "local" && b.kind === "local") return sameTemplate(a.dest, b.dest);
  return false;
}

/**
 * The writers that may write `a`'s location, in writer order: only writers of the same domain, and of
 * those the registry writers that may name the same image (`RefIndex`) or the local writers whose directory
 * template is the same (`templateKey`: local directories are the same only when their templates are).
 */
class WriterIndex {
  private readonly registry = new Map<string, RefIndex<Writer>>();
  private readonly local = new Map<string, Map<string, Writer[]>>();

  constructor(writers: Writer[]) {
    const registry = new Map<string, Writer[]>();
    for (const w of writers) {
      if (w.location.kind === "registry") {
        const list = registry.get(w.domain);
        if (list) list.push(w);
        else registry.set(w.domain, [w]);
        continue;
      }
      const byDest = this.local.get(w.domain) ?? new Map<string, Writer[]>();
      this.local.set(w.domain, byDest);
      const key = templateKey(w.location.dest);
      const list = byDest.get(key);
      if (list) list.push(w);
      else byDest.set(key, [w]);
    }
    for (const [domain, list] of registry) {
      this.registry.set(domain, new RefIndex(list, (w) => (w.location as Extract<Location, { kind: "registry" }>).ref));
    }
  }

  candidates(a: Writer): readonly Writer[] {
    if (a.location.kind === "registry") return this.registry.get(a.domain)?.sameString(a.location.ref) ?? [];
    return this.local.get(a.domain)?.get(templateKey(a.location.dest)) ?? [];
  }
}

function locationText(l: Location): string {
  return l.kind === "registry" ? formatRef(l.ref) : renderTemplate(l.dest);
}

interface Twice {
  writer: Writer;
  partners: Map<string, Writer>;
  condSets: string[][];
  /** `if:` conditions of the colliding steps. */
  guards: Set<string>;
  /** The writer's evaluations (`evaluationKey`) that have a partner. */
  met: Set<string>;
  /** Some pair builds different images (`signature`), or meets across runs: an export is lost, not repeated. */
  differ: boolean;
}

const SAME_IMAGE =
  "They build the same image from the same inputs, so each export replaces the cache with the same layers: the repeated build and export only cost time.";

/** One evaluation of a cache line: the site (its calls and matrix leg) in one run. */
function evaluationKey(w: Writer): string {
  return `${w.site}|${w.run}`;
}



/** The `ref=` attribute of a literal registry cache line, as an edit to `newRef`. */
function refEdit(c: CacheItem, newRef: string): Edit | undefined {
  const ref = registryCacheRef(c.entry);
  const written = ref && templateLiteral(ref);
  const span = written && !c.item.derived ? spanWithin(c.item, `ref=${written}`) : undefined;
  return span && { span, text: `ref=${newRef}` };
}

/**
 * The same ref with a per-target or per-leg tag, in cache-to and in the cache-from lines of the build
 * that read the old ref, when the writer can be told from its partners.
 */
function registryFix(t: Twice): Fix {
  const title =
    "give each writer its own cache ref (a tag per target, such as :buildcache- followed by the target's name); " +
    "for a build that only warms the cache, keep cache-to on one build or use outputs: type=cacheonly";
  const { writer } = t;
  const d = distinguisher(writer, [...t.partners.values()]);
  const refTemplate = registryCacheRef(writer.cache.entry);
  const written = refTemplate && templateLiteral(refTemplate);
  const ref = writer.location.kind === "registry" ? writer.location.ref : undefined;
  if (!d || !written || !ref || ref.kind === "opaque" || ref.digest) return { title, edits: [], safe: false };
  const newRef = ref.tag === null ? `${written}:${CACHE_TAG}-${d}` : `${written}-${d}`;
  const reads = validEntries(writer.build.cacheFrom).filter((c) => {
    const from = registryCacheRef(c.entry);
    const parsed = from && parseImageRefTemplate(from);
    return parsed !== undefined && compareRefs(parsed, ref) === "definite";
  });
  const edits = [refEdit(writer.cache, newRef), ...reads.map((c) => refEdit(c, newRef))];
  if (edits.some((e) => e === undefined)) return { title, edits: [], safe: false };
  const also = reads.length ? " and read it from there" : "";
  return { title: `export this writer's cache to ${newRef}${also}`, edits: edits as Edit[], safe: true };
}

function reportTwice(t: Twice, evaluations: Map<string, EventCase>): { message: string; related: RelatedLocation[]; definite: boolean; fix: Fix } {
  const { writer } = t;
  const g = groupPartners(writer, [...t.partners.values()]);
  const what = writer.location.kind === "registry" ? "the BuildKit registry cache to" : "a local cache to the directory";
  const sameRun: [string, string] =
    writer.location.kind === "registry"
      ? ["another build in the same run", "other builds in the same run"]
      : ["another build on the same runner", "other builds on the same runner"];
  const parts = [collisionSentence(`${what} ${locationText(writer.location)}`, g, { sameRun }), t.differ ? IMPACT : SAME_IMAGE];
  // Definite only when every evaluation that runs the line has a partner (a guarded partner skips some runs).
  const lone = loneSentence(evaluations, t.met);
  const definite = lone === undefined && t.condSets.every((s) => s.length === 0) && t.guards.size === 0;
  parts.push(...conditionSentences(t.condSets, t.guards));
  if (lone) parts.push(lone);
  const related = partnerLocations(g, (w) => `also exports to ${locationText(w.location)}`);
  const fix: Fix = !t.differ
    ? { title: "keep cache-to on one of the builds only: the later build reads the first one's layers from the cache (cache-from) or the builder", edits: [], safe: false }
    : writer.location.kind === "registry"
      ? registryFix(t)
      : { title: "give each writer its own directory, or export the cache from one build only", edits: [], safe: false };
  return { message: parts.join(" "), related, definite, fix };
}

/** `type=local` cache-to whose `dest` is the directory a cache-from of the same build reads. */
function growsForever(project: Project, build: BuildInvocation, cache: CacheItem): { read: CacheItem; dest: string; saved: Step } | undefined {
  const dest = cache.entry.type === "local" ? cache.entry.attrs.dest : undefined;
  if (!dest) return undefined;
  const read = validEntries(build.cacheFrom).find((c) => {
    const src = c.entry.type === "local" ? c.entry.attrs.src : undefined;
    return src !== undefined && sameTemplate(normalisePath(src), normalisePath(dest));
  });
  const dir = renderTemplate(normalisePath(dest));
  const saved = read && precedingSteps(project, build.visit).find((step) => persists(step, dir));
  return read && saved && { read, dest: dir, saved };
}

/**
 * An actions/cache step that carries `dir` from run to run: it lists the directory in `path:` and its key changes
 * (an expression in it), so each run saves what it found plus what it added. A fixed key is saved once and never
 * again, and without such a step the directory starts empty in every job.
 */
function persists(step: Step, dir: string): boolean {
  const uses = step.uses?.value;
  if (!isAction(uses, "actions/cache") && !isAction(uses, "actions/cache/save")) return false;
  const paths = (step.with.get("path")?.value ?? "").split(/\r?\n/).map((p) => p.trim().replace(/\/+$/, ""));
  return paths.includes(dir.replace(/\/+$/, "")) && (step.with.get("key")?.value.includes("${{") ?? false);
}

export default defineRule({
  meta: {
    id: "cache-written-twice",
    severity: "info",
    description: "Several builds export their cache to one registry ref or local directory",
    fixable: "suggestion",
  },
  check(ctx) {
    const writers = writersOf(ctx.builds);
    const signatures = new Map<BuildInvocation, string>();
    const sig = (b: BuildInvocation): string => {
      let found = signatures.get(b);
      if (found === undefined) signatures.set(b, (found = signatureKey(signature(b), true)));
      return found;
    };
    const index = new WriterIndex(writers);
    const twice = new Map<string, Twice>();
    /** Per cache line, the evaluations that run it and their event cases. */
    const evaluations = new Map<string, Map<string, EventCase>>();
    for (const w of writers) {
      const line = spanKey(w.cache.item.span);
      evaluations.set(line, (evaluations.get(line) ?? new Map()).set(evaluationKey(w), w.build.visit.event));
    }
    for (const a of writers) {
      for (const b of index.candidates(a)) {
        comparisons.pairs++;
        if (a.site === b.site || !sameLocation(a.location, b.location)) continue;
        // Steps that never run together, and stages of one Dockerfile built in one run (one image's cache), are exempt.
        if (exclusive(a.build.visit, b.build.visit)) continue;
        if (a.run === b.run && buildSource(a.build) === buildSource(b.build) && buildTarget(a.build) !== buildTarget(b.build)) continue;
        const key = `${spanKey(a.cache.item.span)}|${locationText(a.location)}`;
        const t: Twice = twice.get(key) ?? { writer: a, partners: new Map(), condSets: [], guards: new Set(), met: new Set(), differ: false };
        t.differ ||= a.run !== b.run || sig(a.build) !== sig(b.build);
        twice.set(key, t);
        t.met.add(evaluationKey(a));
        if (!t.partners.has(b.site)) t.partners.set(b.site, b);
        t.condSets.push([...a.cache.item.conds, ...b.cache.item.conds]);
        for (const g of pairGuards({ build: a.build, guards: stepGuard(a) }, { build: b.build, guards: stepGuard(b) })) t.guards.add(g);
      }
    }
    for (const t of twice.values()) {
      const { message, related, definite, fix } = reportTwice(t, evaluations.get(spanKey(t.writer.cache.item.span)) as Map<string, EventCase>);
      ctx.report({
        message,
        primary: t.writer.cache.item.span,
        subject: `${siteSubject(t.writer.build.visit)}|${locationText(t.writer.location)}`,
        confidence: definite ? "definite" : "possible",
        related,
        hidden: [t.writer.build.visit.step.span],
        fix,
      });
    }
    const grows = new Set<string>();
    for (const build of ctx.builds) {
      for (const cache of validEntries(build.cacheTo)) {
        const found = growsForever(ctx.project, build, cache);
        const key = spanKey(cache.item.span);
        if (!found || grows.has(key)) continue;
        grows.add(key);
        const { read, dest, saved } = found;
        ctx.report({
          message:
            `cache-to writes the local cache to ${dest}, the directory cache-from reads. ` +
            "The local exporter adds new blobs to an existing directory and never removes old ones, so the cache grows with every run " +
            "until it is evicted or exceeds the Actions cache limit (docker/build-push-action#252).",
          primary: cache.item.span,
          subject: `${siteSubject(build.visit)}|grows|${dest}`,
          problem: "grows",
          related: [
            { span: read.item.span, message: `cache-from reads ${dest} here` },
            { span: (saved.uses as NonNullable<Step["uses"]>).span, message: `${saved.uses?.value.replace(/@.*$/, "")} saves ${dest} for the next run here` },
          ],
          hidden: [build.visit.step.span],
          fix: {
            title: `export to a new directory (dest=${dest}-new) and replace the old one after the build: rm -rf ${dest} && mv ${dest}-new ${dest}`,
            edits: [],
            safe: false,
          },
        });
      }
    }
  },
});
