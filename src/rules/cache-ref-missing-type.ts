import type { CacheItem } from "../builds/invocation.js";
import { formatRef, parseImageRefTemplate, type TemplateRef } from "../docker/image-ref.js";
import type { Fix } from "../report/finding.js";
import { renderTemplate, templateLiteral } from "../workflow/expr/value.js";
import { overwritesPush, pushedRefs, siteSubject, sourceText, spanWithin } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { spanKey } from "../rule-kit/util.js";

/** Cache backend names; written alone they are read as image names. */
const BACKENDS = ["registry", "inline", "gha", "local", "s3", "azblob"];
/** Backends that work without further attributes, so `type=<name>` is a complete fix. */
const COMPLETE_ALONE = ["inline", "gha"];

function fixFor(c: CacheItem, field: string): Fix {
  const backend = BACKENDS.includes(field.toLowerCase()) ? field.toLowerCase() : undefined;
  // Only a line that is exactly this one field can be rewritten: in a line with other bare fields
  // a `key=value` field would make buildx reject the whole line.
  const alone = !c.item.derived && sourceText(c.item)?.trim() === field;
  const where = alone || c.item.derived ? "" : " on its own line";
  const title = backend
    ? `write the cache type${where}: type=${backend}${COMPLETE_ALONE.includes(backend) ? "" : " with the attributes it needs"}`
    : `write the type explicitly${where} (type=registry,ref=${field}), or use type=inline to keep the cache inside the image`;
  const replacement = backend ? (COMPLETE_ALONE.includes(backend) ? `type=${backend}` : undefined) : `type=registry,ref=${field}`;
  const span = alone ? spanWithin(c.item, field) : undefined;
  if (!span || replacement === undefined) return { title, edits: [], safe: false };
  return { title, edits: [{ span, text: replacement }], safe: true };
}

/** The reference as buildx resolves it, registry host and `library/` included. */
function resolved(ref: TemplateRef): string {
  if (ref.kind !== "split") return formatRef(ref);
  return `${renderTemplate(ref.host)}/${renderTemplate(ref.repository)}:${renderTemplate(ref.tag ?? [{ lit: "latest" }])}`;
}

function message(field: string, exportRef: string): string {
  const backend = BACKENDS.includes(field.toLowerCase()) ? field.toLowerCase() : undefined;
  const consequence = backend
    ? `The intended ${backend} cache is never written: the export to Docker Hub is denied and fails the build step (rocker-org/rocker-versioned2 PR #274).`
    : `This ref-only shorthand exports in mode=min, and adding an attribute such as mode=max to the line without type=registry,ref= makes buildx reject it ("invalid value ${field}").`;
  return `cache-to entry "${field}" has no type=, so buildx reads it as a registry cache ref and exports the BuildKit cache to ${exportRef}. ${consequence}`;
}

export default defineRule({
  meta: {
    id: "cache-ref-missing-type",
    severity: "warning",
    description: "A cache-to entry without type= is exported to a registry ref of that name",
    fixable: "suggestion",
  },
  check(ctx) {
    const pushes = pushedRefs(ctx.builds);
    const reported = new Set<string>();
    for (const build of ctx.builds) {
      for (const c of build.cacheTo) {
        if (!c.entry.bare) continue;
        const refTemplate = c.entry.attrs.ref;
        const ref = parseImageRefTemplate(refTemplate);
        // Bare lines onto a pushed tag (the newline trap) are reported by cache-overwrites-tag only.
        if (ref && overwritesPush(ref, pushes)) continue;
        const field = renderTemplate(refTemplate);
        const key = `${spanKey(c.item.span)}|${field}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const literal = templateLiteral(refTemplate);
        const primary = (literal !== undefined && !c.item.derived && spanWithin(c.item, literal, /^$|^[,\s]/)) || c.item.span;
        ctx.report({
          message: message(field, ref ? resolved(ref) : `the image ref "${field}"`),
          primary,
          subject: `${siteSubject(build.visit)}|${field}`,
          hidden: [build.visit.step.span],
          fix: fixFor(c, field),
        });
      }
    }
  },
});
