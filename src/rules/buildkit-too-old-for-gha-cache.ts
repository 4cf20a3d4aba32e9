import { isAction } from "../builds/extract.js";
import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { Project } from "../engine/project.js";
import type { Edit, RelatedLocation } from "../report/finding.js";
import type { Step } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import type { Segment } from "../workflow/yaml.js";
import { firstByKey, validEntries } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { describeSite, spanKey } from "../rule-kit/util.js";

type Version = [number, number, number];

/** GitHub cache service v2, the only one since April 15, 2025, needs these versions (Docker docs *GitHub Actions cache*). */
const MIN_BUILDX: Version = [0, 21, 0];
const MIN_BUILDKIT: Version = [0, 20, 0];
/** What the fix pins instead: the action installs the latest buildx; buildx's default BuildKit image. */
const BUILDX_FIX = "latest";
const BUILDKIT_FIX_TAG = "buildx-stable-1";
const MAX_ACTION_DEPTH = 8;

const SETUP_BUILDX = "docker/setup-buildx-action";

function parseVersion(s: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(s.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function older(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] < min[i];
  return false;
}

function format(v: Version): string {
  return `v${v.join(".")}`;
}

/** The span of `needle` inside an exact segment when it occurs there exactly once. */
function within(segment: Segment, needle: string): Span | undefined {
  const at = segment.text.indexOf(needle);
  if (!segment.exact || at < 0 || segment.text.indexOf(needle, at + 1) >= 0) return undefined;
  const { span } = segment;
  return {
    file: span.file,
    path: span.path,
    start: { line: span.start.line, col: span.start.col + at, offset: span.start.offset + at },
    end: { line: span.start.line, col: span.start.col + at + needle.length, offset: span.start.offset + at + needle.length },
  };
}

/** A setup-buildx-action step that pins a builder too old for cache service v2. */
interface Pin {
  kind: "buildx" | "buildkit";
  /** The pinned version as written (`v0.9.1`, `moby/buildkit:v0.12.5`). */
  written: string;
  /** What the fix writes instead. */
  replacement: string;
  version: Version;
  span: Span;
  edit?: Edit;
}

/** The old pins of one setup-buildx-action step: `version:` and `driver-opts: image=moby/buildkit:<tag>`. */
function pinsOf(step: Step): Pin[] {
  const pins: Pin[] = [];
  const version = step.with.get("version");
  const v = version && !version.value.includes("${{") ? parseVersion(version.value) : undefined;
  if (version && v && older(v, MIN_BUILDX)) {
    const written = version.value.trim();
    const span = within(version.segments[0], written);
    pins.push({ kind: "buildx", written, replacement: BUILDX_FIX, version: v, span: span ?? version.span, edit: span && { span, text: BUILDX_FIX } });
  }
  const driver = step.with.get("driver")?.value.trim();
  const opts = step.with.get("driver-opts");
  if (opts && driver !== "docker") {
    for (const segment of opts.segments) {
      const m = /^\s*image=([^\s,"]*moby\/buildkit):([^\s,"@]+)\s*$/.exec(segment.text);
      const bk = m ? parseVersion(m[2]) : undefined;
      if (!m || !bk || !older(bk, MIN_BUILDKIT)) continue;
      const written = `${m[1]}:${m[2]}`;
      const span = within(segment, written);
      const rootless = m[2].endsWith("-rootless") ? "-rootless" : "";
      const replacement = `${m[1]}:${BUILDKIT_FIX_TAG}${rootless}`;
      pins.push({ kind: "buildkit", written, replacement, version: bk, span: span ?? segment.span, edit: span && { span, text: replacement } });
    }
  }
  return pins;
}

interface StepList {
  steps: Step[];
  /** Steps before this index ran before the build (or before the call that leads to it). */
  before: number;
}

/** The step list of `file` that holds the step whose span (or `uses:` span) is `span`. */
function stepListOf(project: Project, file: string, span: Span, by: "step" | "uses"): StepList | undefined {
  const lists = [
    ...(project.workflows.get(file)?.jobs.map((j) => j.steps) ?? []),
    ...[...project.actions.values()].filter((a) => a.file === file).map((a) => a.steps),
  ];
  for (const steps of lists) {
    const step = steps.find((s) => {
      const target = by === "step" ? s.span : s.uses?.span;
      return target !== undefined && spanKey(target) === spanKey(span);
    });
    if (step) return { steps, before: step.index };
  }
  return undefined;
}

/**
 * The steps that ran on the build's runner before it, nearest first: earlier steps of its own step
 * list, then of each composite caller. Reusable workflows run their jobs on other runners.
 */
function listsBefore(project: Project, build: BuildInvocation): StepList[] {
  const { visit } = build;
  const own = stepListOf(project, visit.file, visit.step.span, "step");
  if (!own) return [];
  const out = [own];
  for (const call of [...visit.calls].reverse()) {
    if (/\.ya?ml(@.*)?$/.test(call.uses)) break;
    const caller = stepListOf(project, call.file, call.span, "uses");
    if (!caller) break;
    out.push(caller);
  }
  return out;
}

/** Which setup-buildx-action step made the builder a build uses. */
type BuilderChoice = { by: "default" } | { by: "id"; id: string } | { by: "name"; name: string } | { by: "unknown" };

function builderChoice(build: BuildInvocation): BuilderChoice {
  const builder = build.inputs.get("builder")?.value.trim();
  if (!builder) return { by: "default" };
  const ref = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.name\s*\}\}$/.exec(builder);
  if (ref) return { by: "id", id: ref[1] };
  return builder.includes("${{") ? { by: "unknown" } : { by: "name", name: builder };
}

function selects(step: Step, choice: BuilderChoice): boolean {
  if (!isAction(step.uses?.value, SETUP_BUILDX)) return false;
  if (choice.by === "id") return step.id === choice.id;
  if (choice.by === "name") return step.with.get("name")?.value.trim() === choice.name;
  return step.with.get("use")?.value.trim().toLowerCase() !== "false";
}

/** The nearest earlier setup-buildx-action step that the build's builder comes from. */
function setupStep(project: Project, build: BuildInvocation): Step | undefined {
  const choice = builderChoice(build);
  if (choice.by === "unknown") return undefined;
  const search = (steps: Step[], depth: number): Step | undefined => {
    for (const step of [...steps].reverse()) {
      if (selects(step, choice)) return step;
      const uses = step.uses?.value;
      const action = uses?.startsWith("./") && depth < MAX_ACTION_DEPTH ? project.action(uses) : undefined;
      const inner = action?.using === "composite" ? search(action.steps, depth + 1) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  for (const list of listsBefore(project, build)) {
    const found = search(list.steps.slice(0, list.before), 0);
    if (found) return found;
  }
  return undefined;
}

interface Use {
  build: BuildInvocation;
  cache: CacheItem;
  direction: "cache-to" | "cache-from";
}

function ghaUses(build: BuildInvocation): Use[] {
  const pick = (items: CacheItem[], direction: Use["direction"]) =>
    validEntries(items)
      .filter((c) => c.entry.type === "gha")
      .map((cache) => ({ build, cache, direction }));
  return [...pick(build.cacheTo, "cache-to"), ...pick(build.cacheFrom, "cache-from")];
}

function message(pin: Pin, uses: Use[]): string {
  const what =
    pin.kind === "buildx"
      ? `docker/setup-buildx-action pins buildx ${pin.written}, older than ${format(MIN_BUILDX)}`
      : `docker/setup-buildx-action runs BuildKit ${format(pin.version)} (image=${pin.written}), older than ${format(MIN_BUILDKIT)}`;
  const exports = uses.some((u) => u.direction === "cache-to");
  const effect = exports
    ? 'so exporting the cache fails the build step with "This legacy service is shutting down, effective April 15, 2025. Migrate to the new service ASAP" (docker/build-push-action#1360)'
    : "so the cache import fails and every build runs without cache";
  return (
    `${what}, and builds on this builder use a type=gha cache. Since April 15, 2025 GitHub serves only cache service v2, ` +
    `which needs buildx ${format(MIN_BUILDX)} and BuildKit ${format(MIN_BUILDKIT)} or newer, ${effect}.`
  );
}

export default defineRule({
  meta: {
    id: "buildkit-too-old-for-gha-cache",
    severity: "warning",
    description: "A type=gha cache on a builder pinned to a buildx or BuildKit version without GitHub cache service v2",
    fixable: "suggestion",
  },
  check(ctx) {
    const byPin = new Map<string, { pin: Pin; setup: Step; uses: Use[] }>();
    for (const build of ctx.builds) {
      const uses = ghaUses(build);
      if (!uses.length) continue;
      const setup = setupStep(ctx.project, build);
      if (!setup) continue;
      for (const pin of pinsOf(setup)) {
        const key = spanKey(pin.span);
        const entry = byPin.get(key) ?? { pin, setup, uses: [] };
        byPin.set(key, entry);
        entry.uses.push(...uses);
      }
    }
    for (const { pin, setup, uses } of byPin.values()) {
      const distinct = firstByKey(uses, (u) => spanKey(u.cache.item.span));
      const related: RelatedLocation[] = distinct.map((u) => ({
        span: u.cache.item.span,
        message: `${u.direction} uses the GitHub Actions cache here (${describeSite(u.build.visit)})`,
      }));
      const fixText = pin.kind === "buildx" ? `version: ${pin.replacement}` : `image=${pin.replacement}`;
      const label = setup.id ?? (setup.name ? `"${setup.name}"` : `#${setup.index + 1}`);
      const floor = pin.kind === "buildx" ? format(MIN_BUILDX) : format(MIN_BUILDKIT);
      ctx.report({
        message: message(pin, distinct),
        primary: pin.span,
        subject: `${pin.span.file}|${setup.path.slice(0, -1).filter((p) => typeof p === "string").join("/")}|${label}|${pin.kind}`,
        related,
        hidden: [setup.span],
        fix: {
          title: `unpin, or raise the pin to ${floor} or newer (${fixText})`,
          edits: pin.edit ? [pin.edit] : [],
          safe: pin.edit !== undefined,
        },
      });
    }
  },
});

