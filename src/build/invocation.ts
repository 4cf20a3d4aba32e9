import type { CacheEntry } from "../docker/cache-spec.js";
import type { StepVisit } from "../engine/walk.js";
import type { Sym } from "../workflow/expr/value.js";
import type { ScalarValue } from "../workflow/yaml.js";
import type { Item } from "./items.js";

/** A cache-to or cache-from entry with the list item it came from. */
export interface CacheItem {
  item: Item;
  entry: CacheEntry;
}

/**
 * One image build as the analyzer understands it, for one event case and matrix leg. Every place a
 * build is declared (build-push-action, `run:` scripts, bake) produces this same shape.
 */
export interface BuildInvocation {
  source: "build-push-action";
  visit: StepVisit;
  /** Whether the build pushes its tags: true, false, or undefined when it depends on unknown values. */
  push: boolean | undefined;
  /** Image refs the build names: `tags` plus `name=` of image/registry outputs. */
  tags: Item[];
  cacheTo: CacheItem[];
  cacheFrom: CacheItem[];
  platforms: Item[];
  /** Raw inputs by name, for rules that need a value the model does not lift. */
  inputs: Map<string, ScalarValue>;
  /** Evaluated `tags` input, so messages can name where the tags came from. */
  tagsSym?: Sym;
}
