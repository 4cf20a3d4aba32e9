/**
 * Helpers shared by the cache rules (`cache-ref-missing-type`, `cache-ref-implicit-latest`,
 * `gha-cache-scope-shared`, `cache-written-twice`): who pushes which image refs, which cache
 * writes `cache-overwrites-tag` already reports, and the identity of one cache writer across the
 * event cases and matrix legs the build model is evaluated for.
 */

import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import { type Item, spanOn } from "../builds/items.js";
import { compareRefs, parseImageRefTemplate, type TemplateRef } from "../docker/image-ref.js";
import { RefIndex } from "../docker/ref-index.js";
import type { EventCase } from "../engine/events.js";
import type { CallSite, StepVisit } from "../engine/walk.js";
import type { RelatedLocation } from "../report/finding.js";
import type { Span } from "../workflow/span.js";
import { renderTemplate, templateLiteral, trimTemplate, type Val } from "../workflow/expr/value.js";
import { conditionText, conjuncts, disjuncts, incompatible, runWide } from "../workflow/expr/conditions.js";
import { describeSite, spanKey, stepLabel } from "./util.js";
import { comparisons } from "./comparisons.js";
import { buildPaths } from "./build-signature.js";

/** One image ref a build may push. */
export interface PushedRef {
  build: BuildInvocation;
  item: Item;
  ref: TemplateRef;
}

const pushedCache = new WeakMap<BuildInvocation[], RefIndex<PushedRef>>();

/** Image refs of every build that may push (`push` true or unknown), indexed by image name; computed once per build list. */
export function pushedRefs(builds: BuildInvocation[]): RefIndex<PushedRef> {
  const cached = pushedCache.get(builds);
  if (cached) return cached;
  const pushes = builds.flatMap((build) => {
    if (build.push === false || build.byDigest) return [];
    return build.tags.flatMap((item) => {
      const ref = parseImageRefTemplate(item.value);
      return ref ? [{ build, item, ref }] : [];
    });
  });
  const index = new RefIndex(pushes, (p) => p.ref);
  pushedCache.set(builds, index);
  return index;
}

/**
 * Whether `cache-overwrites-tag` reports a registry cache write to `ref`: it is a pushed ref (the same
 * string, unknown parts from the same evaluation). Only the pushes that may name the same image are compared.
 */
export function overwritesPush(ref: TemplateRef, pushes: RefIndex<PushedRef>): boolean {
  return pushes.sameString(ref).some((p) => {
    comparisons.pairs++;
    return compareRefs(ref, p.ref) === "definite";
  });
}

function eventKey(e: EventCase): string {
  return `${e.eventName}|${e.refKind}|${e.ref ?? ""}`;
}

/** One workflow run: the top-level workflow and the event case it is evaluated for. */
export function runKey(visit: StepVisit): string {
  return `${visit.workflow.file}|${eventKey(visit.event)}`;
}

/** The runner a step runs on: one job (one matrix leg) of one run; reusable workflows run their own jobs. */
export function runnerKey(visit: StepVisit): string {
  return [workflowInstanceKey(visit), visit.jobId, visit.leg ?? ""].join("|");
}

/** One run's instance of a workflow: the run and the reusable-workflow calls that led to it. */
export function workflowInstanceKey(visit: StepVisit): string {
  const workflowCalls = visit.calls.filter((c) => /\.ya?ml(@.*)?$/.test(c.uses)).map((c) => spanKey(c.span));
  return [runKey(visit), ...workflowCalls].join("|");
}

/**
 * Identity of a cache writer independent of the event case: the same cache item written by the same
 * step, reached through the same calls, in the same matrix leg and bake target. Alternatives of one
 * line are one writer (only one of them runs). Without the leg, the matrix legs of one site share
 * an identity.
 */
export function writerSite(build: BuildInvocation, item: Item, withLeg = true): string {
  const v = build.visit;
  const leg = withLeg ? (v.leg ?? "") : "*";
  return [v.workflow.file, ...v.calls.map((c) => spanKey(c.span)), v.jobId, leg, build.bakeTarget ?? "", spanKey(item.span)].join("|");
}

/**
 * The kind of Git ref a run writes the GitHub Actions cache under: a pull request's own merge ref, except for
 * `pull_request_target`, which runs on the base branch and writes its cache (docs: "Events that trigger workflows").
 */
export function cacheRefKind(e: EventCase): string {
  if (e.eventName === "pull_request_target") return "branch";
  return e.refKind === "other" ? "branch" : e.refKind;
}

/**
 * Whether two event cases can run on the same Git ref (GitHub caches are isolated per ref). A merge queue's run is on
 * its own temporary branch (`gh-readonly-queue/<base>/pr-<n>-<sha>`), shared only with the other workflows of the
 * same queue entry.
 */
export function mayShareRef(a: EventCase, b: EventCase): boolean {
  if (cacheRefKind(a) !== cacheRefKind(b) || (a.eventName === "merge_group") !== (b.eventName === "merge_group")) return false;
  return a.ref === undefined || b.ref === undefined || a.ref === b.ref;
}

/** The written text of an optional single-value input, trimmed; '' when absent. */
function itemText(item: Item | undefined): string {
  return item ? renderTemplate(trimTemplate(item.value)) : "";
}

/** What a build builds: its context and Dockerfile as paths (`buildPaths`). */
export function buildSource(build: BuildInvocation): string {
  const { context, file } = buildPaths(build);
  return `${context ?? ""}|${file ?? ""}`;
}

/** The target stage a build builds: `target`, else the bake target; '' for the last stage. */
export function buildTarget(build: BuildInvocation): string {
  return itemText(build.target) || (build.bakeTarget ?? "");
}

/** A literal target stage name, for suggested scopes and tags; undefined when unknown or unset. */
export function literalTarget(build: BuildInvocation): string | undefined {
  const t = build.target ? templateLiteral(trimTemplate(build.target.value)) : undefined;
  return t || build.bakeTarget || undefined;
}

/** A cache writer as the writer rules see it. */
export interface WriterLike {
  build: BuildInvocation;
  /** `writerSite` without the leg: the same for every matrix leg of one site. */
  siteWithoutLeg: string;
}

/** A matrix value usable in a cache scope or tag: a string of tag characters. */
function plainValue(v: Val | undefined): boolean {
  return v?.kind === "str" && /^[\w.-]+$/.test(templateLiteral(v.parts) ?? "");
}

/**
 * Matrix axes whose values differ between the primary's leg and its partners' legs; undefined when one
 * of them has a value that cannot go into a scope or tag (`linux/amd64`, objects).
 */
function differingAxes(primary: WriterLike, partners: WriterLike[]): string[] | undefined {
  const own = primary.build.visit.frame.matrix ?? {};
  const axes = Object.keys(own).filter((axis) =>
    partners.some((p) => JSON.stringify(p.build.visit.frame.matrix?.[axis]) !== JSON.stringify(own[axis])),
  );
  const usable = axes.every((axis) => [primary, ...partners].every((w) => plainValue(w.build.visit.frame.matrix?.[axis])));
  return usable ? axes : undefined;
}

/**
 * A suffix that tells a writer from the writers it collides with, for suggested scopes and tags:
 * `${{ matrix.<axis> }}` when they are legs of one matrix, else its literal target or context directory
 * when theirs differ.
 */
export function distinguisher(primary: SiteWriter, all: SiteWriter[]): string | undefined {
  const partners = all.filter((p) => p.site !== primary.site);
  // One line written through several calls or bake targets cannot be edited apart.
  const sameLine = (p: SiteWriter) => spanKey(p.cache.item.span) === spanKey(primary.cache.item.span);
  if (partners.some((p) => sameLine(p) && p.siteWithoutLeg !== primary.siteWithoutLeg)) return undefined;
  if (partners.every((p) => p.siteWithoutLeg === primary.siteWithoutLeg)) {
    const axes = differingAxes(primary, partners);
    return axes?.length ? axes.map((a) => `\${{ matrix.${a} }}`).join("-") : undefined;
  }
  // Only a value written in the source names the writer in every evaluation: `apps/${{ matrix.tag }}` is another
  // directory in each leg, `targets: ${{ env.TARGET }}` another bake target. Nor does one tell apart the legs of
  // one step, which all have it.
  if (partners.some((p) => p.siteWithoutLeg === primary.siteWithoutLeg)) return undefined;
  const written = (item: Item | undefined) => item === undefined || !item.derived;
  const bakeTargetsWritten = !(primary.build.inputs.get("targets")?.value.includes("${{") ?? false);
  for (const [name, item] of [
    [literalTarget, primary.build.target],
    [contextName, primary.build.context],
  ] as const) {
    const own = name(primary.build);
    if (own && written(item) && (name !== literalTarget || bakeTargetsWritten) && partners.every((p) => name(p.build) !== own)) return own;
  }
  return undefined;
}

/** The last directory of a literal build context (`./services/api` → `api`); undefined for `.` or unknown. */
function contextName(build: BuildInvocation): string | undefined {
  const context = build.context ? templateLiteral(trimTemplate(build.context.value)) : undefined;
  const last = context?.replace(/\/+$/, "").split("/").pop();
  return last && /^[\w][\w.-]*$/.test(last) ? last : undefined;
}

/** A stable subject for fingerprints: the step's file, job (for workflow steps) and label. */
export function siteSubject(visit: StepVisit): string {
  const inAction = visit.step.path[0] === "runs";
  return (inAction ? [visit.file, stepLabel(visit)] : [visit.file, visit.jobId, stepLabel(visit)]).join("|");
}

/** The text of `item` in the source, when its span lies inside an exact segment. */
export function sourceText(item: Item): string | undefined {
  const { segment, span } = item;
  if (!segment.exact || span.file !== segment.span.file) return undefined;
  const start = span.start.offset - segment.span.start.offset;
  const end = span.end.offset - segment.span.start.offset;
  if (start < 0 || end > segment.text.length) return undefined;
  return segment.text.slice(start, end);
}

/**
 * The span of `needle` inside an item's exact source text when it occurs there exactly once and is
 * followed by `followedBy` (or the end of the item); undefined otherwise.
 */
export function spanWithin(item: Item, needle: string, followedBy = /^$|^[,"\s]/): Span | undefined {
  const text = sourceText(item);
  if (text === undefined || needle === "") return undefined;
  const at = text.indexOf(needle);
  if (at < 0 || text.indexOf(needle, at + 1) >= 0 || !followedBy.test(text.slice(at + needle.length))) return undefined;
  return spanOn(item.span, at, needle.length);
}

/** "a, b and c" */
export function listPhrase(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** Cache entries of a build with the list item they came from, skipping lines buildx rejects. */
export function validEntries(items: CacheItem[]): CacheItem[] {
  return items.filter((c) => !c.entry.error && c.entry.type !== undefined);
}

/**
 * The `if:` conditions of the writer's step and job, unless they always hold (`success()`, `always()`, or known to
 * be true in the writer's evaluation, such as `matrix.full == true` on a leg with `full: true`): two guarded steps
 * may be alternatives that never run together.
 */
export function stepGuard(w: WriterLike): string[] {
  return w.build.visit.guards.map(conditionText).filter((g) => !/^(success|always)\(\)$/.test(g));
}

/**
 * Where a cache line writes with no partner sure to overwrite it, as a sentence: the events whose runs have none
 * (a pull request's run writes the pull request's own cache, a guarded partner does not run), or else the legs and
 * calls that have none; undefined when every evaluation of the line (`evaluations`, by key) is in `covered`.
 */
export function loneSentence(evaluations: Map<string, EventCase>, covered: Set<string>): string | undefined {
  const lone = [...evaluations].filter(([e]) => !covered.has(e));
  if (lone.length === 0) return undefined;
  const met = new Set([...evaluations].filter(([e]) => covered.has(e)).map(([, event]) => event.label));
  const events = [...new Set(lone.map(([, event]) => event.label))].filter((label) => !met.has(label));
  return events.length
    ? `On ${listPhrase(events)}, no other build is sure to overwrite its cache.`
    : "In some of its matrix legs or calls, no other build is sure to overwrite its cache.";
}


/**
 * The `if:` conditions that may let one of two writers run without the other, each writer's own being given
 * (`stepGuard`): a condition both have is decided alike for both in one job instance, and in one run when it reads
 * only the run's values (a shared job `if:`, the same condition on two jobs), so it keeps neither from meeting the other.
 */
export function pairGuards(a: { build: BuildInvocation; guards: string[] }, b: { build: BuildInvocation; guards: string[] }): string[] {
  if (a.guards.length === 0 || b.guards.length === 0) return a.guards.length ? a.guards : b.guards;
  const sameJob = runnerKey(a.build.visit) === runnerKey(b.build.visit);
  const sameRun = runKey(a.build.visit) === runKey(b.build.visit);
  const shared = (g: string) => (sameJob || (sameRun && runWide(g))) && a.guards.includes(g) && b.guards.includes(g);
  return [...a.guards, ...b.guards].filter((g) => !shared(g));
}

/** The sentences that qualify a collision: branch conditions of the values, `if:` of the steps. */
export function conditionSentences(condSets: string[][], guards: Set<string>): string[] {
  const conds = commonConds(condSets);
  return [
    ...(conds.length ? [`This happens when ${conds.join(" and ")}.`] : []),
    ...(guards.size ? [`The steps have if: conditions (${[...guards].join("; ")}); nothing is overwritten if they never run together.`] : []),
  ];
}

/** Branch conditions common to every set (what a finding names as "this happens when …"). */
function commonConds(sets: string[][]): string[] {
  return sets.length ? [...new Set(sets[0])].filter((c) => sets.every((s) => s.includes(c))) : [];
}

/** The first call on the way to `w` that differs from the calls on the way to `from`. */
function differingCall(from: { build: BuildInvocation }, w: { build: BuildInvocation }): CallSite | undefined {
  const mine = from.build.visit.calls;
  return w.build.visit.calls.find((c, i) => mine[i] === undefined || spanKey(mine[i].span) !== spanKey(c.span));
}

/** A cache writer with its identities: site, site without leg, run. */
export interface SiteWriter extends WriterLike {
  cache: CacheItem;
  site: string;
  run: string;
}

/** The writers a primary writer collides with, by how they relate to it. */
export interface Partners<W extends SiteWriter> {
  primary: W;
  /** Labels of the matrix legs of the primary's own site that collide, its own included; empty when none. */
  legs: string[];
  /** The same line reached through other calls or for other bake targets, in the same run. */
  sameLine: W[];
  /** Other builds of the same run. */
  sameRun: W[];
  /** Builds of other runs (other workflows that run on the same branch). */
  otherRuns: W[];
}

/**
 * `inRun` tells the partners met in the run of some evaluation of the primary's line (by default, the primary's own
 * run): a line called from a branch run and from a release run meets each run's builds in that run.
 */
export function groupPartners<W extends SiteWriter>(primary: W, partners: W[], inRun: (p: W) => boolean = (p) => p.run === primary.run): Partners<W> {
  const others = partners.filter((p) => p.site !== primary.site);
  const legs = others.filter((p) => p.siteWithoutLeg === primary.siteWithoutLeg);
  const rest = firstByKey(
    others.filter((p) => p.siteWithoutLeg !== primary.siteWithoutLeg),
    (p) => p.siteWithoutLeg,
  );
  const line = (p: W) => spanKey(p.cache.item.span) === spanKey(primary.cache.item.span);
  return {
    primary,
    legs: legs.length ? [...new Set([primary, ...legs].map((w) => w.build.visit.leg ?? ""))].sort() : [],
    sameLine: rest.filter((p) => inRun(p) && line(p)),
    sameRun: rest.filter((p) => inRun(p) && !line(p)),
    otherRuns: rest.filter((p) => !inRun(p)),
  };
}

function count(n: number, one: string, many: string): string {
  return n === 1 ? one : `${n} ${many}`;
}

/**
 * "cache-to exports <what> in each of the matrix legs … of this step, and so do another build in the
 * same run and …" for a group of partners; `texts` name one and several partners of a kind.
 */
export function collisionSentence<W extends SiteWriter>(
  what: string,
  g: Partners<W>,
  texts: { sameRun: [string, string]; otherRuns?: [string, string] },
): string {
  let head = `cache-to exports ${what}`;
  if (g.legs.length) head += ` in each of the matrix legs ${listPhrase(g.legs.map((l) => `(${l})`))} of this step`;
  const targets = g.sameLine.map((p) => p.build.bakeTarget);
  const others = [
    ...(g.sameLine.length && targets.every((t) => t !== undefined)
      ? [`bake target${targets.length > 1 ? "s" : ""} ${listPhrase(targets as string[])} through the same line`]
      : g.sameLine.length
        ? [`this step through ${count(g.sameLine.length, "another call", "other calls")} of ${differingCall(g.primary, g.sameLine[0])?.uses ?? "its action"}`]
        : []),
    ...(g.sameRun.length ? [count(g.sameRun.length, ...texts.sameRun)] : []),
    ...(g.otherRuns.length && texts.otherRuns ? [count(g.otherRuns.length, ...texts.otherRuns)] : []),
  ];
  const n = g.sameLine.length + g.sameRun.length + g.otherRuns.length;
  if (others.length) head += `, and so ${n > 1 ? "do" : "does"} ${listPhrase(others)}`;
  return `${head}.`;
}

/** Related locations for the partners: their own lines, or for calls of the same line both call sites. */
export function partnerLocations<W extends SiteWriter>(g: Partners<W>, what: (w: W) => string): RelatedLocation[] {
  const { primary } = g;
  const calls = g.sameLine.length ? [primary, ...g.sameLine] : [];
  const callSites = calls.flatMap((w) => {
    const call = differingCall(w === primary ? g.sameLine[0] : primary, w);
    return call ? [{ span: call.span, message: `${call.uses} is called here and runs the step (job ${w.build.visit.jobId})` }] : [];
  });
  const out = firstByKey(callSites, (r) => spanKey(r.span));
  const seen = new Set(out.map((r) => spanKey(r.span)));
  // The first partner per line, its message written only for the lines kept. The finding's own line, reached from
  // another workflow (one action's step), is shown at the call that reaches it rather than at itself.
  const own = spanKey(primary.cache.item.span);
  for (const p of [...g.sameRun, ...g.otherRuns]) {
    const line = spanKey(p.cache.item.span);
    if (seen.has(line)) continue;
    seen.add(line);
    const span = (line === own ? differingCall(primary, p)?.span : undefined) ?? p.cache.item.span;
    if (span !== p.cache.item.span && seen.has(spanKey(span))) continue;
    seen.add(spanKey(span));
    out.push({ span, message: `${what(p)} (${describeSite(p.build.visit)})` });
  }
  return out;
}

/** Keeps the first value per key, in input order. */
export function firstByKey<T>(values: T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}

/** One `&&` operand of a step's or job's `if:`, with the evaluation that decides it. */
interface Guard {
  text: string;
  where: string;
}

const guardsCache = new WeakMap<StepVisit, Guard[]>();

/** The guards a step runs under, each with the evaluation its values belong to; computed once per visit. */
function guardsOf(visit: StepVisit): Guard[] {
  const cached = guardsCache.get(visit);
  if (cached) return cached;
  const run = workflowInstanceKey(visit);
  const out: { text: string; where: string }[] = [];
  const add = (text: string | undefined, where: string) => {
    if (text) for (const c of conjuncts(conditionText(text))) out.push({ text: c, where });
  };
  // A job's condition reads run-wide values and needs; a step's also its job's steps and env, one runner's.
  add(visit.job?.if?.value, run);
  if (visit.step.if) add(visit.step.if.value, runnerKey(visit));
  guardsCache.set(visit, out);
  return out;
}

/**
 * Whether two steps can never both run in one run: one runs only when a condition holds and the other only when
 * it does not (`steps.fork.outputs.is_fork == 'true'` against `!= 'true'`, `contains(…)` against `!contains(…)`),
 * read in the same evaluation.
 */
export function exclusive(a: StepVisit, b: StepVisit): boolean {
  const ga = guardsOf(a);
  if (ga.length === 0) return false;
  const gb = guardsOf(b);
  return excludes(ga, gb) || excludes(gb, ga);
}

/**
 * Whether a condition of `ys` can only hold when one of `xs` does not: each of its `||` operands is incompatible with
 * one of `xs` (`a == 'x' || b == 'y'` against `a != 'x' && b != 'y'`, De Morgan's form; a single operand is the plain
 * `x` against `!x`, or `x == 'a'` against `x == 'b'`), read in the same evaluation.
 */
function excludes(xs: Guard[], ys: Guard[]): boolean {
  return ys.some((y) => disjuncts(y.text).every((d) => xs.some((x) => x.where === y.where && incompatible(x.text, d))));
}
