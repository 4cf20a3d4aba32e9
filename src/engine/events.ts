import type { Trigger } from "../workflow/model.js";
import { refScope } from "../workflow/ref-filters.js";

/**
 * One way a workflow can be triggered, as far as the ref matters to Docker tags.
 * A workflow is evaluated once per case, so a cache export guarded to '' on one event and
 * publishing on another is judged event by event.
 */
export interface EventCase {
  /** `github.event_name`. */
  eventName: string;
  refKind: "branch" | "tag" | "pr" | "other";
  /** The full ref when it is known, e.g. `refs/heads/main`. */
  ref?: string;
  /** Short label for messages: `push to a tag`, `pull_request`. */
  label: string;
  /**
   * The identity of the unknown ref name: the refs the trigger's filters allow (`refScope`). Two workflows'
   * `github.ref_name` are one value only when their filters can match the same ref.
   */
  refScope?: string;
}

const PR_EVENTS = new Set(["pull_request", "pull_request_target"]);

function literalRef(prefix: string, filters: string[] | undefined): string | undefined {
  if (!filters || filters.length !== 1) return undefined;
  const f = filters[0];
  return /[*?[\]!+]/.test(f) ? undefined : `${prefix}${f}`;
}

/** The evaluation cases for a workflow's triggers, deduplicated, in a stable order. */
export function eventCases(triggers: Trigger[]): EventCase[] {
  const out: EventCase[] = [];
  const seen = new Set<string>();
  const add = (c: EventCase) => {
    const key = `${c.eventName}|${c.refKind}|${c.ref ?? ""}|${c.refScope ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  for (const t of triggers) {
    if (t.event === "push") {
      // A push filtered only by branches (or branches-ignore) never runs for a tag, and the other way round.
      const hasBranches = t.branches !== undefined || t.ignoresBranches === true;
      const hasTags = t.tags !== undefined || t.ignoresTags === true;
      if (hasBranches || !hasTags) {
        const scope = refScope({ kind: "branch", patterns: t.branches ?? [] });
        add({ eventName: "push", refKind: "branch", ref: literalRef("refs/heads/", t.branches), label: "push to a branch", ...(scope ? { refScope: scope } : {}) });
      }
      if (hasTags || !hasBranches) {
        const scope = refScope({ kind: "tag", patterns: t.tags ?? [] });
        add({ eventName: "push", refKind: "tag", ref: literalRef("refs/tags/", t.tags), label: "push of a tag", ...(scope ? { refScope: scope } : {}) });
      }
    } else if (PR_EVENTS.has(t.event)) {
      add({ eventName: t.event, refKind: "pr", label: t.event });
    } else if (t.event === "release") {
      add({ eventName: "release", refKind: "tag", label: "release" });
    } else if (t.event === "workflow_dispatch" || t.event === "schedule" || t.event === "merge_group") {
      add({ eventName: t.event, refKind: "branch", label: t.event });
    } else {
      add({ eventName: t.event, refKind: "other", label: t.event });
    }
  }
  if (out.length === 0) add({ eventName: "push", refKind: "other", label: "any event" });
  return out;
}
