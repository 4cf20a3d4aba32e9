import cacheOverwritesTag from "./cache-overwrites-tag.js";
import type { Rule } from "./rule.js";

/** Every rule, in documentation order. Adding a rule means adding it here and a page in docs/rules/. */
export const rules: Rule[] = [cacheOverwritesTag];
