/**
 * CSV records as Docker tools read them (buildx `csvvalue`, metadata-action `csv-parse`): fields split on
 * commas, `"…"` quoting with `""` escapes, no trimming. Literal text goes through csv-parse; a template
 * with holes is scanned in its literal text only, each hole staying inside the field it appears in.
 */

import { parse } from "csv-parse/sync";
import type { Template } from "../workflow/expr/value.js";
import { splitTemplate, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import { fromTokens, type Tok, toTokens } from "./template-tokens.js";

export interface CsvRecord {
  fields: Template[];
  /** Set when the quoting is invalid; `fields` is then empty. */
  error?: string;
}

const BARE_QUOTE = 'bare " in non-quoted-field';
const BAD_QUOTE = 'extraneous or missing " in quoted-field';

function literalFields(text: string): CsvRecord {
  // Without quotes or line breaks csv-parse only splits on commas: skip its per-call set-up.
  if (!/["\r\n]/.test(text)) return { fields: text.split(",").map((f) => (f === "" ? [] : [{ lit: f }])) };
  try {
    const records = parse(text, { relaxColumnCount: true }) as string[][];
    const fields = records[0] ?? [""];
    return { fields: fields.map((f) => (f === "" ? [] : [{ lit: f }])) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { fields: [], error: code === "INVALID_OPENING_QUOTE" ? BARE_QUOTE : BAD_QUOTE };
  }
}

/** Splits one CSV record (a single line) into fields. */
export function csvFields(t: Template): CsvRecord {
  const text = templateLiteral(t);
  if (text !== undefined) return literalFields(text);
  const fields: Tok[][] = [[]];
  let state: "start" | "unquoted" | "quoted" | "closed" = "start";
  const field = () => fields[fields.length - 1];
  for (const tok of toTokens(t)) {
    if (typeof tok !== "string") {
      if (state === "closed") return { fields: [], error: BAD_QUOTE };
      if (state === "start") state = "unquoted";
      field().push(tok);
      continue;
    }
    switch (state) {
      case "start":
      case "unquoted":
        if (tok === ",") {
          fields.push([]);
          state = "start";
        } else if (tok === '"') {
          if (state === "unquoted") return { fields: [], error: BARE_QUOTE };
          state = "quoted";
        } else {
          field().push(tok);
          state = "unquoted";
        }
        break;
      case "quoted":
        if (tok === '"') state = "closed";
        else field().push(tok);
        break;
      case "closed":
        if (tok === '"') {
          field().push('"');
          state = "quoted";
        } else if (tok === ",") {
          fields.push([]);
          state = "start";
        } else return { fields: [], error: BAD_QUOTE };
        break;
    }
  }
  if (state === "quoted") return { fields: [], error: BAD_QUOTE };
  return { fields: fields.map(fromTokens) };
}

/** Quotes a field for a CSV record when it needs it. */
export function csvQuote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** How docker/build-push-action splits a list input (docker/actions-toolkit `Util.getInputList`). */
export type ListSplit = "newline" | "newline-and-comma";

const SEPARATORS: Record<ListSplit, RegExp> = { newline: /\r?\n/, "newline-and-comma": /\r?\n|,/ };

/**
 * Splits a list input on literal newlines (and commas): items trimmed, empty items dropped. Holes are
 * never split, even when they may hold a separator.
 */
export function splitListInput(t: Template, split: ListSplit): Template[] {
  return splitTemplate(t, SEPARATORS[split])
    .map(trimTemplate)
    .filter((item) => item.length > 0);
}
