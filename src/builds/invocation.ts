import type { CacheEntry } from "../docker/cache-spec.js";
import type { StepVisit } from "../engine/walk.js";
import type { ScalarValue } from "../workflow/yaml.js";
import type { Item } from "./items.js";

/** A cache-to or cache-from entry with the list item it came from. */
export interface CacheItem {
  item: Item;
  entry: CacheEntry;
}

/**
 * One image build (or image push) as the analyzer understands it, for one event case and matrix leg.
 * Every place a build is declared produces this same shape, so every rule sees all of them:
 * `build-push-action` steps, `docker build`/`docker buildx build`/`docker push`/`imagetools create`
 * in `run:` scripts (`docker-cli`), and bake targets (`bake`).
 */
export interface BuildInvocation {
  source: "build-push-action" | "docker-cli" | "bake";
  visit: StepVisit;
  /** Whether the build pushes its tags: true, false, or undefined when it depends on unknown values. */
  push: boolean | undefined;
  /** Whether the image is loaded into the local Docker engine (`load: true`, `--load`). */
  load: boolean | undefined;
  /** Image refs the build writes: `tags`, or the `name=` of its image/registry outputs when it has no tags (`imageNames`). */
  tags: Item[];
  /**
   * True when the image is pushed by digest only (`push-by-digest=true` on its outputs): `tags` then name the
   * repository the untagged image goes to, and no tag is written (a later `imagetools create` tags it).
   */
  byDigest?: boolean;
  cacheTo: CacheItem[];
  cacheFrom: CacheItem[];
  platforms: Item[];
  /** `provenance` / `--provenance` as written; undefined when not set (BuildKit's default applies). */
  provenance?: Item;
  /** `sbom` / `--sbom` as written; undefined when not set. */
  sbom?: Item;
  /** The build context; undefined for build-push-action means the Git context. */
  context?: Item;
  /** The Dockerfile and target stage, when written. */
  file?: Item;
  target?: Item;
  /** Bake target name, for `bake` builds. */
  bakeTarget?: string;
  /** A bake target's `args` (`KEY=value,…`, one item per alternative); build-push-action's are in `inputs`. */
  args?: Item[];
  /** Raw `with:` inputs of an action step (empty for run: scripts). */
  inputs: Map<string, ScalarValue>;
}

/**
 * Copies a build's lists to their exact size: a list grown by \`push\` or \`flatMap\` keeps room for 17 entries, and
 * every build is kept until the rules have run (a 32-leg matrix of 20 builds in 50 jobs keeps 96,000 such lists).
 */
export function compactBuild(b: BuildInvocation): void {
  b.tags = b.tags.slice();
  b.cacheTo = b.cacheTo.slice();
  b.cacheFrom = b.cacheFrom.slice();
  b.platforms = b.platforms.slice();
  if (b.args) b.args = b.args.slice();
}
