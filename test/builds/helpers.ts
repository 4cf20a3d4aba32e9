import type { BuildInvocation } from "../../src/builds/invocation.js";
import type { Item } from "../../src/builds/items.js";
import { collectBuilds } from "../../src/engine/index.js";
import { Project, type SourceFile } from "../../src/engine/project.js";
import { renderTemplate } from "../../src/workflow/expr/value.js";
import type { Span } from "../../src/workflow/span.js";

export function at(s: Span): string {
  return `${s.file}:${s.start.line}:${s.start.col}-${s.end.line}:${s.end.col}`;
}

/** An item as `value @file:line:col-line:col`, with its conditions when it has some. */
export function item(i: Item | undefined): string | undefined {
  if (!i) return undefined;
  return `${renderTemplate(i.value)} @${at(i.span)}${i.conds.length ? ` when ${i.conds.join(" and ")}` : ""}`;
}

/** The build model fields tests assert on, in a readable form. */
export function summary(b: BuildInvocation) {
  return {
    source: b.source,
    ...(b.bakeTarget ? { bakeTarget: b.bakeTarget } : {}),
    push: b.push,
    load: b.load,
    tags: b.tags.map(item),
    cacheTo: b.cacheTo.map((c) => item(c.item)),
    cacheFrom: b.cacheFrom.map((c) => item(c.item)),
    platforms: b.platforms.map(item),
    provenance: item(b.provenance),
    sbom: item(b.sbom),
    context: item(b.context),
    file: item(b.file),
    target: item(b.target),
  };
}

/** The builds of a set of files, one per event case and leg, deduplicated by their summary. */
export function builds(files: SourceFile[]): ReturnType<typeof summary>[] {
  const seen = new Set<string>();
  return collectBuilds(new Project(files)).builds.map(summary).filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A workflow on `push` with one job whose steps are given as YAML lines (indented by 6). */
export function workflow(steps: string, on = "push"): SourceFile {
  return { path: ".github/workflows/ci.yml", text: `on: ${on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n${steps}` };
}
