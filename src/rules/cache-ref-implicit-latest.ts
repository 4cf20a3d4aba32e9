import type { CacheItem } from "../builds/invocation.js";
import { CACHE_TAG, registryCacheRef } from "../docker/cache-spec.js";
import { compareRefs, formatRef, parseImageRefTemplate, type TemplateRef, withTag } from "../docker/image-ref.js";
import type { Confidence, Fix, RelatedLocation, Severity } from "../report/finding.js";
import { renderTemplate } from "../workflow/expr/value.js";
import { firstByKey, overwritesPush, type PushedRef, pushedRefs, siteSubject, spanWithin } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { describeSite, spanKey } from "../rule-kit/util.js";

/** Any tag: comparing two refs both retagged with it compares their names only. */
const PROBE_TAG = "tagguard-name-probe";

function sameRepository(a: TemplateRef, b: TemplateRef): boolean {
  return compareRefs(withTag(a, PROBE_TAG), withTag(b, PROBE_TAG)) !== "never";
}

/** A repository meant for caches only: a path component that names a cache. */
function looksLikeCacheRepository(ref: TemplateRef): boolean {
  const name = ref.kind === "split" ? ref.repository : ref.kind === "name" ? ref.name : ref.raw;
  return /cache/i.test(renderTemplate(name));
}

function fixFor(c: CacheItem, written: string): Fix {
  const title = `name the cache tag explicitly, e.g. ref=${written}:${CACHE_TAG}`;
  const span = spanWithin(c.item, `ref=${written}`);
  if (!span) return { title, edits: [], safe: false };
  return { title, edits: [{ span, text: `ref=${written}:${CACHE_TAG}` }], safe: true };
}

interface Verdict {
  severity: Severity;
  confidence: Confidence;
  message: string;
  related: RelatedLocation[];
}

function verdict(ref: TemplateRef, written: string, pushes: readonly PushedRef[]): Verdict | undefined {
  const latest = formatRef(ref);
  const head = `cache-to names ${written} without a tag, so the BuildKit cache is exported to ${latest}.`;
  const sameRepo = pushes.filter((p) => sameRepository(ref, p.ref));
  const maybeLatest = sameRepo.filter((p) => compareRefs(ref, p.ref) !== "never");
  const related = (list: PushedRef[], what: string) =>
    firstByKey(list, (p) => spanKey(p.item.span)).map((p) => ({
      span: p.item.span,
      message: `${formatRef(p.ref)} ${what} (${describeSite(p.build.visit)})`,
    }));
  if (maybeLatest.length) {
    return {
      severity: "warning",
      confidence: "possible",
      message: `${head} An image tag pushed to the same repository may evaluate to latest; when it does, the cache export replaces that image and the tag stops being runnable.`,
      related: related(maybeLatest, "is pushed as an image here and may be :latest"),
    };
  }
  if (sameRepo.length) {
    return {
      severity: "info",
      confidence: "definite",
      message:
        `${head} Images are pushed to that repository, so a pull or deployment without a tag gets the cache manifest instead of an image, ` +
        "and once a build pushes :latest (docker/metadata-action adds it on release tags) the two overwrite each other.",
      related: related(sameRepo, "is pushed as an image here"),
    };
  }
  if (pushes.length || looksLikeCacheRepository(ref)) return undefined;
  return {
    severity: "info",
    confidence: "definite",
    message: `${head} If images are ever pushed to that repository, a pull without a tag gets the cache, and a :latest image push and this export overwrite each other.`,
    related: [],
  };
}

export default defineRule({
  meta: {
    id: "cache-ref-implicit-latest",
    severity: "warning",
    description: "A registry cache ref without a tag writes the repository's :latest",
    fixable: "suggestion",
  },
  check(ctx) {
    const pushes = pushedRefs(ctx.builds);
    const reported = new Set<string>();
    for (const build of ctx.builds) {
      for (const c of build.cacheTo) {
        if (c.entry.bare) continue;
        const refTemplate = registryCacheRef(c.entry);
        const ref = refTemplate && parseImageRefTemplate(refTemplate);
        if (!refTemplate || !ref || ref.kind === "opaque" || ref.tag !== null || ref.digest !== null) continue;
        // A cache onto a pushed `:latest` is cache-overwrites-tag's error.
        if (overwritesPush(ref, pushes)) continue;
        const key = `${spanKey(c.item.span)}|${formatRef(ref)}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const written = renderTemplate(refTemplate).trim();
        const v = verdict(ref, written, pushes.all);
        if (!v) continue;
        ctx.report({
          message: v.message,
          primary: spanWithin(c.item, `ref=${written}`) ?? c.item.span,
          subject: `${siteSubject(build.visit)}|${formatRef(ref)}`,
          severity: v.severity,
          confidence: v.confidence,
          related: v.related,
          hidden: [build.visit.step.span],
          fix: fixFor(c, written),
        });
      }
    }
  },
});
