import type { BuildInvocation, CacheItem } from "../builds/invocation.js";
import type { Project } from "../engine/project.js";
import type { Fix } from "../report/finding.js";
import { renderTemplate } from "../workflow/expr/value.js";
import type { Span } from "../workflow/span.js";
import { siteSubject } from "../rule-kit/cache-writers.js";
import { defineRule } from "../rule-kit/rule.js";
import { ghaEntryDropped } from "../rule-kit/gha-runtime.js";
import { containerBuilder } from "../rule-kit/images.js";
import { yamlOf } from "../rule-kit/steps.js";
import { describeSite, spanKey } from "../rule-kit/util.js";

const RUNTIME_ACTION = "crazy-max/ghaction-github-runtime";

/**
 * Inserts the runtime action as a step right before the step, indented like it. On the runner's `docker` driver the
 * entry would then fail the build instead ("Cache export is not supported for the docker driver"): a builder that
 * exports caches comes first, and the fix is not an edit.
 */
function insertRuntimeStep(project: Project, build: BuildInvocation): Fix {
  const { visit } = build;
  if (!containerBuilder(project, build)) {
    return {
      title: `set up a builder that exports caches first (docker/setup-buildx-action without driver: docker), then expose the runtime variables: add "- uses: ${RUNTIME_ACTION}@v3" before this step`,
      edits: [],
      safe: false,
    };
  }
  const title = `expose the runtime variables first: add "- uses: ${RUNTIME_ACTION}@v3" before this step`;
  const at = visit.step.span.start;
  const line = yamlOf(project, visit.step.span.file)?.index.lineText(at.line) ?? "";
  const prefix = line.slice(0, at.col - 1);
  if (!/^\s*-\s+$/.test(prefix)) return { title, edits: [], safe: false };
  const lineStart = { line: at.line, col: 1, offset: at.offset - (at.col - 1) };
  const span: Span = { file: visit.step.span.file, start: lineStart, end: lineStart, path: visit.step.path };
  return { title, edits: [{ span, text: `${prefix}uses: ${RUNTIME_ACTION}@v3\n` }], safe: true };
}

function message(project: Project, build: BuildInvocation, direction: string, c: CacheItem): string {
  const entry = renderTemplate(c.entry.raw);
  const where = build.bakeTarget
    ? `${direction} "${entry}" of bake target ${build.bakeTarget}, built by a run: step (${describeSite(build.visit)}),`
    : `${direction} "${entry}" in a run: script`;
  const effect =
    direction === "cache-to"
      ? "Nothing is exported to the GitHub Actions cache, so every later build runs cold."
      : "Nothing is imported from the GitHub Actions cache, so the build runs cold.";
  const driver =
    direction === "cache-to" && !containerBuilder(project, build)
      ? ' The job builds on the runner\'s docker driver, which exports no cache unless Docker stores images in containerd: with the variables exposed, the build would fail instead ("Cache export is not supported for the docker driver").'
      : "";
  return (
    `${where} is skipped without any error: buildx takes the cache token and URL of type=gha from ACTIONS_RUNTIME_TOKEN and ` +
    `ACTIONS_RESULTS_URL (ACTIONS_CACHE_URL), which GitHub passes to actions but not to run: steps, and drops the entry when they are missing. ${effect}${driver}`
  );
}

export default defineRule({
  meta: {
    id: "gha-cache-needs-runtime",
    severity: "info",
    description: "A type=gha cache in a run: script is silently dropped without the GitHub Actions runtime variables",
    fixable: "suggestion",
  },
  check(ctx) {
    const reported = new Set<string>();
    for (const build of ctx.builds) {
      const { visit } = build;
      const dropped = (c: CacheItem) => ghaEntryDropped(ctx.project, build, c);
      const entries = [
        ...build.cacheTo.filter(dropped).map((c) => ({ c, direction: "cache-to" })),
        ...build.cacheFrom.filter(dropped).map((c) => ({ c, direction: "cache-from" })),
      ];
      for (const { c, direction } of entries) {
        const key = `${spanKey(c.item.span)}|${spanKey(visit.step.span)}|${direction}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const inScript = c.item.span.file === visit.file;
        ctx.report({
          message: message(ctx.project, build, direction, c),
          primary: c.item.span,
          subject: [siteSubject(visit), build.bakeTarget ?? "", direction, renderTemplate(c.entry.raw)].join("|"),
          related: inScript ? [] : [{ span: (visit.step.run ?? visit.step).span, message: `the run: step that builds bake target ${build.bakeTarget}` }],
          hidden: [visit.step.span],
          fix: insertRuntimeStep(ctx.project, build),
        });
      }
    }
  },
});
