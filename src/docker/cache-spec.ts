/**
 * buildx cache entries (`--cache-to` / `--cache-from`, docker/buildx `util/buildflags/cache.go`):
 * - a line with no `=` at all is the ref-only format: every CSV field becomes its own
 *   `type=registry,ref=<field>` entry (`inline` exports to `docker.io/library/inline:latest`);
 * - otherwise every field must be `key=value` (keys lowercased, the value is everything after the first
 *   `=`): a bare field fails with `invalid value <field>`, a missing type with `type required for "<line>"`.
 *
 * Lines with holes are split on literal commas and `=` only. A field whose key=value split point may lie
 * inside a hole is kept in `unknown`; a line made only of holes that may contain `=` has an unknown type.
 * Holes embedded in a reference (`ghcr.io/o/app:${{ env.TAG }}`) are assumed not to contain `=`.
 */

import type { Template } from "../workflow/expr/value.js";
import { isLit, renderTemplate, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import { csvFields, csvQuote } from "./csv.js";
import { parseImageRefTemplate, type TemplateRef } from "./image-ref.js";
import { fromTokens, hasHoles, holesMayContain, isHoleTok, toTokens } from "./template-tokens.js";

export interface CacheEntry {
  /** Cache backend (`registry`, `inline`, `gha`, `local`, `s3`, `azblob`, …); undefined when unknowable. */
  type: string | undefined;
  /** Attributes other than `type`, keys lowercased, in written order. */
  attrs: Record<string, Template>;
  /** True for the ref-only form (a field without `=`, registry export implied). */
  bare: boolean;
  /** The buildx error for an invalid line; the build fails and nothing is exported. */
  error?: string;
  /** The entry's own text: the field for ref-only entries, the whole line otherwise. */
  raw: Template;
  /** Fields whose key is not known because a hole may hold `key=value` (their effect is unknown). */
  unknown?: Template[];
}

/** Attributes the `gha` backend reads (moby/buildkit `cache/remotecache/gha`); others are ignored. */
const GHA_ATTRS = ["scope", "timeout", "token", "url", "url_v2", "repository", "ghtoken", "version"];
/** Attributes BuildKit reads for every cache exporter (moby/buildkit `control/control.go`). */
const COMMON_ATTRS = ["mode", "ignore-error"];

/** Go's `%q` for the error messages buildx prints. */
function goQuote(s: string): string {
  const escaped = s.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? c);
  return `"${escaped}"`;
}

const failed = (raw: Template, error: string): CacheEntry => ({ type: undefined, attrs: {}, bare: false, error, raw });

/** Whether a field is made only of holes (and whitespace) that may contain `=`. */
function mayBeKeyValue(field: Template): boolean {
  const toks = toTokens(field);
  return toks.some(isHoleTok) && toks.every((t) => isHoleTok(t) || /\s/.test(t)) && holesMayContain(toks, "=");
}

function refOnly(line: Template): CacheEntry[] {
  const record = csvFields(line);
  if (record.error) return [failed(line, record.error)];
  return record.fields.map((field) => ({ type: "registry", attrs: { ref: field }, bare: true, raw: field }));
}

function keyValue(line: Template): CacheEntry {
  const record = csvFields(line);
  if (record.error) return failed(line, record.error);
  let type: Template | undefined;
  const attrs: Record<string, Template> = {};
  const unknown: Template[] = [];
  for (const field of record.fields) {
    const text = templateLiteral(field);
    if (text !== undefined) {
      // Hole-free: the same split on the text itself.
      const eq = text.indexOf("=");
      if (eq < 0) return failed(line, `invalid value ${text}`);
      const name = text.slice(0, eq).toLowerCase();
      const rest = text.slice(eq + 1);
      const value: Template = rest === "" ? [] : [{ lit: rest }];
      if (name === "type") type = value;
      else attrs[name] = value;
      continue;
    }
    const toks = toTokens(field);
    const eq = toks.indexOf("=");
    const key = toks.slice(0, Math.max(eq, 0));
    if (eq < 0 || key.some(isHoleTok)) {
      if (holesMayContain(eq < 0 ? toks : key, "=")) {
        unknown.push(field);
        continue;
      }
      return failed(line, `invalid value ${renderTemplate(field)}`);
    }
    const name = (key as string[]).join("").toLowerCase();
    const value = fromTokens(toks.slice(eq + 1));
    if (name === "type") type = value;
    else attrs[name] = value;
  }
  if (type === undefined && unknown.length === 0) return failed(line, `type required for ${goQuote(renderTemplate(line))}`);
  const entry: CacheEntry = { type: type && templateLiteral(type), attrs, bare: false, raw: line };
  if (unknown.length) entry.unknown = unknown;
  return entry;
}

/**
 * Parses one `cache-to`/`cache-from` line (already split on newlines and trimmed) into the entries
 * buildx makes of it: several for a ref-only line with commas, one otherwise.
 */
export function parseCacheLine(line: Template): CacheEntry[] {
  const raw = trimTemplate(line);
  if (raw.length === 0) return [];
  if (raw.some((p) => isLit(p) && p.lit.includes("="))) return [keyValue(raw)];
  if (hasHoles(raw) && csvFields(raw).fields.some(mayBeKeyValue)) return [{ type: undefined, attrs: {}, bare: false, raw }];
  return refOnly(raw);
}

/** Whether the entry exports to (or imports from) a registry: undefined when its type is unknown. */
export function isRegistryCache(entry: CacheEntry): boolean | undefined {
  if (entry.error) return false;
  return entry.type === undefined ? undefined : entry.type === "registry";
}

/** The `ref` of a registry cache entry; undefined for other types, unknown types, errors or a missing ref. */
export function registryCacheRef(entry: CacheEntry): Template | undefined {
  return isRegistryCache(entry) === true ? entry.attrs.ref : undefined;
}

/** The export mode: `min` unless `mode=` says otherwise; undefined when the mode is not literal. */
export function cacheMode(entry: CacheEntry): string | undefined {
  const mode = entry.attrs.mode;
  return mode === undefined ? "min" : templateLiteral(mode);
}

/** Attribute names the entry's backend silently ignores (modelled for `gha`: hazards.md §1.2, plus `mode`/`ignore-error`, read for every backend). */
export function ignoredAttrs(entry: CacheEntry): string[] {
  if (entry.type !== "gha") return [];
  return Object.keys(entry.attrs).filter((k) => !GHA_ATTRS.includes(k) && !COMMON_ATTRS.includes(k));
}

/** The tag suggested for a dedicated cache ref. */
export const CACHE_TAG = "buildcache";

/**
 * The replacement text for a registry cache entry that writes onto a pushed image tag: the same
 * image name with the dedicated tag `buildcache` (`cache` when the pushed tag is itself `buildcache`),
 * keeping `mode` and every other attribute. `image` is the colliding pushed ref; its name is used
 * when the entry's own name cannot be separated from its tag. Undefined for non-registry entries.
 */
export function dedicatedCacheRef(entry: CacheEntry, image?: TemplateRef): string | undefined {
  const ref = registryCacheRef(entry);
  if (!ref) return undefined;
  const tag = image && image.kind !== "opaque" && image.tag && templateLiteral(image.tag) === CACHE_TAG ? "cache" : CACHE_TAG;
  const parsed = parseImageRefTemplate(ref);
  const source = parsed && parsed.kind !== "opaque" ? parsed : image;
  const written = source && writtenName(source);
  const newRef = written === undefined ? undefined : `${renderTemplate(written)}:${tag}`;
  if (newRef === undefined) return undefined;
  const fields = [`type=${entry.type}`];
  for (const [key, value] of Object.entries(entry.attrs)) {
    fields.push(csvQuote(`${key}=${key === "ref" ? newRef : renderTemplate(value)}`));
  }
  for (const field of entry.unknown ?? []) fields.push(renderTemplate(field));
  return fields.join(",");
}

/** The image name as written in a reference (without tag and digest). */
function writtenName(ref: TemplateRef): Template | undefined {
  if (ref.kind === "name") return ref.name;
  if (ref.kind === "opaque") return undefined;
  const toks = toTokens(ref.raw);
  const at = toks.indexOf("@");
  const name = at >= 0 ? toks.slice(0, at) : toks;
  return fromTokens(ref.tag === null ? name : name.slice(0, name.lastIndexOf(":")));
}
