/**
 * Which lines of a pull request can carry a review comment.
 *
 * GitHub accepts a review comment only on a line of the RIGHT side that is inside a diff hunk (an added
 * or a context line), and a multi-line comment only when its whole range lies inside one hunk. One bad
 * entry fails the whole review with a 422, so every inline comment is checked against this map first.
 */

/** The RIGHT-side lines `start..end` (inclusive, 1-based) shown by one hunk. */
export interface Hunk {
  start: number;
  end: number;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses the `patch` of a pull-request file into its hunks. The RIGHT side of a hunk `+c,d` is the
 * contiguous line range `c..c+d-1` (added and context lines); a hunk with `d = 0` only deletes lines
 * and offers nothing to comment on.
 */
export function parsePatch(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  for (const line of patch.split("\n")) {
    const m = HUNK_HEADER.exec(line);
    if (!m) continue;
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count > 0) hunks.push({ start, end: start + count - 1 });
  }
  return hunks;
}

export interface PullRequestFile {
  filename: string;
  status: string;
  patch?: string;
  previous_filename?: string;
}

export class DiffMap {
  private readonly hunks = new Map<string, Hunk[]>();

  constructor(files: readonly PullRequestFile[]) {
    for (const file of files) {
      if (file.status === "removed" || file.patch === undefined) continue;
      this.hunks.set(file.filename, parsePatch(file.patch));
    }
  }

  /** True when lines `startLine..endLine` of `path` are all RIGHT-side lines of one hunk. */
  commentable(path: string, startLine: number, endLine: number): boolean {
    if (endLine < startLine) return false;
    return (this.hunks.get(path) ?? []).some((h) => h.start <= startLine && endLine <= h.end);
  }
}
