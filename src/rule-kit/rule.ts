import type { BuildInvocation } from "../builds/invocation.js";
import type { Config } from "../config/types.js";
import type { TemplateRef } from "../docker/image-ref.js";
import type { Project } from "../engine/project.js";
import type { StepVisit } from "../engine/walk.js";
import type { Confidence, Finding, Fix, RelatedLocation, Severity } from "../report/finding.js";
import { fingerprint } from "../report/fingerprint.js";
import type { Span } from "../workflow/span.js";

/** A rule's page, `docs/rules/<id>.md`, at the running version (see report/docs-url.ts). */
export { ruleDocsUrl as docsUrlFor } from "../report/docs-url.js";

export interface RuleMeta {
  /** Stable kebab-case id. */
  id: string;
  severity: Severity;
  /** One line: what the rule reports. */
  description: string;
  fixable: "none" | "suggestion";
}

export interface Report {
  message: string;
  primary: Span;
  /** The semantic subject that identifies the finding across pushes (no line numbers). */
  subject: string;
  confidence?: Confidence;
  severity?: Severity;
  related?: RelatedLocation[];
  hidden?: Span[];
  fix?: Fix;
  /** The image references the finding is about (see `Finding.refs`). */
  refs?: TemplateRef[];
  /**
   * Which of the rule's problems this is, when one location can have several different ones (a cache directory
   * written by two builds, and read back by the same build): findings of one problem at one location are one.
   */
  problem?: string;
  /**
   * How many further reports of this location and problem this one stands for: a rule that ranks the variants of
   * one line itself reports only the one it keeps (see `rankOf`), and they are still counted in its message.
   */
  alike?: number;
}

/** What the engine's walk of a repository gives every rule. */
export interface RuleInput {
  project: Project;
  builds: BuildInvocation[];
  /**
   * Every reachable step of the repository's workflows, visited the way the engine visits builds: per
   * workflow × event × matrix leg, with local composite actions and reusable workflows expanded. Rules
   * use it to find the steps around a build (deploys, registry cleanups).
   */
  visits: StepVisit[];
  /** The repository configuration (`.github/tagguard.yml`), defaults applied. */
  config: Config;
}

export interface RuleContext extends RuleInput {
  report(r: Report): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

/**
 * Per key, the item of highest rank (the first of equal ones), with how many others it stands for: a rule's reports at
 * one location, or a rule's own variants of one line that it describes only once (`Report.alike`).
 */
export class KeptPerKey<T> {
  private readonly byKey = new Map<string, { item: T; rank: number; others: number }>();

  /** Adds `item`, which itself stands for `alike` others. */
  add(key: string, item: T, rank: number, alike = 0): void {
    const seen = this.byKey.get(key);
    if (!seen) this.byKey.set(key, { item, rank, others: alike });
    else if (rank > seen.rank) this.byKey.set(key, { item, rank, others: seen.others + 1 + alike });
    else seen.others += 1 + alike;
  }

  /** The kept items, in the order their keys were first added. */
  kept(): { item: T; others: number }[] {
    return [...this.byKey.values()];
  }
}

/** Runs one rule and turns its reports into findings. */
export function runRule(rule: Rule, input: RuleInput): Finding[] {
  // One finding per rule, source location and problem: the evaluated variants of one line (events, legs,
  // alternatives) are one problem to fix. The most severe and most certain is kept, the others are counted in its message.
  const byLocation = new KeptPerKey<Report>();
  rule.check({
    ...input,
    report(r) {
      const key = `${r.primary.file}:${r.primary.start.offset}:${r.primary.end.offset}|${r.problem ?? ""}`;
      byLocation.add(key, r, rankOf(r.severity ?? rule.meta.severity, r.confidence ?? "definite"), r.alike);
    },
  });
  return byLocation.kept().map(({ item: r, others }): Finding => ({
    ruleId: rule.meta.id,
    severity: r.severity ?? rule.meta.severity,
    confidence: r.confidence ?? "definite",
    message: others ? `${r.message} (${others} other value${others === 1 ? "" : "s"} of this line ${others === 1 ? "has" : "have"} the same problem.)` : r.message,
    primary: r.primary,
    related: r.related ?? [],
    hidden: r.hidden ?? [],
    fix: r.fix,
    ...(r.refs ? { refs: r.refs } : {}),
    fingerprint: fingerprint(rule.meta.id, r.primary.file, r.subject),
  }));
}

const SEVERITY_RANK: Record<Finding["severity"], number> = { error: 3, warning: 2, info: 1 };

/** Which of two findings at one location to keep: the more severe, then the definite one. */
export function rankOf(severity: Severity, confidence: Confidence): number {
  return SEVERITY_RANK[severity] * 2 + (confidence === "definite" ? 1 : 0);
}
