import { isAction } from "../builds/extract.js";
import type { BuildInvocation } from "../builds/invocation.js";
import type { Item } from "../builds/items.js";
import { compareRefs, formatRef, parseImageRefTemplate, refIdentity, type TemplateRef } from "../docker/image-ref.js";
import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import type { Confidence, Edit, Fix, RelatedLocation } from "../report/finding.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { renderTemplate, templateLiteral } from "../workflow/expr/value.js";
import type { Step } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import type { Segment } from "../workflow/yaml.js";
import { argDifference, differences, FIELD_NAMES, type Field, signature, type Signature } from "../rule-kit/build-signature.js";
import { exclusive, runnerKey } from "../rule-kit/cache-writers.js";
import { conditionText, runWide } from "../workflow/expr/conditions.js";
import { onRunnerRegistry } from "../rule-kit/images.js";
import { defineRule, KeptPerKey, rankOf, type RuleContext } from "../rule-kit/rule.js";
import { precedingSteps, runsAfter, siteKey } from "../rule-kit/steps.js";
import { splitListInput } from "../docker/csv.js";
import { appendTo, describeSite, spanKey, stepLabel, stepSubject } from "../rule-kit/util.js";
import { comparisons } from "../rule-kit/comparisons.js";

/** Differences in these make the builds different images, not variants of one: error severity. */
const DEFINITION_FIELDS: Field[] = ["context", "file", "target", "bake"];

interface Push {
  build: BuildInvocation;
  item: Item;
  ref: string;
  /** The reference, to compare unknown parts by identity (`compareRefs`). */
  parsed: TemplateRef;
  /** The build's source location: the call chain, the step, and which build of the step. */
  site: string;
  /** The build's step and which build of it, whatever calls reached it: one build, however it is run. */
  step: string;
  leg: string;
  /** `site@leg`: one build in one matrix leg. */
  at: string;
  event: string;
  /** The run: the top-level workflow and the event case. */
  run: string;
  /** Pushed on every evaluation: push is true and the tag does not depend on a branch. */
  always: boolean;
}

function eventKey(v: StepVisit): string {
  return `${v.event.eventName}|${v.event.refKind}|${v.event.ref ?? ""}`;
}

function spanOrder(a: Span, b: Span): number {
  return a.file.localeCompare(b.file) || a.start.offset - b.start.offset;
}

/** Where the CSV field that starts at `from` ends in `line`: at the next comma outside `${{ }}`. */
function fieldEnd(line: string, from: number): number {
  let depth = 0;
  for (let i = from; i < line.length; i++) {
    if (line.startsWith("${{", i)) depth++;
    else if (line.startsWith("}}", i) && depth > 0) depth--;
    else if (line[i] === "," && depth === 0) return i;
  }
  return line.length;
}

/**
 * metadata-action's `flavor: suffix=…` without `onlatest=true` leaves `latest` unsuffixed, so builds that tell
 * their variants apart by the suffix all push the same `latest`. Returns the flavor line when the build's
 * tags come from such a step.
 */
/** The docker/metadata-action step before `visit` whose tags `text` reads (its outputs or `DOCKER_METADATA_OUTPUT_*`), if any. */
function metadataStepReadBy(project: Project, visit: StepVisit, text: string): Step | undefined {
  const ids = new Set([...text.matchAll(/steps\.([\w-]+)\.outputs\.(?:tags|json)/g)].map((m) => m[1]));
  const fromEnv = text.includes("DOCKER_METADATA_OUTPUT_");
  return precedingSteps(project, visit)
    .filter((s) => isAction(s.uses?.value, "docker/metadata-action") && (fromEnv || (s.id !== undefined && ids.has(s.id))))
    .pop();
}

/** The docker/metadata-action step whose outputs a build's tags read, if any. */
function metadataStepOf(project: Project, build: BuildInvocation): Step | undefined {
  return metadataStepReadBy(project, build.visit, build.inputs.get("tags")?.value ?? "");
}

/** The tag rules of a build's metadata-action step, as evaluated for the build (one text per alternative). */
function metadataRules(project: Project, build: BuildInvocation): string[] {
  const rules = metadataStepOf(project, build)?.with.get("tags");
  return rules ? build.visit.evaluate(rules.value, rules.span).map((a) => renderTemplate(toTemplate(a.value))) : [];
}

function latestWithoutSuffix(project: Project, build: BuildInvocation): Segment | undefined {
  // A tag rule with its own suffix= keeps it whatever the flavor says: onlatest=true changes nothing for it.
  if (metadataRules(project, build).some((text) => /(^|[\s,])suffix=/.test(text))) return undefined;
  return metadataStepOf(project, build)?.with.get("flavor")?.segments.find((s) => /(^|,)\s*suffix=[^,]/.test(s.text) && !/onlatest=true/.test(s.text));
}

/**
 * Whether metadata-action adds latest by itself (flavor latest=auto, the default) rather than a rule writing it
 * (`type=raw,value=latest`) or a flavor that always or never adds it.
 */
function latestFromAuto(project: Project, build: BuildInvocation): boolean {
  const flavor = metadataStepOf(project, build)?.with.get("flavor")?.value ?? "";
  const latest = /(?:^|[\s,])latest=([^,\s]*)/.exec(flavor)?.[1];
  if (latest !== undefined && latest !== "auto") return false;
  return !metadataRules(project, build).some((text) => /(^|[\s,])value=latest(\s*$|[\s,])/m.test(text));
}

/**
 * Whether a semver rule's pattern has more than {{version}} (`{{version}}-alpine`, `{{major}}.{{minor}}`): on a
 * pre-release metadata-action uses {{version}} alone, so those patterns can meet there and nowhere else.
 */
function patternLostOnPrerelease(project: Project, build: BuildInvocation): boolean {
  // Text of its own around the placeholders (`{{version}}-alpine`), not only dots between them (`{{major}}.{{minor}}`).
  return metadataRules(project, build).some((text) =>
    [...text.matchAll(/type=semver[^\n]*?pattern=([^,\n]*)/g)].some((m) => m[1].trim().replace(/^v/, "").replace(/\{\{[^}]*\}\}|\./g, "") !== ""),
  );
}

/**
 * Whether a build's metadata-action tag rules tell variants apart by text latest does not get: a suffix= or prefix=,
 * or text of the pattern's own.
 */
function rulesHaveAffix(project: Project, build: BuildInvocation): boolean {
  return metadataRules(project, build).some((text) => /(^|[\s,])(?:suffix|prefix)=[^,\s]/.test(text)) || patternLostOnPrerelease(project, build);
}

function onLatestEdit(segment: Segment): Edit | undefined {
  if (!segment.exact) return undefined;
  const at = segment.text.search(/suffix=/);
  const end = fieldEnd(segment.text, at);
  const offset = segment.span.start.offset + end;
  const pos = { line: segment.span.start.line, col: segment.span.start.col + end, offset };
  return { span: { file: segment.span.file, path: segment.span.path, start: pos, end: pos }, text: ",onlatest=true" };
}

interface Collision {
  refs: Set<string>;
  pushes: Push[];
  /** Differing fields, with one example pair of values each. */
  fields: Map<Field, [string, string]>;
}

function listOf(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** At most three items, then how many more. */
function capped(items: string[]): string[] {
  return items.length > 3 ? [...items.slice(0, 3), `${items.length - 3} more`] : items;
}

/** Where a push is: the step (and its call chain), the bake target and the matrix leg. */
function pushSite(p: Push): string {
  return [describeSite(p.build.visit), p.build.bakeTarget && `bake target ${p.build.bakeTarget}`, legLabel(p)].filter(Boolean).join(", ");
}

function legLabel(p: Push): string {
  // A matrix computed at run time (fromJSON) is one unknown leg.
  if (p.leg === "matrix") return "each leg of its computed matrix";
  return p.leg ? `leg ${p.leg}` : "";
}

/** Whether `a`'s conditions are among `b`'s: whenever `b`'s hold, `a`'s do. */
function within(a: string[], b: string[]): boolean {
  return a.every((x) => b.includes(x));
}

/**
 * A push that is sure to meet another: some partner runs whenever it does (its `if:` conditions not decided here are
 * among this push's), and it is pushed on every path, or its build always pushes, its conditions are the run's (`inputs.tag ||
 * vars.VERSION`), and another leg or build of the same run pushes the tag under those conditions or fewer, so
 * whichever way the run goes, both push it.
 */
function sureCollision(p: Push, c: Collision): boolean {
  // A partner whose step or job has an if: this push's does not (a step output tagguard cannot decide) may not run.
  if (!c.pushes.some((q) => q.ref === p.ref && q.at !== p.at && within(q.build.visit.guards, p.build.visit.guards))) return false;
  if (p.always) return true;
  if (p.build.push !== true || !p.item.conds.every(runWide)) return false;
  return c.pushes.some((q) => q.ref === p.ref && q.at !== p.at && q.run === p.run && q.build.push === true && within(q.item.conds, p.item.conds));
}

/** Per site and leg, per event case, the conditions of each tag the build pushes there. */
type Pushing = Map<string, Map<string, string[][]>>;

/**
 * Definite when every colliding push is sure to meet its partner, and every evaluation that pushes at a colliding
 * site (its event cases and, within one, the conditions of each tag it pushes, per matrix leg) pushes a colliding
 * tag: a build that pushes `latest` only on a semver release (metadata-action's default) and other tags on a
 * pre-release or a branch push has the collision only on some of its runs.
 */
function definite(c: Collision, pushing: Pushing): boolean {
  if (!c.pushes.every((p) => sureCollision(p, c))) return false;
  const checked = new Set<string>();
  return c.pushes.every((p) => {
    if (checked.has(p.at)) return true;
    checked.add(p.at);
    for (const [event, tags] of pushing.get(p.at) ?? []) {
      const colliding = c.pushes.filter((q) => q.at === p.at && q.event === event);
      if (!tags.every((conds) => colliding.some((q) => within(q.item.conds, conds)))) return false;
    }
    return true;
  });
}

/** Whether the builds differ in what they build (not only in platforms or arguments): error severity. */
function differInDefinition(c: Collision): boolean {
  return [...c.fields.keys()].some((f) => DEFINITION_FIELDS.includes(f));
}

/** info when a later job pushes the tag again; error when the builds differ in what they build; else warning. */
function severityOf(c: Collision, later: Repush | undefined): "info" | "warning" | "error" {
  if (later) return "info";
  return differInDefinition(c) ? "error" : "warning";
}

/** A push of a tag made by a step outside the colliding builds: the tag it writes and when. */
interface Repush {
  visit: StepVisit;
  parsed: TemplateRef;
  conds: string[];
  /** How the step pushes: its own tags, or `imagetools create` over a docker/metadata-action step's tags. */
  how: string;
}

/**
 * The tags an `imagetools create` script takes from a docker/metadata-action step's outputs (a loop over
 * `steps.meta.outputs.tags`, or jq over `$DOCKER_METADATA_OUTPUT_JSON`): every tag that step computes, which the
 * shell reader cannot follow through the loop but which the script reads whole.
 */
function metadataRepushes(project: Project, build: BuildInvocation): Repush[] {
  const run = build.visit.step.run;
  if (!run || !/\bimagetools\s+create\b/.test(run.value)) return [];
  const meta = metadataStepReadBy(project, build.visit, run.value);
  if (!meta?.id) return [];
  return build.visit.evaluate(`\${{ steps.${meta.id}.outputs.tags }}`, run.span).flatMap((alt) =>
    splitListInput(toTemplate(alt.value), "newline-and-comma").flatMap((t) => {
      const parsed = parseImageRefTemplate(t);
      return parsed ? [{ visit: build.visit, parsed, conds: alt.conds, how: `its docker buildx imagetools create over the tags of step ${meta.id}` }] : [];
    }),
  );
}

/**
 * A push in a job that waits for every colliding build's job and pushes the same tag whenever they do: each run
 * then ends with that push's image (a merge job's `imagetools create` of the legs' images), so the legs' race
 * only lasts until it runs.
 */
function replacedLater(project: Project, c: Collision, repushes: Map<string, Repush[]>): Repush | undefined {
  const covers = (q: Repush, p: Push) =>
    q.visit.event === p.build.visit.event &&
    q.visit.workflow === p.build.visit.workflow &&
    q.visit.jobId !== p.build.visit.jobId &&
    q.visit.guards.length === 0 &&
    within(q.conds, p.item.conds) &&
    compareRefs(q.parsed, p.parsed) === "definite" &&
    runsAfter(project, q.visit, p.build.visit);
  const first = c.pushes.map((p) => repushes.get(refIdentity(p.parsed))?.find((q) => covers(q, p)));
  return first.every((q) => q !== undefined) ? first[0] : undefined;
}

/**
 * Every tag a build or `imagetools create` pushes on every run that reaches it, by the identity `compareRefs` can
 * only match within: the pushes already read (`byRef`) and the tags of `imagetools create` over metadata outputs.
 */
function repushIndex(ctx: RuleContext, byRef: Map<string, Push[]>): Map<string, Repush[]> {
  const index = new Map<string, Repush[]>();
  for (const [identity, pushes] of byRef) {
    const sure = pushes.filter((p) => p.build.push === true);
    if (sure.length) index.set(identity, sure.map((p) => ({ visit: p.build.visit, parsed: p.parsed, conds: p.item.conds, how: `its step ${stepLabel(p.build.visit)}` })));
  }
  for (const b of ctx.builds) {
    if (b.push !== true || b.byDigest === true || b.tags.some((t) => templateLiteral(t.value) !== undefined)) continue;
    for (const r of metadataRepushes(ctx.project, b)) appendTo(index, refIdentity(r.parsed), r);
  }
  return index;
}

/**
 * The events on which the builds collide, when some colliding build also pushes on other events (a branch push that
 * pushes only branch tags, where the tag push also pushes latest): the finding names them.
 */
function collidingEvents(c: Collision, pushing: Pushing): string[] {
  const partial = c.pushes.filter((p) => [...(pushing.get(p.at)?.keys() ?? [])].some((e) => !c.pushes.some((q) => q.at === p.at && q.event === e)));
  return [...new Set(partial.map((p) => p.build.visit.event.label))];
}

function reportCollision(ctx: RuleContext, c: Collision, confidence: Confidence, alike: number, events: string[], later?: Repush): void {
  const primary = c.pushes[0];
  const refs = [...c.refs].sort();
  const sites = [...new Map(c.pushes.map((p) => [p.site, p])).values()];
  const legs = [...new Set(c.pushes.map((p) => p.leg))].filter((l) => l !== "");
  const builders =
    sites.length === 1
      ? `the matrix legs ${listOf(capped(legs.map((l) => `(${l})`)))} of ${describeSite(primary.build.visit)}`
      : `${sites.length} different builds (${capped(sites.map((p) => pushSite(p))).join("; ")})`;
  const fields = [...c.fields.entries()];
  const shown = (f: Field, v: string) => v || (f === "target" ? "last stage" : "none");
  const differ = listOf(fields.map(([f, [a, b]]) => `${FIELD_NAMES[f]} (${shown(f, a)} vs ${shown(f, b)})`));
  const parts = [
    `${listOf(refs)} ${refs.length === 1 ? "is" : "are"} pushed by ${builders}, which differ in ${differ}.`,
    "Every push replaces the tag, so it holds only the image of whichever build pushed last, and which one that is can change from run to run",
  ];
  // Steps of one job (one leg) run one after the other: the last one always wins, provided some run runs two of them
  // (steps whose `if:` never hold in one run, one on a branch push and the other on a tag push, are not pushed so).
  // The targets of one bake call are built at the same time (one site for them all); the builds of one script, one
  // after the other.
  const jobOf = (v: StepVisit) => [v.workflow.file, ...v.calls.map((call) => spanKey(call.span)), v.jobId, v.leg ?? ""].join("|");
  const sitesPerRun = new Map<string, Set<string>>();
  for (const p of c.pushes) {
    const run = runnerKey(p.build.visit);
    sitesPerRun.set(run, (sitesPerRun.get(run) ?? new Set()).add(p.build.bakeTarget === undefined ? p.site : siteKey(p.build.visit)));
  }
  if (new Set(c.pushes.map((p) => jobOf(p.build.visit))).size === 1 && [...sitesPerRun.values()].some((s) => s.size > 1)) {
    parts[1] = "The steps run one after the other in one job, so every run ends with the last one's image on the tag and the earlier builds' pushes are lost";
  }
  parts[1] += c.fields.has("platforms") ? ': users on the other platforms pull an image they cannot run ("exec format error").' : ".";
  if (later) {
    parts[1] = `Job ${later.visit.jobId} waits for these builds' jobs (needs:) and pushes the tag again (${later.how}), so every run ends with that image; until it runs, the tag holds whichever build pushed last${c.fields.has("platforms") ? ", which users on the other platforms cannot run" : ""}, and these pushes of it are redundant.`;
  }
  // The branch conditions every colliding push has in common: the evaluations where the collision happens; else
  // those of each tag (metadata-action's latest on a release, {{version}} on a pre-release).
  const common = (pushes: Push[]) => pushes.reduce<string[] | undefined>((acc, p) => (acc ? acc.filter((x) => p.item.conds.includes(x)) : [...p.item.conds]), undefined) ?? [];
  const conds = common(c.pushes);
  if (conds.length) parts.push(`This happens when ${listOf(conds)}.`);
  else {
    // The tags grouped by their conditions, a few named per group.
    const groups = new Map<string, { conds: string[]; refs: string[] }>();
    for (const r of refs) {
      const cs = common(c.pushes.filter((p) => p.ref === r));
      if (cs.length === 0) continue;
      const g = groups.get(JSON.stringify(cs)) ?? { conds: cs, refs: [] };
      groups.set(JSON.stringify(cs), g.refs.push(r) ? g : g);
    }
    const named = [...groups.values()].map((g) => `to ${listOf(capped(g.refs))} when ${listOf(g.conds)}`);
    if (named.length) parts.push(`This happens ${listOf(named)}.`);
    else if (events.length) parts.push(`This happens on ${listOf(events.map((e) => (e.includes(" ") ? `a ${e}` : `${e} runs`)))}.`);
  }
  // if: conditions some of the pushing steps have and others do not: the builds meet only where they hold together.
  const guards = [...new Set(c.pushes.flatMap((p) => p.build.visit.guards))].filter((g) => !c.pushes.every((p) => p.build.visit.guards.includes(g)));
  if (guards.length) parts.push(`The steps have if: conditions (${[...new Set(guards.map(conditionText))].join("; ")}); the builds meet only in runs where they hold together.`);
  const latestOnRelease = c.pushes.some((p) => p.ref.endsWith(":latest") && p.item.conds.some((x) => /is a (?:semver|PEP 440 final) release$/.test(x)));
  const autoLatest = latestOnRelease && !latestWithoutSuffix(ctx.project, primary.build) && c.pushes.some((p) => latestFromAuto(ctx.project, p.build));
  if (autoLatest && c.pushes.some((p) => rulesHaveAffix(ctx.project, p.build))) {
    const advice = later ? "" : "; set latest=false in the flavor of all but one build, or move the suffix to flavor suffix=… with onlatest=true";
    parts.push(`docker/metadata-action adds latest to the tags of a release (flavor latest=auto, for semver and pep440 rules), without the suffixes written in the tag rules or their suffix= attributes${advice}.`);
  }
  if (!later && c.pushes.some((p) => p.item.conds.some((x) => x.endsWith("is a semver pre-release")) && patternLostOnPrerelease(ctx.project, p.build))) {
    parts.push("On a pre-release docker/metadata-action uses {{version}} alone and drops the rest of a semver pattern (a -variant suffix written in the pattern), so the variants push the same tag; put the suffix in the rule's suffix= attribute or flavor instead.");
  }
  const flavor = !later && refs.some((r) => r.endsWith(":latest")) ? latestWithoutSuffix(ctx.project, primary.build) : undefined;
  let fix: Fix;
  if (later) {
    fix = {
      title: `push this tag from job ${later.visit.jobId} only: leave it out of these builds' tags${autoLatest ? " (flavor latest=false in their docker/metadata-action step)" : ""}`,
      edits: [],
      safe: false,
    };
  } else if (flavor) {
    parts.push("The tags come from docker/metadata-action with flavor suffix=…, which is not applied to latest unless onlatest=true, so every build pushes the same latest.");
    const edit = onLatestEdit(flavor);
    const title = "add onlatest=true to the flavor so latest gets the suffix too (or push latest from one merged multi-platform image)";
    fix = edit ? { title, edits: [edit], safe: true } : { title, edits: [], safe: false };
  } else if (sites.length === 1 && fields.every(([f]) => f === "platforms")) {
    fix = {
      title:
        "push each leg by digest (an outputs: line of type=image naming the image, with push-by-digest=true,name-canonical=true,push=true) and create the tag once from the digests with docker buildx imagetools create, or give each leg its own tag",
      edits: [],
      safe: false,
    };
  } else if (sites.length === 1) {
    // Legs that build different images (not platforms of one image) cannot share a tag as one index either.
    fix = { title: "give each leg its own tag (a suffix from the matrix value that tells the images apart), or push this tag from one leg only", edits: [], safe: false };
  } else {
    fix = { title: "give each build its own tag (for example a suffix per variant), or push this tag from one build only", edits: [], safe: false };
  }
  const related = sites
    .filter((p) => p.site !== primary.site)
    .map((p): RelatedLocation => {
      const span = spanKey(p.item.span) !== spanKey(primary.item.span) ? p.item.span : (p.build.visit.calls.at(-1)?.span ?? p.build.visit.step.span);
      const pushed = refs.filter((r) => c.pushes.some((q) => q.site === p.site && q.ref === r));
      return { span, message: `${listOf(pushed)} ${pushed.length === 1 ? "is" : "are"} also pushed here (${pushSite(p)})` };
    });
  if (later) related.push({ span: later.visit.step.span, message: `job ${later.visit.jobId} pushes the tag again here, after the builds` });
  ctx.report({
    message: parts.join(" "),
    primary: primary.item.span,
    subject: `${stepSubject(primary.build.visit)}|${refs.join(",")}`,
    severity: severityOf(c, later),
    confidence,
    related,
    hidden: [primary.build.visit.step.span],
    fix,
    alike,
  });
}

export default defineRule({
  meta: {
    id: "tag-pushed-by-multiple-builds",
    severity: "warning",
    description: "One tag is pushed by several builds (matrix legs or steps) that produce different images",
    fixable: "suggestion",
  },
  check(ctx) {
    const perVisit = new Map<StepVisit, BuildInvocation[]>();
    for (const b of ctx.builds) appendTo(perVisit, b.visit, b);
    const byRef = new Map<string, Push[]>();
    const pushing: Pushing = new Map();
    for (const build of ctx.builds) {
      if (build.push === false || build.byDigest === true) continue;
      const ordinal = (perVisit.get(build.visit) as BuildInvocation[]).indexOf(build);
      const own = `${build.visit.step.span.file}:${build.visit.step.span.start.offset}#${ordinal}|${build.bakeTarget ?? ""}`;
      const site = `${siteKey(build.visit)}#${ordinal}|${build.bakeTarget ?? ""}`;
      const at = `${site}@${build.visit.leg ?? ""}`;
      if (build.tags.length > 0) {
        const events = pushing.get(at) ?? new Map<string, string[][]>();
        pushing.set(at, events);
        appendTo(events, eventKey(build.visit), ...build.tags.map((t) => t.conds));
      }
      const event = eventKey(build.visit);
      const run = `${build.visit.workflow.file}|${event}`;
      for (const item of build.tags) {
        const ref = parseImageRefTemplate(item.value);
        if (!ref || ref.digest) continue;
        const text = formatRef(ref);
        const identity = refIdentity(ref);
        const push: Push = {
          build,
          item,
          ref: text,
          parsed: ref,
          site,
          step: own,
          leg: build.visit.leg ?? "",
          at,
          event,
          run,
          always: build.push === true && item.conds.length === 0,
        };
        appendTo(byRef, identity, push);
      }
    }
    const signatures = new Map<BuildInvocation, Signature>();
    const sig = (b: BuildInvocation): Signature => {
      let found = signatures.get(b);
      if (!found) signatures.set(b, (found = signature(b)));
      return found;
    };
    const collisions = new Map<string, Collision>();
    for (const pushes of byRef.values()) {
      const ref = pushes[0].ref;
      const involved = new Set<Push>();
      const fields = new Map<Field, [string, string]>();
      for (let i = 0; i < pushes.length; i++) {
        for (let j = i + 1; j < pushes.length; j++) {
          comparisons.pairs++;
          const [p, q] = [pushes[i], pushes[j]];
          // One build evaluated for several events (a reusable workflow's own dispatch and a caller's release
          // included) is one build run at different times, not two builds racing.
          if ((p.site === q.site && p.leg === q.leg) || (p.step === q.step && p.event !== q.event)) continue;
          if (exclusive(p.build.visit, q.build.visit)) continue;
          // A registry on the runner is the job's own: other jobs and legs push to another one.
          if (onRunnerRegistry(p.parsed) && runnerKey(p.build.visit) !== runnerKey(q.build.visit)) continue;
          // One bucket can hold a run's ref name under different trigger filters: the same tag only where they overlap.
          if (compareRefs(p.parsed, q.parsed) !== "definite") continue;
          // What a build builds is worked out only for builds whose tags meet.
          const [ps, qs] = [sig(p.build), sig(q.build)];
          const diff = differences(ps, qs);
          if (diff.length === 0) continue;
          // Builds of two runs (a release on a tag push, its re-publish by hand) whose arguments differ only in unknown
          // values are one build run at different times: that the values differ is not shown.
          if (p.run !== q.run && diff.every((f) => f === "args") && ps.argShape === qs.argShape) continue;
          involved.add(p).add(q);
          for (const f of diff) if (!fields.has(f)) fields.set(f, f === "args" ? argDifference(ps, qs) : [ps[f] as string, qs[f] as string]);
        }
      }
      if (involved.size === 0) continue;
      const list = [...involved].sort((a, b) => spanOrder(a.item.span, b.item.span));
      const sites = [...new Set(list.map((p) => `${p.site}@${p.leg}`))].sort();
      const key = `${spanKey(list[0].item.span)}|${sites.join(",")}`;
      const c: Collision = collisions.get(key) ?? { refs: new Set(), pushes: [], fields: new Map() };
      collisions.set(key, c);
      c.refs.add(ref);
      c.pushes.push(...list);
      for (const [f, v] of fields) if (!c.fields.has(f)) c.fields.set(f, v);
    }
    // The collisions at one tag line (its matrix legs, events and calls) are one finding: only the one kept (the most
    // severe and certain, the first of those) is described, and the others are counted.
    const atLine = new KeptPerKey<{ c: Collision; confidence: Confidence; later?: Repush }>();
    let repushes: Map<string, Repush[]> | undefined;
    for (const c of collisions.values()) {
      const confidence: Confidence = definite(c, pushing) ? "definite" : "possible";
      repushes ??= repushIndex(ctx, byRef);
      const later = replacedLater(ctx.project, c, repushes);
      atLine.add(spanKey(c.pushes[0].item.span), { c, confidence, later }, rankOf(severityOf(c, later), confidence));
    }
    for (const { item, others } of atLine.kept()) reportCollision(ctx, item.c, item.confidence, others, collidingEvents(item.c, pushing), item.later);
  },
});
