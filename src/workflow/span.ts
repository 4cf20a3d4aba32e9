/** A position in a source file: line and col are 1-based (col in UTF-16 code units), offset is 0-based. */
export interface Pos {
  line: number;
  col: number;
  offset: number;
}

/** A path into a YAML document, e.g. ['jobs', 'build', 'steps', 3, 'with', 'cache-to']. */
export type NodePath = (string | number)[];

/**
 * `path` with `key` appended. Every span keeps its path, so the copy is allocated at its exact size (an array
 * spread grows its store as it goes and keeps the spare room).
 */
export function childPath(path: NodePath, key: string | number): NodePath {
  return path.concat([key]);
}

/** A source range. `end` is exclusive. `path` joins the span to the semantic model. */
export interface Span {
  file: string;
  start: Pos;
  end: Pos;
  path: NodePath;
}

/** Converts 0-based offsets into positions for one file's text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  pos(offset: number): Pos {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: clamped - this.starts[lo] + 1, offset: clamped };
  }

  span(file: string, start: number, end: number, path: NodePath): Span {
    return { file, start: this.pos(start), end: this.pos(end), path };
  }

  /** The text of 1-based line `line`, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return "";
    const next = this.starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }

  get lineCount(): number {
    return this.starts.length;
  }
}
