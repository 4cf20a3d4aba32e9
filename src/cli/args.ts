import leven from "leven";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line the command cannot run: the message is printed with a pointer to `--help`. */
export class UsageError extends Error {}

/**
 * The candidate closest to `word` when it is close enough to be a typo, for "did you mean": the only candidate
 * that starts with it (`warn` for `warning`), or the nearest by edit distance.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const longer = word.length >= 3 ? candidates.filter((c) => c.startsWith(word)) : [];
  if (longer.length === 1) return longer[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = leven(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, candidates);
  return best === undefined ? "" : ` (did you mean ${best}?)`;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `util.parseArgs` in strict mode, with its errors as one short line: an unknown option names the
 * closest known one, a missing value names the option.
 */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
      throw new UsageError(`unknown option ${unknown[1]}${didYouMean(unknown[1].split("=")[0]!, flags)}`);
    }
    const missing = /^Option '(?:-\w, )?(--[^ ]+) <value>' argument missing/.exec(message);
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    throw new UsageError(message.split(". ")[0]!);
  }
}

/** Checks an option's value against its choices, suggesting the closest on a typo. */
export function choice<T extends string>(option: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} must be one of ${choices.join(", ")}, not ${JSON.stringify(value)}${didYouMean(value, choices)}`);
}
