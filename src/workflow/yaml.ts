import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar as YScalar } from "yaml";
import type { Document, Node as YNode } from "yaml";
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

export class YamlFile {
  readonly index: LineIndex;
  readonly doc: Document.Parsed | undefined;
  readonly problems: YamlProblem[] = [];
  /** Set when the file was not parsed, with the reason. */
  readonly skipped: string | undefined;
  private aliasDerefs = 0;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.index = new LineIndex(text);
    if (Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
      this.skipped = `larger than ${MAX_FILE_BYTES} bytes`;
      return;
    }
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: false });
    for (const err of doc.errors) {
      const [start, end] = err.pos;
      this.problems.push({ message: firstLine(err.message), span: this.index.span(file, start, end, []) });
    }
    this.doc = doc;
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

  /** Map entries with string keys, aliases resolved. */
  entries(node: YNode | undefined): { key: string; keyNode: YNode; value: YNode | undefined }[] {
    const n = this.deref(node);
    if (!n || !isMap(n)) return [];
    const out: { key: string; keyNode: YNode; value: YNode | undefined }[] = [];
    for (const pair of n.items) {
      const keyNode = this.deref(pair.key as YNode);
      if (!keyNode || !isScalar(keyNode)) continue;
      out.push({ key: String(keyNode.value), keyNode, value: this.deref(pair.value as YNode) });
    }
    return out;
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

function firstLine(s: string): string {
  return s.split("\n")[0];
}
