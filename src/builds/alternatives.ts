import { MAX_ALTERNATIVES } from "../workflow/expr/evaluate.js";
import { type Alt, type Hole, normalizeTemplate, type Template } from "../workflow/expr/value.js";

/** A string alternative: a template and the branch conditions that produce it. */
export type TemplateAlt = Alt<Template>;

/** Union of two condition lists; undefined when they contradict (`c` and `!(c)`). */
function mergeConds(a: string[], b: string[]): string[] | undefined {
  const out = [...a];
  for (const c of b) if (!out.includes(c)) out.push(c);
  return out.some((c) => out.includes(`!(${c})`)) ? undefined : out;
}

/**
 * Concatenates pieces that each have alternatives: every combination, conditions merged and contradictory
 * ones dropped. Beyond {@link MAX_ALTERNATIVES} combinations, each piece with several alternatives
 * becomes the hole `collapse(index)` names, so the result stays one alternative.
 */
export function concatAlternatives(pieces: TemplateAlt[][], collapse: (index: number) => Hole): TemplateAlt[] {
  if (pieces.reduce((n, p) => n * Math.max(p.length, 1), 1) > MAX_ALTERNATIVES) {
    const parts = pieces.flatMap((p, i): Template => (p.length === 1 ? p[0].value : [{ hole: collapse(i) }]));
    const conds = pieces.filter((p) => p.length === 1).reduce<string[]>((acc, p) => mergeConds(acc, p[0].conds) ?? acc, []);
    return [{ value: normalizeTemplate(parts), conds }];
  }
  let combos: TemplateAlt[] = [{ value: [], conds: [] }];
  for (const piece of pieces) {
    combos = combos.flatMap((c) =>
      piece.flatMap((alt) => {
        const conds = mergeConds(c.conds, alt.conds);
        return conds ? [{ value: [...c.value, ...alt.value], conds }] : [];
      }),
    );
  }
  return combos.map((c) => ({ value: normalizeTemplate(c.value), conds: c.conds }));
}

/** One alternative without conditions. */
export function only(value: Template): TemplateAlt[] {
  return [{ value, conds: [] }];
}
