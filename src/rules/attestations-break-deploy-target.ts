import type { BuildInvocation } from "../builds/invocation.js";
import type { Project } from "../engine/project.js";
import type { Edit, Fix, RelatedLocation } from "../report/finding.js";
import type { Span } from "../workflow/span.js";
import { type DeploySite, deploySites, deploysBuild, sameRun, type TargetId } from "../rule-kit/deploy-targets.js";
import { addInputEdit, replaceValueEdit } from "../rule-kit/fixes/with-input.js";
import { attestationFlag, attestations, buildSpan, multiPlatform } from "../rule-kit/images.js";
import { defineRule } from "../rule-kit/rule.js";
import { siteKey, yamlOf } from "../rule-kit/steps.js";
import { describeSite, spanKey, stepSubject } from "../rule-kit/util.js";

/** Consumers that fail on an image index with attestation manifests, and how they fail. */
const FAILURES: Partial<Record<TargetId, string>> = {
  lambda: 'AWS Lambda rejects it: "The image manifest, config or layer media type for the source image … is not supported."',
  fly: 'Fly.io has failed on such images with Could not find image "…" and, in later reports, "unknown: app repository not found".',
  aci: "Azure Container Instances cannot pull it: InaccessibleImage.",
  "app-service": "Azure App Service can fail to create the container from it (ContainerCreateFailure).",
  "manifest-inspect":
    'docker manifest inspect gets an index instead of one image manifest: clients without OCI index support fail with "OCI index found, but accept header does not support OCI indexes", and scripts that read the manifest see an extra unknown/unknown entry.',
};

/** How a site's target fails on an image index; undefined when it accepts one (or is not known to reject it). */
function failure(site: DeploySite): string | undefined {
  if (site.acceptsIndex === true) return undefined;
  const known = site.builtin && FAILURES[site.builtin];
  if (known) return known;
  if (site.acceptsIndex === false) return `${site.name} does not accept an OCI image index (acceptsIndex: false in deployTargets of .github/tagguard.yml), so the deploy fails.`;
  return undefined;
}

interface Pairing {
  build: BuildInvocation;
  primary: Span;
  reason: string;
  /** Whether the build surely adds an attestation (else it depends on a value or on the builder). */
  attested: boolean;
  sites: Map<string, DeploySite>;
  definite: boolean;
}

function fixFor(project: Project, p: Pairing): Fix {
  const { build } = p;
  const step = build.visit.step;
  if (build.source === "docker-cli" || !step.uses) {
    return { title: "pass --provenance=false (and --sbom=false) to the build that pushes this image, or deploy the platform image by digest", edits: [], safe: false };
  }
  const title = "set provenance: false (and sbom: false) on this build so its tags are plain image manifests, or deploy the platform image by digest";
  const y = yamlOf(project, step.span.file);
  if (!y) return { title, edits: [], safe: false };
  const edits: (Edit | undefined)[] = [];
  for (const name of ["provenance", "sbom"]) {
    const value = step.with.get(name);
    if (value && attestationFlag(value.value) !== false) edits.push(replaceValueEdit(y, value, "false"));
  }
  if (!step.with.has("provenance")) edits.push(addInputEdit(y, step, "provenance", "false"));
  if (edits.some((e) => e === undefined)) return { title, edits: [], safe: false };
  return { title, edits: (edits as Edit[]).sort((a, b) => a.span.start.offset - b.span.start.offset), safe: true };
}

function listOf(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export default defineRule({
  meta: {
    id: "attestations-break-deploy-target",
    severity: "warning",
    description: "An image pushed with attestations (an OCI index) is deployed to a target that rejects image indexes",
    fixable: "suggestion",
  },
  check(ctx) {
    const sites = deploySites(ctx.visits, ctx.config).filter((s) => failure(s) !== undefined);
    const pairings = new Map<string, Pairing>();
    for (const build of ctx.builds) {
      if (build.push === false || multiPlatform(build) === true) continue;
      const att = attestations(build, ctx.project);
      if (att.state === "off") continue;
      for (const site of sites) {
        if (!sameRun(site.visit, build.visit)) continue;
        const match = deploysBuild(site, build);
        if (match === "never") continue;
        const primary = att.item?.span ?? buildSpan(build);
        const key = `${spanKey(primary)}|${build.bakeTarget ?? ""}`;
        const p: Pairing = pairings.get(key) ?? { build, primary, reason: att.reason, attested: att.state === "on", sites: new Map(), definite: false };
        pairings.set(key, p);
        const siteId = `${siteKey(site.visit)}|${spanKey(site.span)}`;
        if (!p.sites.has(siteId)) p.sites.set(siteId, site);
        p.definite ||= att.state === "on" && build.push === true && match === "definite";
      }
    }
    for (const p of pairings.values()) {
      const sites = [...p.sites.values()];
      const byTarget = new Map(sites.map((s) => [s.target, s]));
      const targets = [...byTarget.keys()];
      const inspects = (s: DeploySite) => s.builtin === "manifest-inspect";
      const deployed = [...byTarget.values()].filter((s) => !inspects(s)).map((s) => s.name);
      const uses = [
        ...(deployed.length ? [`deploys it to ${listOf(deployed)}`] : []),
        ...(sites.some(inspects) ? ["reads it with docker manifest inspect"] : []),
      ];
      const message = [
        p.attested
          ? `This image is pushed with attestations (${p.reason}), so each tag is an OCI image index with an extra unknown/unknown attestation manifest instead of a plain image manifest,`
          : `This image may be pushed with attestations (${p.reason}); then each tag is an OCI image index with an extra unknown/unknown attestation manifest instead of a plain image manifest,`,
        `and the workflow ${uses.join(" and ")}.`,
        ...[...byTarget.values()].map((s) => failure(s) as string),
      ].join(" ");
      ctx.report({
        message,
        primary: p.primary,
        subject: `${stepSubject(p.build.visit)}|${p.build.bakeTarget ?? ""}|${targets.join(",")}`,
        confidence: p.definite ? "definite" : "possible",
        related: sites.map(
          (s): RelatedLocation => ({
            span: s.span,
            message: `${inspects(s) ? "read with" : "deployed to"} ${s.name} here (${s.how}; ${describeSite(s.visit)})`,
          }),
        ),
        hidden: [p.build.visit.step.span],
        fix: fixFor(ctx.project, p),
      });
    }
  },
});
