import type { Span } from "../workflow/span.js";
import type { Project } from "./project.js";

/**
 * The work one analysis may do. Legal-looking input can ask for exponential work (composite actions or reusable
 * workflows that each call the next several times, bake `inherits` diamonds, variables that double each other);
 * the budget ends such an analysis in bounded time and memory, and says where and why.
 */
export interface Limits {
  /** Steps evaluated, over every workflow × event × matrix leg and every expanded action and reusable workflow. */
  stepVisits: number;
  /** Builds found by those evaluations: each is compared by the repository-wide rules, so one costs far more than a step. */
  builds: number;
  /** Bake targets and groups resolved, over every bake invocation. */
  bakeNodes: number;
}

/**
 * Limits that grow with the input, so a large repository is analysed whole while small input cannot ask for
 * exponential work: per declared step, 64 evaluations and 32 builds (a generated 1,000-file repository evaluates
 * 8 per step; real repositories whose matrices fan out through reusable workflows several hundred, most of them
 * steps that build nothing), and 256 resolutions per bake block, on top of fixed allowances. Step evaluations that
 * build nothing are cheap (100,000 of them deep in composite actions take about a second and 210 MiB); builds are
 * what the rules compare, so they have the smaller allowance (10,000 that all collide take two seconds and 260 MiB).
 */
export function limitsFor(project: Project, overrides: { steps?: number; builds?: number } = {}): Limits {
  let steps = 0;
  for (const w of project.workflows.values()) for (const j of w.jobs) steps += j.steps.length + (j.uses ? 1 : 0);
  for (const a of project.actions.values()) steps += a.steps.length;
  let blocks = 0;
  for (const f of project.bakeFiles.values()) blocks += f.blocks.length;
  return { stepVisits: overrides.steps ?? 100_000 + 64 * steps, builds: overrides.builds ?? 10_000 + 32 * steps, bakeNodes: 100_000 + 256 * blocks };
}

/** Why and where an analysis stopped early. */
export interface LimitHit {
  message: string;
  span: Span;
}

export class Budget {
  private stepVisits = 0;
  private builds = 0;
  private bakeNodes = 0;
  /** The first limit hit; the analysis stops evaluating once it is set. */
  hit: LimitHit | undefined;

  constructor(private readonly limits: Limits) {}

  /** The work counted so far. */
  get used(): Limits {
    return { stepVisits: this.stepVisits, builds: this.builds, bakeNodes: this.bakeNodes };
  }

  get exhausted(): boolean {
    return this.hit !== undefined;
  }

  /** Counts one step evaluation at `span`; false once the budget is spent. */
  step(span: Span): boolean {
    if (this.hit) return false;
    if (++this.stepVisits <= this.limits.stepVisits) return true;
    this.stop(`the analysis evaluated ${this.limits.stepVisits.toLocaleString("en-US")} steps (every workflow × event × matrix leg, with composite actions and reusable workflows expanded into each caller) and stopped here; limits.steps in .github/tagguard.yml raises the limit`, span);
    return false;
  }

  /** Counts one build found at `span`; false once the budget is spent. */
  build(span: Span): boolean {
    if (this.hit) return false;
    if (++this.builds <= this.limits.builds) return true;
    this.stop(`the analysis found ${this.limits.builds.toLocaleString("en-US")} builds (every workflow × event × matrix leg, with composite actions and reusable workflows expanded into each caller) and stopped here; limits.builds in .github/tagguard.yml raises the limit`, span);
    return false;
  }

  /** Counts one bake target or group resolved in the file at `span`; false once the budget is spent. */
  bakeNode(span: Span): boolean {
    if (this.hit) return false;
    if (++this.bakeNodes <= this.limits.bakeNodes) return true;
    this.stop(`the analysis resolved ${this.limits.bakeNodes.toLocaleString("en-US")} bake targets and groups (inherits and group members, every invocation) and stopped here`, span);
    return false;
  }

  /** Ends the analysis: nothing more is evaluated, what was found so far is reported. */
  stop(message: string, span: Span): void {
    this.hit ??= { message, span };
  }
}
