import type { BuildInvocation } from "../builds/invocation.js";
import { isAction } from "../builds/extract.js";
import type { Item } from "../builds/items.js";
import { registryCacheRef } from "../docker/cache-spec.js";
import { parseImageRefTemplate, type TemplateRef } from "../docker/image-ref.js";
import { holeWithin, isHoleTok, type Tok, toTokens } from "../docker/template-tokens.js";
import type { Project } from "../engine/project.js";
import type { Fix } from "../report/finding.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue } from "../workflow/yaml.js";
import { type Hole, renderTemplate, type Template } from "../workflow/expr/value.js";
import { siteSubject, spanWithin, validEntries } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { spanKey } from "../rule-kit/util.js";

/** Contexts that carry GitHub names with their original case. */
const CASED_SOURCES = ["github.repository", "github.repository_owner", "github.actor"];
const CASED_IN_TEXT = /\bgithub\.(repository_owner|repository|actor)\b/;
const ERROR = '"invalid reference format: repository name must be lowercase"';
const IMPORT_ERROR = '"failed to configure registry cache importer: invalid reference format"';

interface Offence {
  /** Literal uppercase letters, or the cased contexts used in the repository path. */
  literal: boolean;
  sources: string[];
}

/** The tokens of a reference's name, without tag and digest. */
function nameTokens(ref: TemplateRef): Tok[] {
  const name: Template = ref.kind === "split" ? [...ref.host, { lit: "/" }, ...ref.repository] : ref.kind === "name" ? ref.name : ref.raw;
  const toks = toTokens(name);
  const at = toks.indexOf("@");
  return at >= 0 ? toks.slice(0, at) : toks;
}

/** Cased contexts in the repository path: after the host, or anywhere when the first component cannot be a host. */
function casedHoles(ref: TemplateRef): string[] {
  const toks = nameTokens(ref);
  const slash = toks.indexOf("/");
  const first = slash < 0 ? toks : toks.slice(0, slash);
  const firstMayBeHost =
    slash >= 0 && first.some((t) => (isHoleTok(t) ? !holeWithin(t, /[^.:]/) : t === "." || t === ":"));
  const candidates = ref.kind === "split" ? toTokens(ref.repository) : firstMayBeHost ? toks.slice(slash + 1) : toks;
  const sources = candidates
    .filter(isHoleTok)
    .filter((h) => CASED_SOURCES.includes(h.source) && mayHoldUppercase(h))
    .map((h) => h.source);
  return [...new Set(sources)];
}

function mayHoldUppercase(h: Hole): boolean {
  return !holeWithin(h, /[^A-Z]/);
}

function offence(ref: TemplateRef): Offence | undefined {
  const sources = ref.hasHoles ? casedHoles(ref) : [];
  if (ref.hadUppercase) return { literal: true, sources };
  return sources.length ? { literal: false, sources } : undefined;
}

/** Ids of docker/metadata-action steps in a file: their outputs are lowercased by the action. */
function metadataStepIds(project: Project, file: string): string[] {
  const steps = [
    ...(project.workflows.get(file)?.jobs.flatMap((j) => j.steps) ?? []),
    ...[...project.actions.values()].filter((a) => a.file === file).flatMap((a) => a.steps),
  ];
  return steps.filter((s) => s.id && isAction(s.uses?.value, "docker/metadata-action")).map((s) => s.id as string);
}

/** Image names given to metadata-action anywhere in the project (the action lowercases them). */
function metadataImages(project: Project): Set<string> {
  const steps = [
    ...[...project.workflows.values()].flatMap((w) => w.jobs.flatMap((j) => j.steps)),
    ...[...project.actions.values()].flatMap((a) => a.steps),
  ];
  const out = new Set<string>();
  for (const s of steps) {
    if (!isAction(s.uses?.value, "docker/metadata-action")) continue;
    for (const line of (s.with.get("images")?.value ?? "").split(/\r?\n/)) {
      const name = line.split(",").find((f) => !f.includes("=") || f.trim().startsWith("name="));
      if (name) out.add(normaliseWritten(name.trim().replace(/^name=/, "")));
    }
  }
  return out;
}

/** Written text with `${{ x }}` spacing normalised, lowercased, for comparing names across files. */
function normaliseWritten(s: string): string {
  return s.replace(/\$\{\{\s*(.*?)\s*\}\}/g, "${{ $1 }}").toLowerCase();
}

/**
 * Whether an item's value comes out of docker/metadata-action, which lowercases image names: it names a
 * metadata-action output, or its cased contexts arrive indirectly and its name is a metadata-action image.
 */
function fromMetadataAction(item: Item, ref: TemplateRef, ids: string[], images: Set<string>): boolean {
  const text = item.segment.text;
  if (/DOCKER_METADATA_OUTPUT_/.test(text)) return true;
  if (ids.some((id) => new RegExp(`\\bsteps\\.${id.replace(/[-]/g, "\\-")}\\.outputs\\b`).test(text))) return true;
  if (CASED_IN_TEXT.test(text)) return false;
  const name = renderTemplate(ref.kind === "split" ? [...ref.host, { lit: "/" }, ...ref.repository] : ref.kind === "name" ? ref.name : ref.raw);
  return images.has(normaliseWritten(name)) || images.has(normaliseWritten(name.replace(/^docker\.io\//, "")));
}

/** Lowercases the repository path of a literal reference, keeping host, tag and digest. */
function lowercaseRepository(ref: string): string {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at) : "";
  let rest = at >= 0 ? ref.slice(0, at) : ref;
  let tag = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  const host = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost") ? `${first}/` : "";
  return `${host}${rest.slice(host.length).toLowerCase()}${tag}${digest}`;
}

/** The runner environment variable that holds each cased context. */
const ENV_VARS: Record<string, string> = {
  "github.repository": "GITHUB_REPOSITORY",
  "github.repository_owner": "GITHUB_REPOSITORY_OWNER",
  "github.actor": "GITHUB_ACTOR",
};

/** The image name as a shell word that lowercases the cased contexts: `ghcr.io/${GITHUB_REPOSITORY,,}`. */
function shellName(ref: TemplateRef): string {
  const name: Template = ref.kind === "split" ? [...ref.host, { lit: "/" }, ...ref.repository] : ref.kind === "name" ? ref.name : ref.raw;
  return name
    .map((p) => {
      if (!("hole" in p)) return p.lit;
      const v = ENV_VARS[p.hole.source];
      return v ? `\${${v},,}` : `\${{ ${p.hole.source} }}`;
    })
    .join("");
}

function fixFor(item: Item, ref: TemplateRef, written: string, o: Offence): Fix {
  if (o.sources.length) {
    return {
      title:
        `lowercase the name in an earlier step (run: echo "IMAGE=${shellName(ref)}" >> "$GITHUB_ENV") and use \${{ env.IMAGE }}, ` +
        "or let docker/metadata-action build the tags (it lowercases its images input)",
      edits: [],
      safe: false,
    };
  }
  const lower = lowercaseRepository(written);
  const title = `lowercase the repository path: ${lower}`;
  const span = item.derived ? undefined : spanWithin(item, written);
  return span ? { title, edits: [{ span, text: lower }], safe: true } : { title, edits: [], safe: false };
}

/**
 * What an invalid ref does: a tag, an image output or a cache export fails the build; a cache import only logs
 * "failed to configure registry cache importer" and the build goes on without the cache (BuildKit imports caches
 * best-effort).
 */
function consequence(fatal: boolean): string {
  return fatal ? `the build fails with ${ERROR}` : `the cache is never imported: BuildKit logs ${IMPORT_ERROR} and builds without it, so every build starts cold`;
}

function message(input: string, written: string, o: Offence, fatal: boolean): string {
  if (o.literal) {
    return `${input} names ${written}, whose repository path has uppercase letters. Docker requires lowercase repository names, so ${consequence(fatal)}.`;
  }
  const used = o.sources.map((s) => `\${{ ${s} }}`).join(" and ");
  return (
    `${input} puts ${used} into the image name as written (${written}). GitHub keeps the case of owner, repository and user names ` +
    `and Actions expressions cannot lowercase, so as soon as one has an uppercase letter (Acme/App) ${consequence(fatal)}.`
  );
}

/**
 * Where a caller writes the uppercase letters a callee puts into an image name: the callee's ref reads
 * `inputs.<name>`, and the step or job that called it passes that input as text with an uppercase letter.
 * The finding belongs there, where the value can be fixed, once for every callee evaluation.
 */
function callerValue(project: Project, build: BuildInvocation, item: Item): { value: ScalarValue; input: string } | undefined {
  const call = build.visit.calls.at(-1);
  if (!call) return undefined;
  const inputs = [...item.segment.text.matchAll(/\binputs\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]);
  if (inputs.length === 0) return undefined;
  const at = (s: Span | undefined) => s !== undefined && s.file === call.span.file && s.start.offset === call.span.start.offset;
  const callers = [
    ...[...project.workflows.values()].flatMap((w) => [...w.jobs.filter((j) => at(j.uses?.span)), ...w.jobs.flatMap((j) => j.steps.filter((s) => at(s.uses?.span)))]),
    ...[...project.actions.values()].flatMap((a) => a.steps.filter((s) => at(s.uses?.span))),
  ];
  for (const caller of callers) {
    for (const input of inputs) {
      const value = caller.with.get(input);
      if (value && /[A-Z]/.test(value.value) && !value.value.includes("${{")) return { value, input };
    }
  }
  return undefined;
}

interface Ref {
  item: Item;
  template: Template;
  input: string;
  /** False for a cache import, which fails without failing the build. */
  fatal: boolean;
}

/** Refs the build writes by hand: tags and image outputs, registry cache refs (both directions). */
function refsOf(build: BuildInvocation): Ref[] {
  const input = (item: Item) => {
    const last = [...item.segment.span.path].reverse().find((p) => typeof p === "string");
    return last === "tags" || last === "outputs" ? last : "the image ref";
  };
  const cacheRefs = (items: typeof build.cacheTo, name: string, fatal: boolean) =>
    validEntries(items).flatMap((c) => {
      const ref = registryCacheRef(c.entry);
      return ref ? [{ item: c.item, template: ref, input: name, fatal }] : [];
    });
  return [
    ...build.tags.map((item) => ({ item, template: item.value, input: input(item), fatal: true })),
    ...cacheRefs(build.cacheTo, "cache-to", true),
    ...cacheRefs(build.cacheFrom, "cache-from", false),
  ];
}

/** Related locations listed for one grouped finding; the rest are counted in its message. */
const MAX_RELATED = 10;

function capRelated(related: { span: Span; message: string }[]): { span: Span; message: string }[] {
  return [...related].sort((a, b) => a.span.start.offset - b.span.start.offset).slice(0, MAX_RELATED);
}

export default defineRule({
  meta: {
    id: "uppercase-image-ref",
    severity: "warning",
    description: "An image or cache ref whose repository path may contain uppercase letters",
    fixable: "suggestion",
  },
  check(ctx) {
    const images = metadataImages(ctx.project);
    const ids = new Map<string, string[]>();
    const reported = new Set<string>();
    /**
     * Refs that only may have uppercase letters, through the same cased contexts in one file (`${{ github.actor }}`
     * in every tag of a workflow): one finding at the first, the others as its related locations.
     */
    const grouped = new Map<string, { report: Parameters<typeof ctx.report>[0]; related: { span: Span; message: string }[] }>();
    for (const build of ctx.builds) {
      const file = build.visit.file;
      if (!ids.has(file)) ids.set(file, metadataStepIds(ctx.project, file));
      for (const r of refsOf(build)) {
        const ref = parseImageRefTemplate(r.template);
        const o = ref && offence(ref);
        if (!ref || !o || fromMetadataAction(r.item, ref, ids.get(file) ?? [], images)) continue;
        const written = renderTemplate(r.template).trim();
        const caller = o.literal && r.item.derived ? callerValue(ctx.project, build, r.item) : undefined;
        if (caller) {
          const key = `caller|${spanKey(caller.value.span)}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const lower = lowercaseRepository(caller.value.value.trim());
          ctx.report({
            message:
              `${caller.input}: ${caller.value.value} has uppercase letters and ${build.visit.calls.at(-1)?.uses} puts it into the repository path of an image name (${written}). ` +
              `Docker requires lowercase repository names, so the build fails with ${ERROR}.`,
            primary: caller.value.span,
            subject: `caller|${caller.input}|${caller.value.value}`,
            related: [{ span: r.item.span, message: `the called ${build.visit.calls.at(-1)?.uses.endsWith(".yml") || build.visit.calls.at(-1)?.uses.endsWith(".yaml") ? "workflow" : "action"} uses it in ${r.input} here` }],
            fix: { title: `lowercase the input: ${lower}`, edits: [{ span: caller.value.span, text: lower }], safe: true },
          });
          continue;
        }
        const key = `${spanKey(r.item.span)}|${written}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const primary = spanWithin(r.item, written) ?? r.item.span;
        const report = {
          message: message(r.input, written, o, r.fatal),
          primary,
          subject: `${siteSubject(build.visit)}|${r.input}|${written}`,
          confidence: o.literal ? ("definite" as const) : ("possible" as const),
          ...(r.fatal ? {} : { severity: "info" as const }),
          hidden: [build.visit.step.span],
          fix: fixFor(r.item, ref, written, o),
        };
        if (o.literal) {
          ctx.report(report);
          continue;
        }
        const group = `${primary.file}|${r.fatal}|${[...o.sources].sort().join(",")}`;
        const seen = grouped.get(group);
        if (seen) seen.related.push({ span: primary, message: `${written} puts it into an image name too` });
        else grouped.set(group, { report, related: [] });
      }
    }
    for (const { report, related } of grouped.values()) {
      ctx.report(related.length ? { ...report, related: capRelated(related), message: `${report.message} ${related.length === 1 ? "One more ref" : `${related.length} more refs`} in this file ${related.length === 1 ? "does" : "do"} the same${related.length > MAX_RELATED ? ` (the first ${MAX_RELATED} are listed)` : ""}.` } : report);
    }
  },
});
