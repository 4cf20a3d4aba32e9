/**
 * Glob patterns for repository paths and image tags: `*`, `**` (paths only), `?` and `{a,b}`.
 * Every other character is literal.
 */

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * The regular expression source for `glob`. In path mode `*` and `?` stop at `/`, and `**` as a whole
 * segment matches any number of directories (including none).
 */
function source(glob: string, paths: boolean): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") {
      if (paths && glob[i + 1] === "*") {
        const segmentStart = i === 0 || glob[i - 1] === "/";
        const segmentEnd = i + 2 === glob.length || glob[i + 2] === "/";
        i++;
        if (segmentStart && segmentEnd && glob[i + 1] === "/") {
          out += "(?:[^/]*/)*";
          i++;
        } else {
          out += ".*";
        }
      } else {
        out += paths ? "[^/]*" : ".*";
      }
    } else if (ch === "?") {
      out += paths ? "[^/]" : ".";
    } else if (ch === "{" && glob.indexOf("}", i) > i) {
      braces++;
      out += "(?:";
    } else if (ch === "," && braces > 0) {
      out += "|";
    } else if (ch === "}" && braces > 0) {
      braces--;
      out += ")";
    } else {
      out += escape(ch);
    }
  }
  return out;
}

/** Whole-string matcher for one glob. */
export function globRegExp(glob: string, opts: { paths: boolean; ignoreCase?: boolean }): RegExp {
  return new RegExp(`^${source(glob, opts.paths)}$`, opts.ignoreCase ? "i" : "");
}

/**
 * A matcher for repository paths (`.github/workflows/release.yml`). A pattern without `/` matches a
 * file name in any directory; a pattern ending in `/` matches everything below that directory; a
 * leading `./` or `/` is ignored.
 */
export function pathMatcher(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map((p) => {
    let glob = p.replace(/^\.\//, "").replace(/^\/+/, "");
    if (glob.endsWith("/")) glob += "**";
    return { re: globRegExp(glob, { paths: true }), baseName: !glob.includes("/") };
  });
  return (path) => {
    const base = path.slice(path.lastIndexOf("/") + 1);
    return compiled.some(({ re, baseName }) => re.test(baseName ? base : path));
  };
}
