import type { Edit } from "../../report/finding.js";
import type { Step } from "../../workflow/model.js";
import type { ScalarValue, YamlFile } from "../../workflow/yaml.js";

/** A zero-width span at `offset`. */
function at(y: YamlFile, offset: number): Edit["span"] {
  return y.index.span(y.file, offset, offset, []);
}

/**
 * An edit that adds `key: value` to a step's `with:` block, as a line of its own before the first input;
 * when the step has no `with:`, a `with:` block is added after its `uses:` line. Undefined when the layout
 * is not the plain block style this can edit exactly (flow maps, a value on the line after its key…).
 */
export function addInputEdit(y: YamlFile, step: Step, key: string, value: string): Edit | undefined {
  const [first] = step.with.keys();
  if (first !== undefined) {
    const { start } = (step.with.get(first) as ScalarValue).span;
    const m = /^(\s*)([^\s:#]+):/.exec(y.index.lineText(start.line));
    if (!m || m[2] !== first) return undefined;
    return { span: at(y, start.offset - (start.col - 1)), text: `${m[1]}${key}: ${value}\n` };
  }
  const uses = step.uses;
  if (!uses) return undefined;
  const stepText = y.text.slice(step.span.start.offset, step.span.end.offset);
  if (/^\s*(-\s+)?with\s*:/m.test(stepText)) return undefined;
  const usesLine = y.index.lineText(uses.span.start.line);
  const m = /^(\s*(?:-\s+)?)uses\s*:\s*\S+\s*(#.*)?$/.exec(usesLine);
  const newline = y.text.indexOf("\n", uses.span.end.offset);
  if (!m || uses.span.end.line !== uses.span.start.line || newline < 0) return undefined;
  const pad = " ".repeat(m[1].length);
  return { span: at(y, newline + 1), text: `${pad}with:\n${pad}  ${key}: ${value}\n` };
}

/** An edit replacing an input's single-line plain value (`provenance: true`) with `text`; undefined otherwise. */
export function replaceValueEdit(y: YamlFile, value: ScalarValue, text: string): Edit | undefined {
  const { span } = value;
  const source = y.text.slice(span.start.offset, span.end.offset);
  if (span.start.line !== span.end.line || source !== value.value) return undefined;
  return { span, text };
}
