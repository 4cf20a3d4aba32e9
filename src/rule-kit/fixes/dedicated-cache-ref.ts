import { Lexer, TokenType, type Token } from "@actions/expressions/lexer";
import type { CacheItem } from "../../builds/invocation.js";
import { type TemplateRef, withTag, formatRef } from "../../docker/image-ref.js";
import { renderTemplate } from "../../workflow/expr/value.js";
import type { Edit, Fix } from "../../report/finding.js";
import type { Segment } from "../../workflow/yaml.js";
import { CACHE_TAG, dedicatedCacheRef } from "../../docker/cache-spec.js";
import { spanKey } from "../util.js";

/** Quotes a string as an Actions expression literal. */
function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** metadata-action's tags as a later step reads them: its `tags` or `json` output, or the variables it exports. */
const METADATA_TAGS = /\bsteps\.[\w-]+\.outputs\.(?:tags|json)\b|\benv\.DOCKER_METADATA_OUTPUT_(?:TAGS|JSON)\b/;

/**
 * In `${{ … format('type=registry,ref={0}…', tags) … }}`, replaces the format call with a literal
 * cache entry that keeps the format string's other attributes and names the dedicated ref.
 */
function rewriteFormatCall(line: string, newRef: string): string | undefined {
  const open = line.indexOf("${{");
  const close = line.indexOf("}}", open);
  if (open < 0 || close < 0) return undefined;
  const inner = line.slice(open + 3, close);
  let tokens: Token[];
  try {
    tokens = new Lexer(inner).lex().tokens;
  } catch {
    return undefined;
  }
  for (let i = 0; i + 2 < tokens.length; i++) {
    const t = tokens[i];
    const fmt = tokens[i + 2];
    if (t.type !== TokenType.IDENTIFIER || t.lexeme.toLowerCase() !== "format") continue;
    if (tokens[i + 1].type !== TokenType.LEFT_PAREN || fmt.type !== TokenType.STRING) continue;
    const pattern = String(fmt.value);
    if (!/ref=\{0\}/.test(pattern) || !METADATA_TAGS.test(inner)) continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      if (tokens[j].type === TokenType.LEFT_PAREN) depth++;
      if (tokens[j].type === TokenType.RIGHT_PAREN && --depth === 0) {
        const start = open + 3 + t.range.start.column;
        const end = open + 3 + tokens[j].range.end.column;
        const entry = pattern.replace("ref={0}", `ref=${newRef}`).replace(/\{\{/g, "{").replace(/\}\}/g, "}");
        // A line that is only the format call becomes the literal entry itself, not an expression of a literal.
        if (line.slice(0, open).trim() === "" && line.slice(open + 3, start).trim() === "" && line.slice(end, close).trim() === "" && line.slice(close + 2).trim() === "") {
          return `${line.slice(0, open)}${entry}${line.slice(close + 2)}`;
        }
        return `${line.slice(0, start)}${quote(entry)}${line.slice(end)}`;
      }
    }
  }
  return undefined;
}

/**
 * In `type=registry,ref=${{ steps.meta.outputs.tags }},mode=max`, where one expression is the whole ref, puts the
 * dedicated ref in place of the expression; undefined for any other shape.
 */
function replaceRefExpression(line: string, newRef: string): string | undefined {
  const m = /^(.*\bref=)\$\{\{([^}]*)\}\}(\s*(?:,.*)?)$/.exec(line);
  if (!m || line.indexOf("${{") !== line.lastIndexOf("${{") || m[1].includes("${{") || !METADATA_TAGS.test(m[2])) return undefined;
  return `${m[1]}${newRef}${m[3]}`;
}

/** The whole-line edit that points a registry cache line at the dedicated ref; undefined when the line is not plain. */
function lineEdit(c: CacheItem, image: TemplateRef, inPlace: boolean): Edit | undefined {
  const segment: Segment = c.item.segment;
  if (!segment.exact) return undefined;
  if (c.item.derived) {
    if (!inPlace) return undefined;
    const text = replaceRefExpression(segment.text, formatRef(withTag(image, CACHE_TAG)));
    return text === undefined ? undefined : { span: segment.span, text };
  }
  if (renderTemplate(c.entry.raw).trim() !== segment.text.trim()) return undefined;
  const text = dedicatedCacheRef(c.entry, image);
  return text === undefined || text === segment.text ? undefined : { span: segment.span, text };
}

/**
 * The fix for a cache export onto a pushed tag: export to `<image>:buildcache` instead, and point the build's
 * `cache-from` lines that read the old ref at the new one, so the build keeps its cache (`reads`). An expression
 * that computes the ref is replaced by the literal ref only with `inPlace`: when every evaluation of the line
 * collides in one repository (not a composite action or reusable workflow its callers pass images to, nor a
 * matrix of images).
 */
export function cacheRefFix(write: CacheItem, collidingRefs: TemplateRef[], reads: CacheItem[] = [], options: { inPlace?: boolean } = {}): Fix {
  const dedicated = withTag(collidingRefs[0], CACHE_TAG);
  const newRef = formatRef(dedicated);
  const title = `export the cache to a dedicated ref such as ${newRef} (or a separate repository like ${formatRef(withTag(collidingRefs[0], CACHE_TAG, "-cache"))}), keeping its other attributes`;
  const segment: Segment = write.item.segment;
  if (!segment.exact) return { title, edits: [], safe: false };
  const wholeLine = renderTemplate(write.entry.raw).trim() === segment.text.trim();
  const text = wholeLine
    ? dedicatedCacheRef(write.entry, collidingRefs[0])
    : write.item.derived && dedicated.literal && options.inPlace
      ? (rewriteFormatCall(segment.text, newRef) ?? replaceRefExpression(segment.text, newRef))
      : undefined;
  if (text === undefined || text === segment.text) return { title, edits: [], safe: false };
  const readEdits = reads.map((r) => lineEdit(r, collidingRefs[0], options.inPlace === true));
  // A read that cannot be rewritten too would lose the cache: then no edit is offered, only the words.
  if (readEdits.some((e) => e === undefined)) return { title: `${title}; point cache-from at the same ref`, edits: [], safe: false };
  // The lines of one newline-joined read are one edit.
  const edits = [{ span: segment.span, text }, ...(readEdits as Edit[])].filter((e, i, all) => all.findIndex((o) => spanKey(o.span) === spanKey(e.span)) === i);
  return { title: reads.length ? `${title}, and read it back from there in cache-from` : title, edits, safe: true };
}
