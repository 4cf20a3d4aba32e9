import { registryCacheRef } from "../docker/cache-spec.js";
import { compareRefs, formatRef, type ImageRef, parseImageRefTemplate, type TemplateRef } from "../docker/image-ref.js";
import { collectBuilds } from "./index.js";
import { Project, type SourceFile } from "./project.js";

/** The image refs a repository's workflows name, over every event and matrix leg. */
export interface ImageRefUsage {
  /** Refs that may be pushed as images: the tags of every build whose `push` is not false. */
  pushed: TemplateRef[];
  /** Refs a BuildKit registry cache is exported to (`cache-to` registry entries and bare refs). */
  cacheWrites: TemplateRef[];
}

/** How the workflows use one image ref. */
export type RefRole =
  /** Some cache export certainly writes the ref and no build can push it as an image: a dedicated cache ref. */
  | "cache-only"
  /** Some build may push the ref as an image. */
  | "pushed"
  /** Neither (or only a cache export that may or may not write it). */
  | "unused";

function unique(refs: TemplateRef[]): TemplateRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = formatRef(r);
    return !seen.has(key) && seen.add(key);
  });
}

/** Collects the pushed and cache refs of every build the analyzer finds. Pure, like `analyze`. */
export function imageRefUsage(files: SourceFile[]): ImageRefUsage {
  const { builds } = collectBuilds(new Project(files));
  const pushed: TemplateRef[] = [];
  const cacheWrites: TemplateRef[] = [];
  for (const b of builds) {
    if (b.push !== false) {
      for (const item of b.tags) {
        const ref = parseImageRefTemplate(item.value);
        if (ref) pushed.push(ref);
      }
    }
    for (const c of b.cacheTo) {
      const template = registryCacheRef(c.entry);
      const ref = template && parseImageRefTemplate(template);
      if (ref) cacheWrites.push(ref);
    }
  }
  return { pushed: unique(pushed), cacheWrites: unique(cacheWrites) };
}

export function refRole(usage: ImageRefUsage, ref: ImageRef): RefRole {
  if (usage.pushed.some((p) => compareRefs(p, ref) !== "never")) return "pushed";
  return usage.cacheWrites.some((c) => compareRefs(c, ref) === "definite") ? "cache-only" : "unused";
}
