import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { Item } from "../builds/items.js";
import { compareRefs, formatRef, parseImageRefTemplate, type TemplateRef, withTag } from "../docker/image-ref.js";
import { CACHE_TAG, registryCacheRef } from "../docker/cache-spec.js";
import { csvFields } from "../docker/csv.js";
import { renderTemplate } from "../workflow/expr/value.js";
import { RefIndex } from "../docker/ref-index.js";
import type { RelatedLocation } from "../report/finding.js";
import type { Span } from "../workflow/span.js";
import { cacheRefFix } from "../rule-kit/fixes/dedicated-cache-ref.js";
import { defineRule } from "../rule-kit/rule.js";
import { runKey, runnerKey, writerSite } from "../rule-kit/cache-writers.js";
import { onRunnerRegistry } from "../rule-kit/images.js";
import { describeSite, spanKey } from "../rule-kit/util.js";
import { comparisons } from "../rule-kit/comparisons.js";

const IMPACT =
  "The export replaces the image: the tag then holds a BuildKit cache manifest (config application/vnd.buildkit.cacheconfig.v0), " +
  'so deployments fail (Azure App Service: ContainerCreateFailure) and docker run reports "manifest unknown" or ' +
  '"unsupported media type application/vnd.buildkit.cacheconfig.v0".';

interface Push {
  item: Item;
  ref: TemplateRef;
  /** `formatRef(ref)` */
  text: string;
  /** Pushed on every evaluation of its build: push is true and every alternative of its line names it. */
  always: boolean;
  /** The build that pushes (described only where a collision names it). */
  build: BuildInvocation;
  /** The runner that pushes (`runnerKey`): a registry on the runner is the job's own. */
  runner: string;
}

interface Collision {
  write: CacheItem;
  /** The build's `cache-from` lines that read the ref the export overwrites (the fix moves them too). */
  reads: CacheItem[];
  /** The pushed refs the export overwrites. */
  refs: Map<string, TemplateRef>;
  /** The cache refs as the export writes them (the destination the message names). */
  cacheRefs: Set<string>;
  /** Push sites by span, with the refs each pushes. */
  related: Map<string, { span: Span; refs: Set<string>; build: BuildInvocation }>;
  /** Branch conditions of each colliding pair, each set once; the message names those common to all. */
  condSets: Map<string, string[]>;
  definite: boolean;
  /** True when one evaluated cache-to line produced several registry exports (newline-joined tags). */
  multiLine: boolean;
  /**
   * The newline trap with attributes after the tags (`ref=${{ steps.meta.outputs.tags }},mode=max`): the last
   * line is a pushed tag followed by the attributes, which buildx rejects, so the build fails (one example).
   */
  rejected?: { line: string; error: string };
}

/** Key of "this ref in this alternative of this line", to tell which refs every alternative yields. */
function coverage<T extends { item: Item }>(entries: T[], refOf: (e: T) => string | undefined): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const e of entries) {
    const ref = refOf(e);
    if (ref === undefined) continue;
    const key = `${spanKey(e.item.segment.span)}|${ref}`;
    out.set(key, (out.get(key) ?? new Set()).add(e.item.alt));
  }
  return out;
}

function listOf(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function common(sets: string[][]): string[] {
  if (sets.length === 0) return [];
  return sets[0].filter((c) => sets.every((s) => s.includes(c)));
}

/** Adds the conditions of one colliding pair. */
function addConds(col: Collision, conds: string[]): void {
  const key = conds.join("\n");
  if (!col.condSets.has(key)) col.condSets.set(key, conds);
}

/** Records that the collision's line names the tag `p` pushes, and where it is pushed. */
function namePush(col: Collision, p: Push): void {
  col.refs.set(p.text, p.ref);
  const key = spanKey(p.item.span);
  const site = col.related.get(key);
  if (site) site.refs.add(p.text);
  else col.related.set(key, { span: p.item.span, refs: new Set([p.text]), build: p.build });
}

/** The build's `cache-from` lines that read `ref` (the fix moves them too). */
function readsOf(b: BuildInvocation, ref: TemplateRef): CacheItem[] {
  return b.cacheFrom.filter((r) => {
    const read = registryCacheRef(r.entry);
    const parsed = read && parseImageRefTemplate(read);
    return parsed !== undefined && compareRefs(parsed, ref) === "definite";
  });
}

/**
 * The tag `b` pushes that a rejected cache-to line starts with: newline-joined tags put into a line with attributes
 * after them (`ref=${{ steps.meta.outputs.tags }},mode=max`) leave the last tag as a bare field next to the
 * attributes, and buildx rejects the line ("invalid value <tag>").
 */
function trappedTag(c: CacheItem, b: BuildInvocation, index: RefIndex<Push>): Push | undefined {
  if (!c.item.derived || !c.entry.error?.startsWith("invalid value ")) return undefined;
  const first = csvFields(c.entry.raw).fields[0];
  const ref = first && parseImageRefTemplate(first);
  if (!ref) return undefined;
  return index.sameString(ref).find((p) => p.build === b && compareRefs(ref, p.ref) === "definite");
}

export default defineRule({
  meta: {
    id: "cache-overwrites-tag",
    severity: "error",
    description: "A registry cache export targets a ref that is also pushed as an image",
    fixable: "suggestion",
  },
  check(ctx) {
    const pushes: Push[] = [];
    for (const b of ctx.builds) {
      if (b.push === false || b.byDigest || b.tags.length === 0) continue;
      const refs = new Map(b.tags.map((item) => [item, parseImageRefTemplate(item.value)]));
      const runner = runnerKey(b.visit);
      const seen = coverage(b.tags.map((item) => ({ item })), (e) => {
        const ref = refs.get(e.item);
        return ref && formatRef(ref);
      });
      for (const item of b.tags) {
        const ref = refs.get(item);
        if (!ref) continue;
        const text = formatRef(ref);
        const everyAlt = seen.get(`${spanKey(item.segment.span)}|${text}`)?.size === item.alts;
        pushes.push({ item, ref, text, always: b.push === true && everyAlt, build: b, runner });
      }
    }
    // Each cache write is compared only with the pushes that may name the same image, in push order.
    const index = new RefIndex(pushes, (p) => p.ref);
    const collisions = new Map<string, Collision>();
    // Definite means every evaluation that exports a registry cache at the line overwrites a tag that is always
    // pushed: evaluations are the build's event case, matrix leg and call chain, and the line's alternative
    // (an alternative that exports no registry cache, such as `type=gha` or '', is not an export).
    const exports = new Map<string, Set<string>>();
    /**
     * Per line, the evaluations sure to break a tag: those that overwrite a tag pushed whenever they export, and those
     * in which the line fails the build (the newline trap with attributes after the tags).
     */
    const sure = new Map<string, Set<string>>();
    const addSure = (key: string, e: string) => {
      const set = sure.get(key);
      if (set) set.add(e);
      else sure.set(key, new Set([e]));
    };
    /**
     * Per line, the dedicated ref of every registry export in every evaluation (every caller, leg and event): one
     * ref means the line's expression may be replaced by it; several (a matrix of images) mean it may not.
     */
    const dedicatedRefs = new Map<string, Set<string>>();
    const evaluation = (b: BuildInvocation, c: CacheItem) => `${writerSite(b, c.item)}|${runKey(b.visit)}|${c.item.alt}`;
    const newCollision = (c: CacheItem, reads: CacheItem[]): Collision => ({
      write: c,
      reads,
      refs: new Map(),
      cacheRefs: new Set(),
      related: new Map(),
      condSets: new Map(),
      definite: false,
      multiLine: false,
    });
    for (const b of ctx.builds) {
      if (b.cacheTo.length === 0) continue;
      const altKey = (item: Item) => `${spanKey(item.segment.span)}|${item.alt}`;
      // A line buildx rejects fails the build: nothing of that evaluation of the line is exported.
      const rejected = new Map<string, CacheItem>();
      for (const c of b.cacheTo) if (c.entry.error && !rejected.has(altKey(c.item))) rejected.set(altKey(c.item), c);
      for (const c of rejected.values()) {
        const pushed = trappedTag(c, b, index);
        if (!pushed) continue;
        const key = spanKey(c.item.span);
        exports.set(key, (exports.get(key) ?? new Set()).add(evaluation(b, c)));
        addSure(key, evaluation(b, c));
        const col = collisions.get(key) ?? newCollision(c, readsOf(b, pushed.ref));
        collisions.set(key, col);
        col.rejected ??= { line: renderTemplate(c.entry.raw), error: c.entry.error as string };
        dedicatedRefs.set(key, (dedicatedRefs.get(key) ?? new Set()).add(formatRef(withTag(pushed.ref, CACHE_TAG))));
        col.multiLine = true;
        // The other lines of that evaluation name the build's other tags: the line names them all.
        const named = [pushed];
        for (const other of b.cacheTo) {
          if (other === c || altKey(other.item) !== altKey(c.item)) continue;
          const ref = registryCacheRef(other.entry);
          const parsed = ref && parseImageRefTemplate(ref);
          const p = parsed && index.sameString(parsed).find((q) => q.build === b && compareRefs(parsed, q.ref) === "definite");
          if (p) named.push(p);
        }
        for (const p of named) namePush(col, p);
        addConds(col, c.item.conds);
      }
      const writes = b.cacheTo.flatMap((c) => {
        if (rejected.has(altKey(c.item))) return [];
        const refTemplate = registryCacheRef(c.entry);
        const ref = refTemplate && parseImageRefTemplate(refTemplate);
        return ref ? [{ c, ref }] : [];
      });
      const perAlt = new Map<string, number>();
      for (const { c } of writes) perAlt.set(altKey(c.item), (perAlt.get(altKey(c.item)) ?? 0) + 1);
      for (const { c, ref } of writes) {
        const key = spanKey(c.item.span);
        const evaluated = evaluation(b, c);
        dedicatedRefs.set(key, (dedicatedRefs.get(key) ?? new Set()).add(formatRef(withTag(ref, CACHE_TAG))));
        exports.set(key, (exports.get(key) ?? new Set()).add(evaluated));
        const written = formatRef(ref);
        for (const p of index.sameString(ref)) {
          comparisons.pairs++;
          // Only the same string counts: unknown parts must be the same values (same source, same evaluation).
          // A match that needs an unknown value to spell something else (a branch named like the cache tag, an
          // unrelated variable holding the image name) is chance, not a finding.
          if (compareRefs(ref, p.ref) !== "definite") continue;
          if (onRunnerRegistry(ref) && runnerKey(b.visit) !== p.runner) continue;
          const col: Collision = collisions.get(key) ?? newCollision(c, readsOf(b, ref));
          collisions.set(key, col);
          if (col.cacheRefs.size === 0 && col.write.entry.error) {
            // The line was first seen failing; an evaluation that exports is the better example of it.
            col.write = c;
            col.reads = readsOf(b, ref);
          }
          namePush(col, p);
          col.cacheRefs.add(written);
          addConds(col, [...c.item.conds, ...p.item.conds]);
          col.multiLine ||= c.item.derived && (perAlt.get(altKey(c.item)) ?? 0) > 1;
          // The build's own tags come from the same evaluation as its cache line: a tag pushed under the
          // export's conditions (metadata-action's semver tags on a semver release) is pushed whenever it exports.
          const pushedWithIt = p.build === b && b.push === true && p.item.conds.every((x) => c.item.conds.includes(x));
          if (p.always || pushedWithIt) addSure(key, evaluated);
        }
      }
    }
    for (const [key, col] of collisions) {
      const evaluations = [...(exports.get(key) ?? [])];
      // An evaluation that fails the build is as sure a failure as one that overwrites a tag pushed every time.
      col.definite = evaluations.length > 0 && evaluations.every((e) => sure.get(key)?.has(e));
      const refs = [...col.refs.keys()].sort();
      const written = [...col.cacheRefs].sort();
      const parts = written.length
        ? [`cache-to exports the BuildKit registry cache to ${listOf(written)}, ${written.length === 1 ? "a tag that is" : "tags that are"} also pushed as an image.`]
        : [`cache-to names ${listOf(refs)}, ${refs.length === 1 ? "a tag" : "tags"} the build also pushes, as its registry cache.`];
      if (col.rejected) {
        parts.push(
          `The tags are joined with newlines and build-push-action splits cache-to on newlines, so the last line reads "${col.rejected.line}" and buildx rejects it (${col.rejected.error}): the build fails whenever there is more than one tag.`,
        );
        if (written.length) parts.push("With a single tag the line is a valid export onto that tag.");
      } else if (col.multiLine) {
        parts.push(
          "The tags are joined with newlines and build-push-action splits cache-to on newlines, so every line becomes its own registry cache export: every published tag is overwritten, not only the first.",
        );
      }
      if (written.length) parts.push(IMPACT);
      const conds = col.definite ? [] : common([...col.condSets.values()]);
      if (conds.length) parts.push(`This happens when ${conds.join(" and ")}.`);
      const primary: Span = col.write.item.span;
      ctx.report({
        message: parts.join(" "),
        primary,
        subject: `${primary.path.join("/")}|${refs.join(",")}`,
        confidence: col.definite ? "definite" : "possible",
        related: [...col.related.values()].map(({ span, refs: pushed, build }): RelatedLocation => {
          const names = [...pushed].sort();
          return { span, message: `${names.join(" and ")} ${names.length === 1 ? "is" : "are"} pushed as an image here (${describeSite(build.visit)})` };
        }),
        hidden: [col.write.item.segment.span],
        fix: cacheRefFix(col.write, [...col.refs.values()], col.reads, { inPlace: dedicatedRefs.get(key)?.size === 1 }),
        refs: refs.map((r) => col.refs.get(r) as TemplateRef),
      });
    }
  },
});
