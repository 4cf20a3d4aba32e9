import type { BuildInvocation } from "../builds/invocation.js";
import { isAction } from "../builds/extract.js";
import { subSpan } from "../builds/items.js";
import type { Config, DeployTarget } from "../config/types.js";
import { compareRefs, parseImageRefTemplate, type RefMatch, type TemplateRef, withTag } from "../docker/image-ref.js";
import type { StepVisit } from "../engine/walk.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { isLit, sameHole, splitTemplate, type Template, templateLiteral, trimTemplate } from "../workflow/expr/value.js";
import type { Span } from "../workflow/span.js";
import type { ScalarValue, Segment } from "../workflow/yaml.js";
import { type Arch, siteKey } from "./steps.js";

/** Platforms that run an image a workflow pushed. */
export type TargetId = "lambda" | "fly" | "aci" | "app-service" | "manifest-inspect" | "cloud-run" | "app-runner";

export const TARGET_NAMES: Record<TargetId, string> = {
  lambda: "AWS Lambda",
  fly: "Fly.io",
  aci: "Azure Container Instances",
  "app-service": "Azure App Service",
  "manifest-inspect": "docker manifest inspect",
  "cloud-run": "Google Cloud Run",
  "app-runner": "AWS App Runner",
};

/** The names `deployTargets` in `.github/tagguard.yml` gives the built-in targets (`BUILTIN_DEPLOY_TARGETS`). */
export const CONFIG_NAMES: Record<TargetId, string> = {
  lambda: "aws-lambda",
  fly: "fly",
  aci: "azure-container-instances",
  "app-service": "azure-app-service",
  "manifest-inspect": "docker-manifest-inspect",
  "cloud-run": "google-cloud-run",
  "app-runner": "aws-app-runner",
};

function builtinOf(name: string): TargetId | undefined {
  return (Object.keys(CONFIG_NAMES) as TargetId[]).find((id) => CONFIG_NAMES[id] === name);
}

/** One step that deploys (or reads) an image, on one evaluation of its workflow. */
export interface DeploySite {
  visit: StepVisit;
  /** The built-in target id, or the configured name of a custom target; part of finding subjects. */
  target: string;
  /** The built-in target, undefined for a custom one. */
  builtin?: TargetId;
  /** The target's name in messages. */
  name: string;
  /** Platforms the target runs, from `deployTargets` (overridden by an architecture the step chooses). */
  platforms?: string[];
  /** Whether the target accepts an OCI image index, from `deployTargets`; undefined: built-in knowledge. */
  acceptsIndex?: boolean;
  /** How the step deploys, for messages: `aws lambda update-function-code`, `azure/webapps-deploy`. */
  how: string;
  /** The command or the input that names the image. */
  span: Span;
  /** The images it deploys (one per alternative); undefined when they cannot be read, e.g. a shell variable. */
  images?: Template[];
  /** The CPU architecture the target runs images on; undefined when it cannot be told. */
  arch?: Arch;
  /** Where the architecture is chosen (`--architectures arm64`), when it is written. */
  archSpan?: Span;
  /** True when `arch` is assumed from a default the target may not apply (an existing Lambda function keeps its own). */
  archAssumed?: boolean;
}

/** A shell word: `${{ … }}` (which may contain spaces), quoted strings and other non-separator characters. */
const WORD = String.raw`((?:\$\{\{[^}]*\}\}|"[^"]*"|'[^']*'|[^\s;|&'"])+)`;

interface CommandPattern {
  target: TargetId;
  command: RegExp;
  /** The line must also contain this (a container image flag) to be an image deploy. */
  requires?: RegExp;
  /** The line is not a deploy when it contains this (a script that reads an index's `.manifests`). */
  unless?: RegExp;
  image?: RegExp;
  arch?: RegExp;
  /** The target's architecture when no `arch` flag is given; undefined when the default lives elsewhere. */
  defaultArch?: Arch;
  /** The default is an assumption: an existing function may have been created for another architecture. */
  assumed?: boolean;
}

const COMMANDS: CommandPattern[] = [
  {
    target: "lambda",
    command: /\baws\s+lambda\s+create-function\b/,
    requires: /ImageUri=/,
    image: new RegExp(String.raw`ImageUri=${WORD}`),
    arch: new RegExp(String.raw`--architectures[=\s]+${WORD}`),
    defaultArch: "amd64",
  },
  {
    target: "lambda",
    command: /\baws\s+lambda\s+update-function-code\b/,
    requires: /--image-uri\b/,
    image: new RegExp(String.raw`--image-uri[=\s]+${WORD}`),
    arch: new RegExp(String.raw`--architectures[=\s]+${WORD}`),
    defaultArch: "amd64",
    assumed: true,
  },
  {
    target: "lambda",
    command: /\b(?:sam\s+deploy|terraform\s+(?:apply|plan)|serverless\s+deploy|sls\s+deploy)\b/,
    requires: /image[_-]?uri/i,
    image: new RegExp(String.raw`image[_-]?uri\s*=\s*${WORD}`, "i"),
  },
  {
    target: "fly",
    command: /\bfly(?:ctl)?\s+deploy\b/,
    requires: /(?:^|\s)(?:--image|-i)[=\s]/,
    image: new RegExp(String.raw`(?:--image|-i)[=\s]+${WORD}`),
  },
  { target: "aci", command: /\baz\s+container\s+create\b/, requires: /--image\b/, image: new RegExp(String.raw`--image[=\s]+${WORD}`) },
  {
    target: "app-service",
    command: /\baz\s+webapp\s+(?:config\s+container\s+set|create)\b/,
    requires: /--(?:docker-custom-image-name|container-image-name|deployment-container-image-name)\b/,
    image: new RegExp(String.raw`--(?:docker-custom-image-name|container-image-name|deployment-container-image-name)[=\s]+${WORD}`),
    defaultArch: "amd64",
  },
  {
    target: "manifest-inspect",
    command: /\bdocker\s+manifest\s+inspect\b/,
    // A script that reads the index's manifests list copes with it; one that discards the output only checks that
    // the tag exists, which an index answers too.
    unless: /\.manifests\b|(?:^|\s)(?:&>|1?>)\s*\/dev\/null\b/,
    image: new RegExp(String.raw`docker\s+manifest\s+inspect\s+(?:-\S+\s+)*${WORD}`),
  },
  {
    target: "cloud-run",
    command: /\bgcloud\s+(?:(?:alpha|beta)\s+)?run\s+(?:deploy|services\s+update)\b/,
    requires: /--image\b/,
    image: new RegExp(String.raw`--image[=\s]+${WORD}`),
    defaultArch: "amd64",
  },
  { target: "app-runner", command: /\baws\s+apprunner\s+(?:create-service|update-service)\b/, defaultArch: "amd64" },
];

interface ActionPattern {
  target: TargetId;
  action: string;
  /** The input naming the image; the step deploys an image only when it is set. */
  image: string;
  arch?: string;
  defaultArch?: Arch;
  assumed?: boolean;
}

const ACTIONS: ActionPattern[] = [
  { target: "lambda", action: "aws-actions/aws-lambda-deploy", image: "image-uri", arch: "architectures", defaultArch: "amd64", assumed: true },
  { target: "lambda", action: "appleboy/lambda-action", image: "image_uri" },
  { target: "aci", action: "azure/aci-deploy", image: "image" },
  { target: "app-service", action: "azure/webapps-deploy", image: "images", defaultArch: "amd64" },
  { target: "cloud-run", action: "google-github-actions/deploy-cloudrun", image: "image", defaultArch: "amd64" },
  { target: "app-runner", action: "awslabs/amazon-app-runner-deploy", image: "image", defaultArch: "amd64" },
];

/** A logical shell line: continuation lines (`\` at the end) joined, with the segments it came from. */
interface ShellLine {
  text: string;
  parts: { segment: Segment; start: number }[];
}

function shellLines(segments: Segment[]): ShellLine[] {
  const lines: ShellLine[] = [];
  let current: ShellLine | undefined;
  for (const segment of segments) {
    const line: ShellLine = current ?? { text: "", parts: [] };
    const continued = /\\\s*$/.test(segment.text);
    line.parts.push({ segment, start: line.text.length });
    line.text += continued ? `${segment.text.replace(/\\\s*$/, "")} ` : segment.text;
    current = continued ? line : undefined;
    if (!continued) lines.push(line);
  }
  if (current) lines.push(current);
  return lines.filter((l) => !/^\s*#/.test(l.text));
}

/** The segment a logical-line position falls in, and the span of `text` found there. */
function spanAt(line: ShellLine, at: number, text: string): Span {
  const part = [...line.parts].reverse().find((p) => p.start <= at) ?? line.parts[0];
  return subSpan(part.segment, text);
}

function unquote(word: string): string {
  return word.replace(/^(["'])(.*)\1$/, "$2");
}

/** Evaluates an image word; undefined when it is not a plain image reference (shell variables, substitutions). */
function evaluateImages(visit: StepVisit, text: string, span: Span): Template[] | undefined {
  const images = visit.evaluate(text, span).flatMap((a) => splitTemplate(toTemplate(a.value), /\r?\n/).map(trimTemplate).filter((t) => t.length > 0));
  if (images.length === 0 || images.some((t) => t.some((p) => isLit(p) && /[$`\s]/.test(p.lit)))) return undefined;
  return images;
}

function archOf(value: string | undefined): Arch | undefined {
  const v = value?.toLowerCase();
  if (v === "arm64") return "arm64";
  if (v === "x86_64") return "amd64";
  return undefined;
}

function fromRun(visit: StepVisit, run: ScalarValue): DeploySite[] {
  const segments = run.segments.length ? run.segments : [{ text: run.value, span: run.span, exact: false }];
  const out: DeploySite[] = [];
  for (const line of shellLines(segments)) {
    for (const p of COMMANDS) {
      const command = p.command.exec(line.text);
      if (!command || (p.requires && !p.requires.test(line.text)) || p.unless?.test(line.text)) continue;
      const site: DeploySite = { visit, target: p.target, builtin: p.target, name: TARGET_NAMES[p.target], how: command[0].replace(/\s+/g, " "), span: spanAt(line, command.index, command[0]) };
      const image = p.image?.exec(line.text);
      if (image) {
        const word = unquote(image[1]);
        site.images = evaluateImages(visit, word, spanAt(line, image.index, image[0]));
      }
      const arch = p.arch?.exec(line.text);
      if (arch) {
        site.arch = archOf(unquote(arch[1]));
        site.archSpan = spanAt(line, arch.index, arch[0]);
      } else {
        site.arch = p.defaultArch;
        site.archAssumed = p.assumed;
      }
      out.push(site);
    }
  }
  return out;
}

function firstLineSpan(value: ScalarValue): Span {
  return value.segments.find((s) => s.text.trim() !== "")?.span ?? value.span;
}

function fromAction(visit: StepVisit, uses: string): DeploySite[] {
  const w = visit.step.with;
  if (isAction(uses, "superfly/flyctl-actions")) {
    const args = w.get("args");
    const command = args && `flyctl ${args.value}`;
    const sites = args ? fromRun(visit, { ...args, value: command as string, segments: [{ text: command as string, span: args.span, exact: false }] }) : [];
    return sites.map((s) => ({ ...s, how: "superfly/flyctl-actions" }));
  }
  const p = ACTIONS.find((a) => isAction(uses, a.action));
  const image = p && w.get(p.image);
  if (!p || !image) return [];
  const archInput = p.arch ? w.get(p.arch) : undefined;
  const archValue = archInput && visit.evaluate(archInput.value, archInput.span).map((a) => toTemplate(a.value));
  const literalArch = archValue?.length === 1 ? templateLiteral(archValue[0]) : undefined;
  return [
    {
      visit,
      target: p.target,
      builtin: p.target,
      name: TARGET_NAMES[p.target],
      how: p.action,
      span: firstLineSpan(image),
      images: evaluateImages(visit, image.value, image.span),
      arch: archInput ? archOf(literalArch?.trim()) : p.defaultArch,
      archSpan: archInput?.span,
      archAssumed: archInput ? undefined : p.assumed,
    },
  ];
}

const sitesCache = new WeakMap<StepVisit[], DeploySite[]>();

/** Every step that deploys or inspects an image to a built-in target, as recognised without configuration. */
function builtinSites(visits: StepVisit[]): DeploySite[] {
  const cached = sitesCache.get(visits);
  if (cached) return cached;
  const sites = visits.flatMap((visit) => {
    const { uses, run } = visit.step;
    if (uses) return fromAction(visit, uses.value);
    return run ? fromRun(visit, run) : [];
  });
  sitesCache.set(visits, sites);
  return sites;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A `uses` pattern: `owner/repo@ref`, `*` matching anything, no `@` (or `@*`) matching any ref; case-insensitive. */
function usesMatcher(pattern: string): RegExp {
  const glob = pattern.split("*").map(escapeRegExp).join(".*");
  return new RegExp(`^${glob}${pattern.includes("@") ? "" : "(?:@.*)?"}$`, "i");
}

/**
 * A `run` prefix: its words at the start of a command (line start, after `;`, `&&`, `||`, `|`, `(`,
 * `then`, `do`, or environment assignments), with the command's remaining words in group `args`.
 */
function runMatcher(prefix: string): RegExp {
  const words = prefix.trim().split(/\s+/).map(escapeRegExp).join(String.raw`\s+`);
  const start = String.raw`(?:^|[;&|(]|\b(?:then|do|else)\b)\s*(?:[A-Za-z_]\w*=${WORD}\s+)*`;
  return new RegExp(String.raw`${start}(?<command>${words})(?=$|[\s;&|)])(?<args>(?:[ \t]+${WORD})*)`, "g");
}

/** A word that can only be an image reference: a registry host and a path, or a path with a tag or digest. */
const IMAGE_WORD = /^(?:(?:[\w-]+(?:\.[\w-]+)+|localhost)(?::\d+)?\/\S|[\w.-]+(?:\/[\w.-]+)+[:@])/;

/** The image references among a custom deploy command's arguments (`--image=REF`, `REF`); undefined when there are none. */
function imagesInArgs(visit: StepVisit, line: ShellLine, args: string, at: number): Template[] | undefined {
  const images: Template[] = [];
  for (const m of args.matchAll(new RegExp(WORD, "g"))) {
    const flag = m[1].startsWith("-");
    if (flag && !m[1].includes("=")) continue;
    const word = unquote(flag ? m[1].slice(m[1].indexOf("=") + 1) : m[1]);
    if (!IMAGE_WORD.test(word)) continue;
    const found = evaluateImages(visit, word, spanAt(line, at + (m.index ?? 0), m[1]));
    if (!found) return undefined;
    images.push(...found);
  }
  return images.length ? images : undefined;
}

/** Inputs of a custom deploy action that name the image. */
const IMAGE_INPUT = /^images?(?:[-_]?(?:uri|ref|name))?$/i;

function configuredSite(visit: StepVisit, t: DeployTarget, builtin: TargetId | undefined): Omit<DeploySite, "how" | "span"> {
  return { visit, target: builtin ?? t.name, builtin, name: builtin ? TARGET_NAMES[builtin] : t.name };
}

/** Steps that `deployTargets` entries recognise by their `uses` and `run` patterns. */
function configuredSites(visits: StepVisit[], targets: DeployTarget[]): DeploySite[] {
  const recognisers = targets.filter((t) => t.uses.length > 0 || t.run.length > 0);
  if (recognisers.length === 0) return [];
  return visits.flatMap((visit) => {
    const { uses, run } = visit.step;
    return recognisers.flatMap((t): DeploySite[] => {
      const builtin = builtinOf(t.name);
      if (uses) {
        if (!t.uses.some((p) => usesMatcher(p).test(uses.value.trim()))) return [];
        const input = [...visit.step.with].find(([name]) => IMAGE_INPUT.test(name))?.[1];
        const how = uses.value.trim().replace(/@.*$/, "");
        if (!input) return [{ ...configuredSite(visit, t, builtin), how, span: uses.span }];
        return [{ ...configuredSite(visit, t, builtin), how, span: firstLineSpan(input), images: evaluateImages(visit, input.value, input.span) }];
      }
      if (!run) return [];
      const segments = run.segments.length ? run.segments : [{ text: run.value, span: run.span, exact: false }];
      return shellLines(segments).flatMap((line) =>
        t.run.flatMap((prefix) =>
          [...line.text.matchAll(runMatcher(prefix))].map((m): DeploySite => {
            const { command, args } = m.groups as { command: string; args: string };
            const at = (m.index ?? 0) + m[0].length - args.length - command.length;
            return {
              ...configuredSite(visit, t, builtin),
              how: command.replace(/\s+/g, " "),
              span: spanAt(line, at, command),
              images: imagesInArgs(visit, line, args, at + command.length),
            };
          }),
        ),
      );
    });
  });
}

/** Applies a `deployTargets` entry's `platforms` and `acceptsIndex` to a site of its target. */
function configure(site: DeploySite, t: DeployTarget | undefined): DeploySite {
  if (!t) return site;
  const out: DeploySite = { ...site };
  if (t.acceptsIndex !== undefined) out.acceptsIndex = t.acceptsIndex;
  if (t.platforms && !site.archSpan) {
    out.platforms = t.platforms;
    out.arch = undefined;
    out.archAssumed = undefined;
  }
  return out;
}

const configuredCache = new WeakMap<StepVisit[], WeakMap<Config, DeploySite[]>>();

/**
 * Every step among `visits` (the rule context's step visits) that deploys or inspects an image, per
 * evaluation (event case and matrix leg): the built-in targets' commands and actions, and those
 * `config.deployTargets` recognise, with the configured `platforms` and `acceptsIndex` applied.
 */
export function deploySites(visits: StepVisit[], config: Config): DeploySite[] {
  const perConfig = configuredCache.get(visits) ?? new WeakMap<Config, DeploySite[]>();
  configuredCache.set(visits, perConfig);
  const cached = perConfig.get(config);
  if (cached) return cached;
  const entryOf = (site: DeploySite) => config.deployTargets.find((t) => t.name === (site.builtin ? CONFIG_NAMES[site.builtin] : site.target));
  const builtin = builtinSites(visits);
  const known = new Set(builtin.map((s) => `${siteKey(s.visit)}|${s.target}|${s.span.start.line}`));
  const extra = configuredSites(visits, config.deployTargets).filter((s) => !known.has(`${siteKey(s.visit)}|${s.target}|${s.span.start.line}`));
  const sites = [...builtin, ...extra].map((s) => configure(s, entryOf(s)));
  perConfig.set(config, sites);
  return sites;
}

/** Whether two visits belong to one run of one workflow: same top-level workflow and event case. */
export function sameRun(a: StepVisit, b: StepVisit): boolean {
  const event = (v: StepVisit) => `${v.event.eventName}|${v.event.refKind}|${v.event.ref ?? ""}`;
  return a.workflow.file === b.workflow.file && event(a) === event(b);
}

function best(verdicts: RefMatch[]): RefMatch {
  if (verdicts.includes("definite")) return "definite";
  return verdicts.includes("possible") ? "possible" : "never";
}

/** Whether both references name one repository written out in full (host and path without unknowns). */
function sameRepository(a: TemplateRef, b: TemplateRef): boolean {
  if (a.kind !== "split" || b.kind !== "split") return false;
  const text = (r: typeof a) => {
    const host = templateLiteral(r.host);
    const repository = templateLiteral(r.repository);
    return host === undefined || repository === undefined ? undefined : `${host}/${repository}`;
  };
  const x = text(a);
  return x !== undefined && x === text(b);
}

/** Whether the two templates share an unknown: the same source read in the same evaluation (`sameHole`). */
function sharesUnknown(a: Template, b: Template): boolean {
  const holes = (t: Template) => t.flatMap((p) => (isLit(p) ? [] : [p.hole]));
  const theirs = holes(b);
  return holes(a).some((h) => theirs.some((o) => sameHole(h, o)));
}

/**
 * Does the site deploy an image the build pushes? `definite` when a deployed ref is one of the build's tags,
 * `never` when every deployed ref provably differs from every tag, `possible` otherwise (unknown image,
 * image configured elsewhere, untagged build, a digest reference to the same repository). A reference that could
 * equal a tag only by chance, through unknowns from unrelated sources, never does (docs/confidence.md), unless both
 * name one repository written out in full; nor is a tag deployed of a build that pushes by digest only.
 */
export function deploysBuild(site: DeploySite, build: BuildInvocation): RefMatch {
  const tags = build.tags.flatMap((t) => parseImageRefTemplate(t.value) ?? []);
  // A deploy whose image is configured elsewhere (Terraform, a service's source configuration) may deploy any
  // build of its run. An inspect always names its reference: one tagguard cannot evaluate (a shell value) is an
  // unknown from an unrelated source.
  if (!site.images) return site.builtin === "manifest-inspect" ? "never" : "possible";
  if (tags.length === 0) return "possible";
  const related = (m: RefMatch, image: Template, tag: TemplateRef, ref?: TemplateRef): RefMatch =>
    m === "possible" && !sharesUnknown(image, tag.raw) && !(ref && sameRepository(ref, tag)) ? "never" : m;
  return best(
    site.images.flatMap((image) => {
      const ref = parseImageRefTemplate(image);
      if (!ref) return tags.map((tag) => related("possible", image, tag));
      return tags.map((tag) => {
        if (ref.digest) return related(compareRefs(withTag(ref, "latest"), withTag(tag, "latest")) === "never" ? "never" : "possible", image, tag, ref);
        if (build.byDigest) return "never";
        return related(compareRefs(ref, tag), image, tag, ref);
      });
    }),
  );
}
