import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar as YScalar, visit } from "yaml";
import type { Document, Node as YNode, Pair } from "yaml";
import { LineIndex, type NodePath, type Span } from "./span.js";

/** Files above this size are not parsed (a note is emitted instead). */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Alias dereferences allowed per document: an alias bomb stops here instead of exhausting memory. */
export const MAX_ALIAS_DEREFS = 1000;

/**
 * One line of a scalar's value with its source span. `exact` means character i of `text` sits at
 * `span.start.offset + i` in the file, so sub-spans (one CSV field, one `${{ }}`) can be computed.
 */
export interface Segment {
  text: string;
  span: Span;
  exact: boolean;
}

export interface ScalarValue {
  /** The value as Actions sees it: booleans and numbers become their string form. */
  value: string;
  span: Span;
  /** The value split into its source lines (block scalars) or one segment for everything else. */
  segments: Segment[];
}

export interface YamlProblem {
  message: string;
  span: Span;
}

export interface YamlOptions {
  /**
   * YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`): `merge` honours them, as Docker Compose does;
   * `unsupported` keeps `<<` a plain key and notes its first use, for workflows and actions (GitHub Actions does
   * not support them). Without the option `<<` is a plain key (JSON).
   */
  mergeKeys?: "merge" | "unsupported";
  /**
   * A key written twice in one mapping is an error, as GitHub's workflow and action loader says: "'env' is already
   * defined" (GitHub refuses the whole file). Without the option the later value wins, as in Compose and JSON.
   */
  uniqueKeys?: boolean;
}

/** A map entry with a string key, aliases resolved. */
export interface YamlEntry {
  key: string;
  keyNode: YNode;
  value: YNode | undefined;
}

/** Merge keys followed inside one another: a chain of bases deeper than this is not merged further. */
const MAX_MERGE_DEPTH = 16;

/**
 * `text` with the line breaks inside multi-line quoted scalars that start after a key (`key: "…` or `- "…`) and
 * close on a later line turned into spaces; undefined when there is none. The length is unchanged, so every
 * offset (and the line index of the original text) still holds.
 */
export function joinQuotedLines(text: string): string | undefined {
  const lines = text.split("\n");
  /** Whether the line break after line k becomes a space. */
  const joined = new Set<number>();
  const open = /^(\s*(?:-\s+)?[^\s#"'][^:#]*:\s+|\s*-\s+)(["'])/;
  for (let i = 0; i < lines.length; i++) {
    const m = open.exec(lines[i]);
    if (!m) continue;
    const quote = m[2];
    const closes = (line: string) => (quote === '"' ? /(^|[^\\])(\\\\)*"/.test(line) : /'/.test(line.replace(/''/g, "")));
    if (closes(lines[i].slice(m[0].length))) continue;
    let j = i + 1;
    while (j < lines.length && !closes(lines[j])) j++;
    if (j >= lines.length) break;
    for (let k = i; k < j; k++) joined.add(k);
    i = j;
  }
  if (joined.size === 0) return undefined;
  return lines.map((line, k) => (k === lines.length - 1 ? line : joined.has(k) ? `${line.replace(/\r$/, " ")} ` : `${line}\n`)).join("");
}

/**
 * An error reported on a line's leading spaces (a misindented key: yaml points at the indentation) is shown on the
 * first character written after them; any other position is kept.
 */
function atKey(text: string, [start, end]: readonly [number, number]): [number, number] {
  if (text[start] !== " " || (start > 0 && !/[ \n]/.test(text[start - 1]))) return [start, end];
  let at = start;
  while (text[at] === " ") at++;
  return at < text.length && text[at] !== "\n" && text[at] !== "\r" ? [at, Math.max(end, at + 1)] : [start, end];
}

export class YamlFile {
  readonly index: LineIndex;
  private document: Document.Parsed | undefined;
  readonly problems: YamlProblem[] = [];
  /** Things about the file worth saying that do not stop its analysis, each starting with `file:line:`. */
  readonly notes: string[] = [];
  /** Set when the file was not parsed, with the reason. */
  readonly skipped: string | undefined;
  private aliasDerefs = 0;

  private readonly mergeKeys: boolean;

  constructor(
    readonly file: string,
    readonly text: string,
    options: YamlOptions = {},
  ) {
    this.mergeKeys = options.mergeKeys === "merge";
    this.index = new LineIndex(text);
    if (Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
      this.skipped = `larger than ${MAX_FILE_BYTES} bytes`;
      return;
    }
    const options_ = { uniqueKeys: false, prettyErrors: false, strict: false } as const;
    let doc = parseDocument(text, options_);
    if (doc.errors.length) {
      // GitHub's parser takes a quoted scalar whose closing line sits at its key's indentation; yaml does not. The
      // same text with those line breaks as spaces (same length, so every offset holds) is used when it parses.
      const joined = joinQuotedLines(text);
      const lenient = joined === undefined ? undefined : parseDocument(joined, options_);
      if (lenient && lenient.errors.length === 0) doc = lenient;
    }
    // An error found at the end of the input (an unclosed bracket) is shown on the last character written, not on
    // the empty line after the final newline.
    const last = text.trimEnd().length;
    for (const err of doc.errors) {
      const [start, end] = atKey(text, err.pos[0] >= last && last > 0 ? [last - 1, last] : err.pos);
      this.problems.push({ message: firstLine(err.message), span: this.index.span(file, start, end, []) });
    }
    this.document = doc;
    if (options.uniqueKeys && this.problems.length === 0) this.checkUniqueKeys(doc);
    if (options.mergeKeys === "unsupported" && /<<\s*:/.test(text)) this.noteMergeKeys(doc);
  }

  /** Reports each key written again in its mapping, at the repeated key. */
  private checkUniqueKeys(doc: Document.Parsed): void {
    visit(doc, {
      Map: (_key, map) => {
        const seen = new Set<string>();
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (key === undefined) continue;
          if (seen.has(key) && pair.key && isScalar(pair.key) && pair.key.range) {
            const [start, end] = pair.key.range;
            this.problems.push({ message: `'${key}' is already defined (GitHub rejects a mapping that repeats a key)`, span: this.index.span(this.file, start, end, []) });
          }
          seen.add(key);
        }
        return undefined;
      },
    });
  }

  /** Notes the first merge key of a workflow or action: GitHub Actions does not merge it, and neither does tagguard. */
  private noteMergeKeys(doc: Document.Parsed): void {
    visit(doc, {
      Pair: (_key, pair: Pair) => {
        if (!isMergeKey(pair.key)) return undefined;
        const line = this.index.span(this.file, pair.key.range?.[0] ?? 0, pair.key.range?.[0] ?? 0, []).start.line;
        this.notes.push(`${this.file}:${line}: GitHub Actions does not support YAML merge keys (\`<<\`); the keys they would merge are not read`);
        return visit.BREAK;
      },
    });
  }

  /** The parsed document; undefined when the file was skipped, or once `release` has been called. */
  get doc(): Document.Parsed | undefined {
    return this.document;
  }

  /**
   * Drops the parsed document once the model it was read into is built: the text, line index, problems and notes
   * stay, and the syntax tree (most of a file's memory) is freed for the rest of the analysis.
   */
  release(): void {
    this.document = undefined;
  }

  get root(): YNode | undefined {
    return this.deref((this.doc?.contents ?? undefined) as YNode | undefined);
  }

  span(node: YNode | undefined, path: NodePath): Span {
    const range = node?.range;
    if (!range) return this.index.span(this.file, 0, 0, path);
    return this.index.span(this.file, range[0], range[1], path);
  }

  /** Follows an alias to its anchor, counting dereferences against the cap. */
  deref(node: YNode | undefined | null): YNode | undefined {
    if (!node) return undefined;
    if (!isAlias(node)) return node;
    this.aliasDerefs++;
    if (this.aliasDerefs === MAX_ALIAS_DEREFS + 1) {
      this.problems.push({
        message: `more than ${MAX_ALIAS_DEREFS} alias references; the rest are ignored`,
        span: this.span(node, []),
      });
    }
    if (this.aliasDerefs > MAX_ALIAS_DEREFS || !this.doc) return undefined;
    const target = node.resolve(this.doc) as YNode | undefined;
    return target && !isAlias(target) ? target : undefined;
  }

  /**
   * Map entries with string keys, aliases resolved. With merge keys on, the entries of the maps a `<<` key names
   * come in its place, except those the map sets itself or an earlier merged map already gave (YAML 1.1's merge
   * type); their spans are where the anchored map spells them.
   */
  entries(node: YNode | undefined, depth = 0): YamlEntry[] {
    const n = this.deref(node);
    if (!n || !isMap(n)) return [];
    const out: (YamlEntry & { merged?: true })[] = [];
    for (const pair of n.items) {
      const keyNode = this.deref(pair.key as YNode);
      if (!keyNode || !isScalar(keyNode)) continue;
      if (this.mergeKeys && isMergeKey(keyNode)) {
        if (depth < MAX_MERGE_DEPTH) out.push(...this.mergedEntries(pair.value as YNode, depth + 1).map((e) => ({ ...e, merged: true as const })));
        continue;
      }
      out.push({ key: String(keyNode.value), keyNode, value: this.deref(pair.value as YNode) });
    }
    if (!out.some((e) => e.merged)) return out;
    const own = new Set(out.filter((e) => !e.merged).map((e) => e.key));
    const given = new Set<string>();
    return out.flatMap(({ merged, ...e }) => {
      if (!merged) return [e];
      if (own.has(e.key) || given.has(e.key)) return [];
      given.add(e.key);
      return [e];
    });
  }

  /** The entries a merge key's value brings: one map, or a sequence of maps where the first to give a key wins. */
  private mergedEntries(value: YNode | undefined, depth: number): YamlEntry[] {
    const v = this.deref(value);
    if (!v) return [];
    return isSeq(v) ? v.items.flatMap((item) => this.entries(item as YNode, depth)) : this.entries(v, depth);
  }

  get(node: YNode | undefined, key: string): YNode | undefined {
    return this.entries(node).find((e) => e.key === key)?.value;
  }

  items(node: YNode | undefined): YNode[] {
    const n = this.deref(node);
    if (!n || !isSeq(n)) return [];
    return n.items.map((i) => this.deref(i as YNode)).filter((i): i is YNode => i !== undefined);
  }

  isMap(node: YNode | undefined): boolean {
    const n = this.deref(node);
    return !!n && isMap(n);
  }

  isSeq(node: YNode | undefined): boolean {
    const n = this.deref(node);
    return !!n && isSeq(n);
  }

  /** A scalar's value and per-line segments, or undefined for maps, sequences and nulls. */
  scalar(node: YNode | undefined, path: NodePath): ScalarValue | undefined {
    const n = this.deref(node);
    if (!n || !isScalar(n) || n.value === null || n.value === undefined) return undefined;
    const [start, end] = n.range ?? [0, 0];
    const value = typeof n.value === "string" ? n.value : this.text.slice(start, end).trim();
    const span = this.span(n, path);
    return { value, span, segments: this.segments(n, value, span, path) };
  }

  private segments(n: YScalar, value: string, span: Span, path: NodePath): Segment[] {
    const [start, end] = n.range ?? [0, 0];
    const source = this.text.slice(start, end);
    switch (n.type) {
      case YScalar.BLOCK_LITERAL:
        return this.blockLines(start, source, value, path) ?? [{ text: value, span, exact: false }];
      case YScalar.PLAIN:
        return [{ text: value, span, exact: typeof n.value === "string" && source === value }];
      case YScalar.QUOTE_SINGLE:
      case YScalar.QUOTE_DOUBLE: {
        const inner = source.slice(1, -1);
        if (inner === value) {
          return [{ text: value, span: this.index.span(this.file, start + 1, end - 1, path), exact: true }];
        }
        return [{ text: value, span, exact: false }];
      }
      default:
        return [{ text: value, span, exact: false }];
    }
  }

  /** Maps each line of a literal block scalar to its exact source span. */
  private blockLines(start: number, source: string, value: string, path: NodePath): Segment[] | undefined {
    const headerEnd = source.indexOf("\n");
    if (headerEnd < 0) return undefined;
    const valueLines = value.replace(/\n+$/, "").split("\n");
    const out: Segment[] = [];
    let offset = start + headerEnd + 1;
    let indent: number | undefined;
    const sourceLines = source.slice(headerEnd + 1).split("\n");
    let lineNo = 0;
    for (const text of valueLines) {
      const raw = sourceLines[lineNo++];
      if (raw === undefined) return undefined;
      const lineStart = offset;
      offset += raw.length + 1;
      if (text === "") {
        out.push({ text, span: this.index.span(this.file, lineStart, lineStart, path), exact: true });
        continue;
      }
      indent ??= raw.length - raw.trimStart().length;
      if (raw.slice(indent).replace(/\r$/, "") !== text) return undefined;
      const s = lineStart + indent;
      out.push({ text, span: this.index.span(this.file, s, s + text.length, path), exact: true });
    }
    return out;
  }
}

/** A plain `<<` key; a quoted one is an ordinary key. */
function isMergeKey(key: unknown): key is YScalar {
  return isScalar(key) && key.value === "<<" && (key.type === YScalar.PLAIN || key.type === undefined);
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}
