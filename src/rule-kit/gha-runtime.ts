/**
 * Whether a `type=gha` cache entry of a `run:` step reaches the GitHub Actions cache: buildx takes its token and URL
 * from the runtime variables GitHub passes to actions but not to `run:` steps, and drops the entry without them
 * (`gha-cache-needs-runtime` reports it; the cache rules do not count what it would have written).
 */

import { isAction } from "../builds/extract.js";
import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import { precedingSteps } from "./steps.js";

/** The variables buildx fills the `gha` cache's `token` and `url` from (docker/buildx `build/opt.go`). */
const RUNTIME_VARS = ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_URL"];
/** Attributes that make the entry independent of the runtime variables. */
const EXPLICIT = ["url", "url_v2", "token"];

/** Actions that export the runtime variables to later steps: crazy-max/ghaction-github-runtime and look-alikes. */
const EXPOSES_RUNTIME = /(^|\/)[\w.-]*github-runtime$/i;

/** True when an earlier step of the job exposes the runtime variables, or the step's env sets them. */
function runtimeExposed(project: Project, visit: StepVisit): boolean {
  if (RUNTIME_VARS.some((v) => visit.frame.env.has(v))) return true;
  return precedingSteps(project, visit).some((step) => {
    const uses = step.uses?.value;
    if (uses && EXPOSES_RUNTIME.test(uses.split("@")[0])) return true;
    const script = isAction(uses, "actions/github-script") ? step.with.get("script")?.value : undefined;
    return script !== undefined && RUNTIME_VARS.some((v) => script.includes(v));
  });
}

/** A `gha` entry whose token and URL buildx must take from the environment. */
function needsRuntime(c: CacheItem): boolean {
  return c.entry.type === "gha" && !c.entry.unknown && !EXPLICIT.some((a) => a in c.entry.attrs);
}

/** A `gha` entry of a `run:` step that buildx drops: it needs the runtime variables and no earlier step exposes them. */
export function ghaEntryDropped(project: Project, build: BuildInvocation, c: CacheItem): boolean {
  const { step } = build.visit;
  return step.run !== undefined && step.uses === undefined && needsRuntime(c) && !runtimeExposed(project, build.visit);
}
