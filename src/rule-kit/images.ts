import type { BuildInvocation } from "../builds/invocation.js";
import { type Item, listItems } from "../builds/items.js";
import { parseOutputLine } from "../builds/outputs.js";
import { toTemplate } from "../workflow/expr/coerce.js";
import { type Template, templateLiteral } from "../workflow/expr/value.js";
import type { Project } from "../engine/project.js";
import type { TemplateRef } from "../docker/image-ref.js";
import type { Span } from "../workflow/span.js";
import type { YamlFile } from "../workflow/yaml.js";
import { perStep, precedingSteps, yamlOf } from "./steps.js";
import { actionVersion, pinnedByCommit } from "./action-version.js";
import { isAction } from "../builds/extract.js";
import type { Step } from "../workflow/model.js";

/** Whether the pushed image carries attestation manifests (and so is an OCI image index). */
export interface Attestations {
  state: "on" | "off" | "unknown";
  /** Why, in words a message can use: "build-push-action v6 adds a provenance attestation by default". */
  reason: string;
  /** The input that turns them on explicitly, when one does. */
  item?: Item;
}

const FALSE = new Set(["0", "f", "false"]);
const TRUE = new Set(["1", "t", "true"]);

/**
 * An attestation flag as buildx reads it (`--provenance`, `--sbom`): a boolean (`strconv.ParseBool`), or
 * attributes such as `mode=max`, which turn it on unless they say `disabled=true`.
 */
export function attestationFlag(value: Template | string): boolean | undefined {
  const text = (typeof value === "string" ? value : templateLiteral(value))?.trim().toLowerCase();
  if (text === undefined || text.includes("${{")) return undefined;
  if (FALSE.has(text)) return false;
  if (TRUE.has(text)) return true;
  return !/(^|,)\s*disabled\s*=\s*true\s*(,|$)/.test(text);
}

/** `BUILDX_NO_DEFAULT_ATTESTATIONS` as buildx reads it: a boolean, or any other non-empty value meaning true. */
function noDefaultAttestations(build: BuildInvocation): boolean | undefined {
  const sym = build.visit.frame.env.get("BUILDX_NO_DEFAULT_ATTESTATIONS");
  if (!sym) return false;
  const values = sym.map((a) => templateLiteral(toTemplate(a.value))?.trim().toLowerCase());
  if (values.some((v) => v === undefined)) return undefined;
  const disables = values.map((v) => v !== "" && !FALSE.has(v as string));
  return disables.every((d) => d) ? true : disables.every((d) => !d) ? false : undefined;
}

/** build-push-action v3.3.1 up to v4 passed `--provenance=false` unless the input was set. */
function bpaDisablesDefault(version: number[] | undefined): boolean {
  if (!version || version[0] !== 3) return false;
  const [, minor, patch] = version;
  if (minor === undefined) return true;
  return minor > 3 || (minor === 3 && patch !== undefined && patch >= 1);
}

/** True when a build-push-action `outputs:` line exports to the local image store (`type=docker`). */
function dockerExporter(build: BuildInvocation): boolean {
  const outputs = build.inputs.get("outputs");
  if (!outputs) return false;
  return listItems(outputs, "newline", (t, s) => build.visit.evaluate(t, s)).some((item) => parseOutputLine(item.value).type === "docker");
}

/**
 * Whether a build's pushed image gets attestation manifests (docker/build-push-action `src/context.ts`,
 * buildx defaults): explicitly through `provenance`/`sbom`, or by default — BuildKit ≥ 0.11 adds a provenance
 * attestation to every pushed image unless `provenance: false`, `BUILDX_NO_DEFAULT_ATTESTATIONS`, or an export
 * to the local image store (`load: true`, `type=docker`). build-push-action v3.3.1–v3.x turned the default off.
 */
/**
 * Whether the build runs on a builder other than the runner's default `docker` driver: a named `builder:`, an
 * earlier setup-buildx-action (its default driver is docker-container), or `docker buildx create --use` /
 * `docker buildx use` earlier in the job. The docker driver adds no attestation unless the engine stores images
 * in containerd (docker/buildx#1988), which GitHub's runners may or may not do.
 */
export function containerBuilder(project: Project, build: BuildInvocation): boolean {
  if (build.inputs.get("builder")?.value.trim()) return true;
  if (precedingSteps(project, build.visit).some(setsUpBuilder)) return true;
  // A script that creates the builder before its own build.
  const run = build.visit.step.run?.value;
  return run !== undefined && BUILDX_USE.test(run);
}

const BUILDX_USE = /docker\s+buildx\s+(?:create\b[^\n]*--use\b|use\b)|--builder[\s=]/;

/** A step that sets up a builder other than the default docker driver for the steps after it. */
const setsUpBuilder = perStep(
  (step: Step) =>
    (isAction(step.uses?.value, "docker/setup-buildx-action") && step.with.get("driver")?.value.trim() !== "docker") ||
    (step.run !== undefined && BUILDX_USE.test(step.run.value)),
);

export function attestations(build: BuildInvocation, project: Project): Attestations {
  const explicit = ([["provenance", build.provenance], ["sbom", build.sbom]] as const).map(([name, item]) => ({
    name,
    item,
    on: item ? attestationFlag(item.value) : undefined,
  }));
  const on = explicit.find((e) => e.on === true);
  if (on?.item) return { state: "on", reason: `${on.name}: ${templateLiteral(on.item.value)} adds an attestation`, item: on.item };
  const provenance = explicit[0];
  if (provenance.item) {
    if (provenance.on === false) return { state: "off", reason: "provenance: false" };
    return { state: "unknown", reason: "provenance depends on an expression", item: provenance.item };
  }
  if (build.load === true || dockerExporter(build)) return { state: "off", reason: "the image is exported to the local image store" };
  const noDefault = noDefaultAttestations(build);
  if (noDefault === true) return { state: "off", reason: "BUILDX_NO_DEFAULT_ATTESTATIONS is set" };
  const uses = build.visit.step.uses?.value;
  let reason: string;
  switch (build.source) {
    case "build-push-action": {
      const version = actionVersion(project, build.visit.step);
      if (bpaDisablesDefault(version)) return { state: "off", reason: "build-push-action v3.3.1–v3.x disables the default attestation" };
      // A commit pin without a version comment may be one of the releases that disable it.
      if (!version && pinnedByCommit(uses ?? "")) return { state: "unknown", reason: `${uses} may be a build-push-action release (v3.3.1–v3.x) that disables the default attestation` };
      reason = `${uses ?? "build-push-action"} adds a provenance attestation by default`;
      break;
    }
    case "bake":
      reason = "buildx bake adds a provenance attestation by default";
      break;
    case "docker-cli":
      if (!build.context) return { state: "off", reason: "no image is built here" };
      reason = "docker buildx build --push adds a provenance attestation by default";
      break;
  }
  if (!containerBuilder(project, build)) {
    return { state: "unknown", reason: `${reason}, but only on a builder that supports attestations: this job sets up none, and the runner's default docker driver adds one only when its Docker stores images in containerd` };
  }
  return { state: noDefault === undefined ? "unknown" : "on", reason };
}

/** False for a push of an image built elsewhere (`docker push`, `imagetools create`): its platform is not decided here. */
export function buildsImage(build: BuildInvocation): boolean {
  return build.source !== "docker-cli" || build.context !== undefined;
}

/** The shell command line an item of a `run:` script sits on, with the lines it continues (`\` at their end). */
function commandText(y: YamlFile, line: number): string {
  let start = line;
  while (start > 1 && /\\\s*$/.test(y.index.lineText(start - 1))) start--;
  const lines: string[] = [];
  for (let l = start; l <= line; l++) lines.push(y.index.lineText(l));
  return lines.join("\n");
}

/** True when the push is `docker buildx imagetools create`, which always writes an image index. */
export function createsIndex(project: Project, build: BuildInvocation): boolean {
  if (build.source !== "docker-cli") return false;
  return build.tags.some((item) => {
    const y = yamlOf(project, item.span.file);
    return y !== undefined && /\bimagetools\s+create\b/.test(commandText(y, item.span.start.line));
  });
}

/** Where a build is written: the action step's `uses:`, else its first pushed tag, else the step. */
export function buildSpan(build: BuildInvocation): Span {
  const { step } = build.visit;
  return step.uses?.span ?? build.tags[0]?.span ?? step.span;
}

/** The architecture of a platform such as `linux/arm64/v8` (`arm64`), `linux/amd64` or `linux/arm/v7` (`arm`). */
export function platformArch(platform: string): string {
  return platform.trim().toLowerCase().split("/")[1] ?? "";
}

/** The literal platforms a build names, or undefined when one of them is not literal. */
export function literalPlatforms(build: BuildInvocation): string[] | undefined {
  const values = build.platforms.map((p) => templateLiteral(p.value)?.trim());
  if (values.some((v) => v === undefined)) return undefined;
  return [...new Set(values as string[])];
}

/** Whether a build pushes a multi-platform image: true, false, or undefined when its platforms are not literal. */
export function multiPlatform(build: BuildInvocation): boolean | undefined {
  const platforms = literalPlatforms(build);
  return platforms && platforms.length > 1;
}


/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * A reference to a registry on the runner itself (`localhost:5000/…`, a job's `services:` registry or one a
 * step starts): every job runs on a fresh runner, so pushes from two jobs (or matrix legs) reach two registries.
 */
export function onRunnerRegistry(ref: TemplateRef): boolean {
  if (ref.kind !== "split") return false;
  const host = templateLiteral(ref.host);
  return host !== undefined && LOOPBACK_HOST.test(host);
}
