import type { TemplateRef } from "../docker/image-ref.js";
import type { Span } from "../workflow/span.js";

export type Severity = "error" | "warning" | "info";

/** definite: holds for every evaluation; possible: depends on values tagguard cannot know. */
export type Confidence = "definite" | "possible";

export interface Edit {
  span: Span;
  /** Replacement text for the span. */
  text: string;
}

export interface Fix {
  title: string;
  edits: Edit[];
  /** The whole replacement for the primary span's lines, when the fix rewrites whole lines. */
  safe: boolean;
}

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  message: string;
  primary: Span;
  related: RelatedLocation[];
  /** Wider spans (e.g. the whole step) within which an inline ignore comment applies. */
  hidden: Span[];
  fix?: Fix;
  /**
   * The image references the finding is about, for consumers that match findings against an image
   * (cache-overwrites-tag: the pushed refs the cache export overwrites). Not part of any output format.
   */
  refs?: TemplateRef[];
  /** Stable across unrelated edits: hash of rule id, file and semantic subject. No line numbers. */
  fingerprint: string;
}

/**
 * Whether a finding blocks: a definite error, one that holds in every evaluation that runs the build. Only
 * these make `tagguard lint` exit 1 and fail the check run; a possible finding depends on values tagguard
 * cannot know and never blocks (docs/confidence.md).
 */
export function isBlocking(f: Pick<Finding, "severity" | "confidence">): boolean {
  return f.severity === "error" && f.confidence === "definite";
}
