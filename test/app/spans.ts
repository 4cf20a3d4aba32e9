import type { Finding } from "../../src/report/finding.js";
import { LineIndex, type Span } from "../../src/workflow/span.js";

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/** The span of the first occurrence of `needle` on 1-based `line` of `text`. */
export function spanOf(file: string, text: string, line: number, needle: string): Span {
  const index = new LineIndex(text);
  const col = index.lineText(line).indexOf(needle);
  if (col < 0) throw new Error(`"${needle}" is not on line ${line}`);
  const start = lineStarts(text)[line - 1] + col;
  return index.span(file, start, start + needle.length, []);
}

/** The span of whole lines `first..last`, ending at column 1 of the line after. */
export function linesOf(file: string, text: string, first: number, last: number): Span {
  const starts = lineStarts(text);
  return new LineIndex(text).span(file, starts[first - 1], last < starts.length ? starts[last] : text.length, []);
}

export function finding(overrides: Partial<Finding> & Pick<Finding, "primary" | "fingerprint">): Finding {
  return {
    ruleId: "cache-overwrites-tag",
    severity: "error",
    confidence: "definite",
    message: "cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
    related: [],
    hidden: [],
    ...overrides,
  };
}
