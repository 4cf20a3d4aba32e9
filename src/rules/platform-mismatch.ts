import type { BuildInvocation } from "../builds/invocation.js";
import type { Project } from "../engine/project.js";
import type { Edit, Fix, RelatedLocation } from "../report/finding.js";
import type { Span } from "../workflow/span.js";
import { type DeploySite, deploySites, deploysBuild, sameRun, type TargetId } from "../rule-kit/deploy-targets.js";
import { addInputEdit } from "../rule-kit/fixes/with-input.js";
import { buildSpan, buildsImage, literalPlatforms, platformArch } from "../rule-kit/images.js";
import { defineRule } from "../rule-kit/rule.js";
import { type Arch, runnerArch, runnerLabels, siteKey, yamlOf } from "../rule-kit/steps.js";
import { describeSite, spanKey, stepSubject } from "../rule-kit/util.js";

/** Targets whose CPU architecture is fixed (or chosen in the deploy step, for Lambda). */
const ARCH_TARGETS = new Set<TargetId>(["cloud-run", "app-runner", "lambda", "app-service"]);

/** The platforms a site's target runs: configured in `deployTargets`, else the built-in architecture; undefined when unknown. */
function runs(site: DeploySite): string[] | undefined {
  if (site.platforms) return site.platforms;
  return site.builtin && ARCH_TARGETS.has(site.builtin) && site.arch ? [`linux/${site.arch}`] : undefined;
}

/** What a build produces: the architectures, and how the message explains them. */
interface Built {
  archs: Set<string>;
  /** "platforms: linux/arm64", or why the runner decides the platform. */
  how: string;
  primary: Span;
  /** The runner label that decides the platform, when no platforms are written. */
  runner?: { span: Span; label: string; arch: Arch };
}

function built(build: BuildInvocation): Built | undefined {
  const platforms = literalPlatforms(build);
  if (!platforms) return undefined;
  if (platforms.length > 0) {
    const primary = build.platforms.length === 1 ? build.platforms[0].span : build.platforms[0].segment.span;
    return { archs: new Set(platforms.map(platformArch)), how: `platforms: ${platforms.join(",")}`, primary };
  }
  const labels = runnerLabels(build.visit);
  if (labels.length === 0 || labels.some((l) => l.values?.length !== 1)) return undefined;
  const values = labels.map((l) => (l.values as string[])[0]);
  const arch = runnerArch(values);
  if (!arch) return undefined;
  const decisive = labels.find((l) => runnerArch([(l.values as string[])[0]]) === arch) ?? labels[0];
  const label = (decisive.values as string[])[0];
  return {
    archs: new Set([arch]),
    how: `it sets no platforms, so it is built for its runner, and runs-on: ${values.join(", ")} is an ${arch} runner`,
    primary: buildSpan(build),
    runner: { span: decisive.written.span, label, arch },
  };
}

interface Mismatch {
  build: BuildInvocation;
  built: Built;
  sites: Map<string, DeploySite>;
  definite: boolean;
}

function targetText(site: DeploySite): string {
  if (site.builtin === "lambda" && site.archAssumed) return "AWS Lambda (x86_64 unless the function was created for arm64)";
  if (site.builtin === "lambda" && site.arch) return `AWS Lambda (architecture ${site.arch === "arm64" ? "arm64" : "x86_64"})`;
  return site.name;
}

function fixFor(project: Project, m: Mismatch, platform: string): Fix {
  const { build } = m;
  const step = build.visit.step;
  const qemu = m.built.runner && m.built.runner.arch !== platformArch(platform) ? " (on this runner that needs docker/setup-qemu-action first, or run the job on a native runner)" : "";
  const title = `build for ${platform}: platforms: ${platform}${qemu}`;
  if (build.source === "docker-cli" || !step.uses) return { title: `pass --platform ${platform} to the build${qemu}`, edits: [], safe: false };
  const y = yamlOf(project, step.span.file);
  let edit: Edit | undefined;
  if (build.platforms.length === 0) edit = y && addInputEdit(y, step, "platforms", platform);
  else if (build.platforms.length === 1 && build.platforms[0].segment.exact && !build.platforms[0].derived) {
    edit = { span: build.platforms[0].span, text: platform };
  }
  return edit ? { title, edits: [edit], safe: true } : { title, edits: [], safe: false };
}

export default defineRule({
  meta: {
    id: "platform-mismatch",
    severity: "warning",
    description: "The image is built for a CPU architecture the deploy target does not run",
    fixable: "suggestion",
  },
  check(ctx) {
    const sites = deploySites(ctx.visits, ctx.config).filter((s) => runs(s) !== undefined);
    const mismatches = new Map<string, Mismatch>();
    for (const build of ctx.builds) {
      if (build.push === false || !buildsImage(build)) continue;
      const b = built(build);
      if (!b) continue;
      for (const site of sites) {
        if (!sameRun(site.visit, build.visit) || (runs(site) as string[]).some((p) => b.archs.has(platformArch(p)))) continue;
        const match = deploysBuild(site, build);
        if (match === "never") continue;
        const key = `${spanKey(b.primary)}|${build.bakeTarget ?? ""}`;
        const m: Mismatch = mismatches.get(key) ?? { build, built: b, sites: new Map(), definite: false };
        mismatches.set(key, m);
        const siteId = `${siteKey(site.visit)}|${spanKey(site.span)}`;
        if (!m.sites.has(siteId)) m.sites.set(siteId, site);
        m.definite ||= build.push === true && match === "definite" && !site.archAssumed;
      }
    }
    for (const m of mismatches.values()) {
      const sites = [...m.sites.values()];
      const archs = [...m.built.archs].map((a) => `linux/${a}`).join(", ");
      const wanted = runs(sites[0]) as string[];
      const targets = [...new Set(sites.map(targetText))];
      const configured = sites[0].platforms ? ` (deployTargets in .github/tagguard.yml)` : "";
      const deployed = `${targets.join(" and ")}, which runs ${wanted.join(" or ")} images${configured}: the deploy is rejected or the container fails to start with "exec format error".`;
      const message = m.built.runner
        ? `The image is built for ${archs} only: ${m.built.how}. It is deployed to ${deployed}`
        : `The image is built for ${archs} only (${m.built.how}), but it is deployed to ${deployed}`;
      const related: RelatedLocation[] = [];
      if (m.built.runner) related.push({ span: m.built.runner.span, message: `the job runs on ${m.built.runner.label}, an ${m.built.runner.arch} runner` });
      for (const s of sites) {
        related.push({ span: s.archSpan ?? s.span, message: `deployed to ${targetText(s)} here (${s.how}; ${describeSite(s.visit)})` });
      }
      ctx.report({
        message,
        primary: m.built.primary,
        subject: `${stepSubject(m.build.visit)}|${m.build.bakeTarget ?? ""}|${sites.map((s) => s.target).join(",")}`,
        confidence: m.definite ? "definite" : "possible",
        related,
        hidden: [m.build.visit.step.span],
        fix: fixFor(ctx.project, m, wanted[0]),
      });
    }
  },
});
