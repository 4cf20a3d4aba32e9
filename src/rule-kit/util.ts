import type { StepVisit } from "../engine/walk.js";
import type { Span } from "../workflow/span.js";

/** Appends to the list at `key`, creating it (in place: a copy per append makes grouping quadratic). */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, ...values: V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, values);
}

/** Identity of a span for grouping: file and offsets. */
export function spanKey(span: Span): string {
  return `${span.file}:${span.start.offset}:${span.end.offset}`;
}

/** How a step is named in messages: its id, else its quoted name, else its position. */
export function stepLabel(visit: StepVisit): string {
  const { step } = visit;
  return step.id ?? (step.name ? `"${step.name}"` : `#${step.index + 1}`);
}

/** "job build, step meta in .github/workflows/ci.yml, via ./.github/actions/build" */
export function describeSite(visit: StepVisit): string {
  // Each call with where it is: two callers of one reusable workflow or action read apart.
  const via = visit.calls.length ? `, via ${visit.calls.map((c) => `${c.uses} at ${c.file}:${c.span.start.line}`).join(" → ")}` : "";
  return `job ${visit.jobId}, step ${stepLabel(visit)} in ${visit.file}${via}`;
}

/** A stable subject for fingerprints: workflow, job and step identity, never line numbers. */
export function stepSubject(visit: StepVisit): string {
  return [visit.workflow.file, visit.jobId, visit.file, stepLabel(visit)].join("|");
}
