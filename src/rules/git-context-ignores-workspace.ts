import { isAction } from "../builds/extract.js";
import { subSpan } from "../builds/items.js";
import { csvFields, splitListInput } from "../docker/csv.js";
import { renderTemplate } from "../workflow/expr/value.js";
import type { RelatedLocation } from "../report/finding.js";
import type { Step } from "../workflow/model.js";
import type { Span } from "../workflow/span.js";
import { addInputEdit } from "../rule-kit/fixes/with-input.js";
import { defineRule } from "../rule-kit/rule.js";
import { perStep, precedingSteps, siteKey, yamlOf } from "../rule-kit/steps.js";
import { actionVersion } from "../rule-kit/action-version.js";
import type { Project } from "../engine/project.js";
import { appendTo, spanKey, stepSubject } from "../rule-kit/util.js";

/** A workspace change found in an earlier step. */
interface Change {
  span: Span;
  /** What the step does, e.g. "runs npm run build". */
  what: string;
  step: Step;
  /** The file a redirection writes, as written. */
  target?: string;
}

/** Where a command starts: the line start or after `;`, `&&`, `||`, `|`, `(`, `then`, `do`; `sudo` allowed. */
const AT_COMMAND = String.raw`(?:^|[;&|(]\s*|\bthen\s+|\bdo\s+)\s*(?:sudo\s+)?`;

/** Commands that write build output, generated code, unpacked files or stamped versions into the checkout. */
const COMMANDS: RegExp[] = [
  String.raw`(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:build|compile|bundle|dist|generate|codegen|gen)(?::[\w:-]+)?(?=\s|$|[;&|)])`,
  String.raw`npm\s+version\b`,
  String.raw`npx\s+(?:tsc|vite\s+build|webpack|next\s+build|ng\s+build)\b`,
  String.raw`go\s+(?:build|generate)\b`,
  String.raw`cargo\s+build\b`,
  String.raw`(?:mvn|\.\/mvnw)\b[^;&|]*\s(?:package|install|verify)\b`,
  String.raw`(?:gradle|\.\/gradlew)\b[^;&|]*\s(?:build|assemble|jar|bootJar|shadowJar|installDist)\b`,
  String.raw`dotnet\s+(?:publish|build)\b`,
  String.raw`python3?\s+-m\s+build\b`,
  String.raw`make\b(?!\s+(?:test|check|lint)\b)`,
  String.raw`(?:protoc|buf\s+generate|sqlc\s+generate|openapi-generator(?:-cli)?\s+generate)\b`,
  String.raw`sed\s+-i\b`,
  String.raw`(?:unzip|patch|git\s+apply|tar\s+-?[a-z]*x)\b`,
].map((body) => new RegExp(`${AT_COMMAND}(${body})`));

/** Commands whose output redirection (`>`, `>>`) stamps a file, e.g. `echo "$VERSION" > VERSION`. */
/** A redirection target: words, with `${{ … }}` expressions kept whole. */
const TARGET = String.raw`((?:\$\{\{[^}]*\}\}|[^\s;|&"])+)`;
const STAMP = new RegExp(String.raw`${AT_COMMAND}(?:echo|printf|cat|jq|yq|envsubst|git)\b[^;&|]*?(?:^|[^\d&>])>>?\s*("?)${TARGET}\1`);
const TEE = new RegExp(String.raw`\btee\s+(?:-a\s+)?("?)${TARGET}\1`);
/**
 * Redirection targets outside the checkout: the runner's command files, its temporary directory, the home
 * directory (`~/.ssh/config`, `$HOME/…`: the workspace is below it, not the other way round), and other absolute
 * paths (`/tmp/…`, `/dev/…`, `/etc/…`) unless they name the workspace.
 */
const OUTSIDE = /^(?:\$\{?(?:GITHUB_(?:ENV|OUTPUT|PATH|STEP_SUMMARY|STATE)|RUNNER_TEMP|HOME)\}?|\$\{\{\s*(?:runner\.temp|env\.HOME)\s*\}\}|~|\/)/;
/** Absolute targets that still name the workspace. */
const IN_WORKSPACE = /^(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?GITHUB_WORKSPACE\}?)(?:\/|$)/;

function runChanges(step: Step): Change[] {
  const run = step.run;
  if (!run) return [];
  const out: Change[] = [];
  for (const segment of run.segments) {
    const text = segment.text.trim();
    if (text === "" || text.startsWith("#")) continue;
    if (/\.dockerignore\b/.test(text) && /(>|\btee\b|\bcp\b|\bmv\b)/.test(text)) {
      out.push({ span: subSpan(segment, text), what: "writes .dockerignore, which the build will not read", step });
      continue;
    }
    const command = COMMANDS.map((re) => re.exec(segment.text))
      .filter((m) => m !== null)
      .sort((a, b) => a.index + a[0].length - a[1].length - (b.index + b[0].length - b[1].length))[0];
    if (command) {
      out.push({ span: subSpan(segment, command[1]), what: `runs ${command[1]}`, step });
      continue;
    }
    const write = STAMP.exec(segment.text) ?? TEE.exec(segment.text);
    const target = write?.[2];
    if (target && (!OUTSIDE.test(target) || IN_WORKSPACE.test(target))) out.push({ span: subSpan(segment, text), what: `writes ${target}`, step, target });
  }
  return out;
}

/**
 * Whether a download's `path:` is in the workspace: absent or relative (both actions resolve it against the
 * workspace), or under `${{ github.workspace }}`. Absolute paths elsewhere (`/tmp/…`, `${{ runner.temp }}`,
 * `~/…`) are outside, and so is a path tagguard cannot read (another expression): nothing says it is inside.
 */
function downloadsIntoWorkspace(path: string | undefined): boolean {
  const p = workspacePath(path ?? "");
  if (p === "" || IN_WORKSPACE.test(p)) return true;
  return !/^(?:\/|~|\$)/.test(p);
}

const changes = perStep((step: Step): Change[] => {
  const uses = step.uses;
  if (uses && (isAction(uses.value, "actions/download-artifact") || isAction(uses.value, "dawidd6/action-download-artifact"))) {
    return downloadsIntoWorkspace(step.with.get("path")?.value) ? [{ span: uses.span, what: "downloads artifacts into the workspace", step }] : [];
  }
  return runChanges(step);
});

function stepName(step: Step): string {
  return step.id ?? (step.name ? `"${step.name}"` : `#${step.index + 1}`);
}

/** "step #2", with its file when it is not the build's own file. */
function stepRef(step: Step, buildFile: string): string {
  return `step ${stepName(step)}${step.span.file === buildFile ? "" : ` of ${step.span.file}`}`;
}

function listOf(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A workspace path as written (`./secrets.env`, `"secrets.env"`), for comparing two spellings of one file. */
function workspacePath(path: string): string {
  return path.trim().replace(/^["']|["']$/g, "").replace(/^(?:\.\/)+/, "");
}

/**
 * Files a build step reads from the runner, whatever its context: the `secret-files:` sources (`id=path`) and the
 * local named contexts of `build-contexts:` (`name=path`, not an image or URL). A write to one of them reaches the build.
 */
const isBuildPush = perStep((step: Step) => isAction(step.uses?.value, "docker/build-push-action"));

const runnerReads = perStep((step: Step): Set<string> => {
  // build-push-action reads both inputs a line at a time, as CSV with commas kept (`getInputList`, `ignoreComma`).
  const paths = (input: string) =>
    splitListInput([{ lit: step.with.get(input)?.value ?? "" }], "newline").flatMap((line) => {
      const entry = csvFields(line).fields.map(renderTemplate).join(",");
      const path = entry.includes("=") ? entry.slice(entry.indexOf("=") + 1) : "";
      return path === "" || /^[a-z][\w+.-]*:\/\//i.test(path) || path.startsWith("target:") ? [] : [workspacePath(path)];
    });
  return new Set([...paths("secret-files"), ...paths("build-contexts")]);
});

/** build-push-action v1 built the `path` input (default `.`); the Git context is the default since v2. */
function usesGitContextByDefault(project: Project, step: Step): boolean {
  const major = actionVersion(project, step)?.[0];
  return major === undefined || major >= 2;
}

export default defineRule({
  meta: {
    id: "git-context-ignores-workspace",
    severity: "warning",
    description: "build-push-action without context: builds from Git and ignores files earlier steps changed",
    fixable: "suggestion",
  },
  check(ctx) {
    const seen = new Set<string>();
    for (const build of ctx.builds) {
      const { visit } = build;
      const uses = visit.step.uses;
      if (build.source !== "build-push-action" || build.context || !uses || !usesGitContextByDefault(ctx.project, visit.step)) continue;
      const key = siteKey(visit);
      if (seen.has(key)) continue;
      seen.add(key);
      // A file written for a build's secret-files (this one's or an earlier build's in the job) is not meant for the context.
      const before = precedingSteps(ctx.project, visit);
      const changed = before.flatMap(changes);
      if (changed.length === 0) continue;
      let read: Set<string> | undefined;
      const reads = () => (read ??= new Set([visit.step, ...before.filter(isBuildPush)].flatMap((s) => [...runnerReads(s)])));
      const found = changed.filter((c) => c.target === undefined || !reads().has(workspacePath(c.target)));
      if (found.length === 0) continue;
      const unique = [...new Map(found.map((c) => [spanKey(c.span), c])).values()];
      const bySteps = new Map<Step, string[]>();
      for (const c of unique) appendTo(bySteps, c.step, c.what);
      const listed = [...bySteps].slice(0, 3).map(([step, what]) => `${stepRef(step, visit.step.span.file)} ${listOf(what)}`);
      if (bySteps.size > 3) listed.push(`${bySteps.size - 3} more steps`);
      const y = yamlOf(ctx.project, visit.step.span.file);
      const edit = y && addInputEdit(y, visit.step, "context", ".");
      const title = "build the checked-out workspace: set context: . (add file: if the Dockerfile is not ./Dockerfile)";
      ctx.report({
        message:
          "build-push-action has no context:, so it builds from the Git context — a fresh clone of the commit — not from the workspace. " +
          `Earlier steps change the workspace (${listed.join("; ")}), and none of it reaches the image: ` +
          'the action documents that "any file mutation in the steps that precede the build step will be ignored, including processing of the .dockerignore file".',
        primary: uses.span,
        subject: stepSubject(visit),
        confidence: "possible",
        related: unique.map((c): RelatedLocation => ({ span: c.span, message: `the workspace is changed here (${stepRef(c.step, visit.step.span.file)} ${c.what})` })),
        hidden: [visit.step.span],
        fix: edit ? { title, edits: [edit], safe: true } : { title, edits: [], safe: false },
      });
    }
  },
});
