import type { Project } from "../engine/project.js";
import type { Step } from "../workflow/model.js";

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;
const COMMIT = /^[0-9a-f]{40}$/i;
/** The version comment Dependabot and Renovate write after a commit pin: `# v3.1.0`, `# tag=v3.1.0`, `# 3.1`. */
const PIN_COMMENT = /^\s*#\s*(?:tag\s*[=:]\s*)?(v?\d+(?:\.\d+){0,2})(?![\w.])/i;

/**
 * The version of the action a step uses, as [major, minor?, patch?]: its ref when that is a version tag (`@v3`,
 * `@v3.1.0`), or, for a ref that is a commit SHA, the version the comment after it names (`@d3bdcf5… # v3.1.0`,
 * as Dependabot and Renovate pin actions). Undefined for a branch, another ref, or a SHA without such a comment:
 * a SHA's digits are not a version.
 */
export function actionVersion(project: Project, step: Step): number[] | undefined {
  const uses = step.uses;
  if (!uses) return undefined;
  const at = uses.value.indexOf("@");
  const ref = at < 0 ? "" : uses.value.slice(at + 1).trim();
  const own = VERSION.exec(ref);
  if (own) return numbers(own);
  if (!pinnedByCommit(uses.value)) return undefined;
  const y = project.yamlFile(uses.span.file);
  const rest = y?.index.lineText(uses.span.end.line).slice(uses.span.end.col - 1);
  const comment = rest === undefined ? null : PIN_COMMENT.exec(rest.replace(/^["']/, ""));
  const named = comment && VERSION.exec(comment[1]);
  return named ? numbers(named) : undefined;
}

/** Whether a `uses:` names its action by a full commit SHA (`owner/repo@<40 hex digits>`). */
export function pinnedByCommit(uses: string): boolean {
  const at = uses.indexOf("@");
  return at >= 0 && COMMIT.test(uses.slice(at + 1).trim());
}

function numbers(m: RegExpExecArray): number[] {
  return m.slice(1).filter((p) => p !== undefined).map(Number);
}
