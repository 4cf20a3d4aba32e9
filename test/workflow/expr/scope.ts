import type { Scope } from "../../../src/workflow/expr/evaluate.js";
import type { Sym, Val } from "../../../src/workflow/expr/value.js";
import { known } from "../../../src/workflow/expr/value.js";

/**
 * A scope over fixed dotted paths; records every lookup in `lookups`. `identity` gives unknown values their scope:
 * `holes` by the first segment of their path (`steps`, `inputs`…), `evaluation` for collapsed alternatives.
 */
export function scopeOf(
  values: Record<string, Val | Sym> = {},
  identity: { holes?: Record<string, string>; evaluation?: string } = {},
): Scope & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    holeScope: (path) => identity.holes?.[path[0]],
    evaluationScope: () => identity.evaluation,
    resolve(path: string[]): Sym | undefined {
      const key = path.join(".");
      lookups.push(key);
      const v = values[key];
      if (v === undefined) return undefined;
      return Array.isArray(v) ? v : known(v);
    },
  };
}
