/**
 * Whether two workflows' `on:` ref filters can match the same ref. A run's `github.ref_name` is one value;
 * two workflows share it only when both can run for the same push. Filter patterns are GitHub's glob syntax
 * (`*`, `**`, `?`, `+`, `[…]`, a leading `!` for exclusions). The answer is "they may overlap" unless a
 * literal prefix or suffix, or the characters a name must start or end with, rule it out: a disjointness
 * tagguard claims is always real, an overlap may be approximate (then a hazard is kept, not dropped).
 */

/** The identity of a run's ref as far as the filters decide it: the ref kind and its positive patterns. */
export interface RefFilter {
  kind: "branch" | "tag";
  /** Positive patterns; empty when the workflow runs for every ref of the kind. */
  patterns: string[];
}

const SCOPE = "ref:";

/** The hole scope of `github.ref_name` for a run whose trigger filters refs (undefined: any ref). */
export function refScope(filter: RefFilter): string | undefined {
  const patterns = filter.patterns.filter((p) => !p.startsWith("!"));
  return patterns.length ? `${SCOPE}${filter.kind}:${JSON.stringify([...patterns].sort())}` : undefined;
}

function parseScope(scope: string | undefined): RefFilter | undefined {
  if (!scope || !isRefScope(scope)) return undefined;
  const rest = scope.slice(SCOPE.length);
  const colon = rest.indexOf(":");
  return { kind: rest.slice(0, colon) as RefFilter["kind"], patterns: JSON.parse(rest.slice(colon + 1)) as string[] };
}

/** Whether a scope is a ref filter's (see `refScope`). */
export function isRefScope(scope: string | undefined): boolean {
  return scope?.startsWith(SCOPE) === true && !scope.includes("\n");
}

/**
 * Whether two ref-name holes may be one value: scopes from `refScope`, undefined for a run of any ref. Other
 * scopes are compared for equality by the caller.
 */
export function refScopesOverlap(a: string | undefined, b: string | undefined): boolean {
  const [x, y] = [parseScope(a), parseScope(b)];
  if (!x || !y) return true;
  if (x.kind !== y.kind) return false;
  return x.patterns.some((p) => y.patterns.some((q) => globsOverlap(p, q)));
}

/** A character position of a glob: a set of characters (undefined: any character but, for `*`, `/`). */
type CharSet = { chars: Set<string>; negated: boolean } | undefined;

interface Piece {
  set: CharSet;
  /** How often: exactly once, one or more (`+`), any number (`*`, `**`, and `?` counts as one). */
  repeat: "one" | "more" | "any";
}

function parseGlob(glob: string): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") i++;
      out.push({ set: undefined, repeat: "any" });
    } else if (c === "?") {
      out.push({ set: undefined, repeat: "one" });
    } else if (c === "+" && out.length) {
      out[out.length - 1].repeat = "more";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) {
        out.push({ set: { chars: new Set([c]), negated: false }, repeat: "one" });
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      const chars = new Set<string>();
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === "-" && k + 2 < body.length) {
          for (let code = body.charCodeAt(k); code <= body.charCodeAt(k + 2); code++) chars.add(String.fromCharCode(code));
          k += 2;
        } else chars.add(body[k]);
      }
      out.push({ set: { chars, negated }, repeat: "one" });
      i = end;
    } else {
      const literal = c === "\\" && i + 1 < glob.length ? glob[++i] : c;
      out.push({ set: { chars: new Set([literal]), negated: false }, repeat: "one" });
    }
  }
  return out;
}

function setsMeet(a: CharSet, b: CharSet): boolean {
  if (!a || !b) return true;
  if (a.negated && b.negated) return true;
  if (a.negated || b.negated) {
    const [pos, neg] = a.negated ? [b, a] : [a, b];
    return [...pos.chars].some((c) => !neg.chars.has(c));
  }
  return [...a.chars].some((c) => b.chars.has(c));
}

/**
 * Compares the pieces both patterns must begin (or end) with, while each is certain: a single-character piece
 * read once on both sides. Returns false when two of them cannot be the same character.
 */
function endsMeet(a: Piece[], b: Piece[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [p, q] = [a[i], b[i]];
    if (!setsMeet(p.set, q.set)) return false;
    if (p.repeat !== "one" || q.repeat !== "one") {
      // A `+` piece still contributes its first character; what follows is no longer aligned.
      return true;
    }
  }
  return true;
}

/** Whether two filter patterns may match one name (see the module comment for how exact this is). */
export function globsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [parseGlob(a), parseGlob(b)];
  const certain = (ps: Piece[]) => ps.every((p) => p.repeat === "one");
  if (certain(x) && certain(y) && x.length !== y.length) return false;
  return endsMeet(x, y) && endsMeet([...x].reverse(), [...y].reverse());
}

/**
 * `github.sha` as an unknown value. On `pull_request` it is the merge commit GitHub makes for the run
 * (refs/pull/N/merge), never a commit a push builds: its own value, the same in every run of one pull request.
 */
export function shaScope(eventName: string): { pattern: string; scope?: string } {
  return eventName === "pull_request" ? { pattern: "[0-9a-f]{40}", scope: "pull request merge commit" } : { pattern: "[0-9a-f]{40}" };
}
