import { escapeData, escapeProperty } from "../report/github.js";
import type { VerifyReport } from "../verify/index.js";

/** What was verified, besides the comparison. */
export interface VerifiedImage {
  image: string;
  platform: string;
  manifestDigest: string;
  revision: string | null;
  /** The source directory as given (`.`), for file names in annotations. */
  source: string;
}

/** `tagguard verify --format json`. */
export function verifyJson(image: VerifiedImage, report: VerifyReport): string {
  const c = report.comparison;
  return `${JSON.stringify(
    {
      image: image.image,
      platform: image.platform,
      manifestDigest: image.manifestDigest,
      revision: image.revision,
      path: report.path,
      result: c.identical ? "identical" : "differs",
      compared: c.compared,
      differences: c.differences.map((d) => ({ path: d.path, source: d.source, line: d.line, reason: d.reason, detail: d.detail, layer: d.layer })),
      missing: c.missing,
      onlyInImage: c.onlyInImage,
      fromOtherStages: c.fromOtherStages,
      mapping: report.mappingOrigin,
      runsAfterCopy: report.runsAfterCopy,
      layers: { read: report.layersRead, skipped: report.layersSkipped },
      bytesRead: report.bytesRead,
    },
    null,
    2,
  )}\n`;
}

/** Human-readable report: a headline, then one line per finding. */
export function verifyText(image: VerifiedImage, report: VerifyReport): string {
  const c = report.comparison;
  const lines = [
    `image:   ${image.image} (${image.platform}, ${image.manifestDigest})`,
    `path:    ${report.path} against ${image.source} (mapping from ${report.mappingOrigin})`,
    `result:  ${headline(report)}`,
  ];
  const at = (line: number) => (line === 0 ? report.mappingOrigin : `${report.mappingOrigin}:${line}`);
  for (const d of c.differences) lines.push(`  differs  ${join(report.path, d.path)}: ${d.detail}; layer ${d.layer} (from ${d.source}, ${at(d.line)})`);
  for (const m of c.missing) lines.push(`  missing  ${join(report.path, m.path)} (from ${m.source}, ${at(m.line)})`);
  if (c.onlyInImage.count > 0) {
    const more = c.onlyInImage.count > c.onlyInImage.sample.length ? ", …" : "";
    lines.push(`  only in image: ${c.onlyInImage.count} file${c.onlyInImage.count === 1 ? "" : "s"} (made by the build): ${c.onlyInImage.sample.join(", ")}${more}`);
  }
  for (const f of c.fromOtherStages) {
    lines.push(`  not compared: ${join(report.path, f.dir)} is written by ${f.from} (${at(f.line)}), ${f.files} file${f.files === 1 ? "" : "s"}`);
  }
  if (!c.identical && report.runsAfterCopy.length > 0) {
    lines.push(`  note: RUN at ${report.runsAfterCopy.map(at).join(", ")} runs after the copy and may change copied files`);
  }
  if (!c.identical) {
    lines.push("  fix: rebuild without the cache (no-cache: true, or bust it), and give each build call its own gha cache scope");
  }
  lines.push(`layers:  ${report.layersRead} read, ${report.layersSkipped} below the path's last change not fetched; ${report.bytesRead} bytes`);
  return `${lines.join("\n")}\n`;
}

/** Workflow commands: an error per differing or missing file, on the source file; a notice with the result. */
export function verifyGithub(image: VerifiedImage, report: VerifyReport): string {
  const c = report.comparison;
  const file = (source: string) => (image.source === "." ? source : `${image.source.replace(/\/$/, "")}/${source}`);
  const command = (level: string, props: [string, string][], message: string) =>
    `::${level} ${props.map(([k, v]) => `${k}=${escapeProperty(v)}`).join(",")}::${escapeData(message)}\n`;
  let out = "";
  for (const d of c.differences) {
    out += command("error", [["file", file(d.source)], ["title", "tagguard verify"]], `${join(report.path, d.path)} in ${image.image} differs from ${d.source}: ${d.detail} (layer ${d.layer})`);
  }
  for (const m of c.missing) {
    out += command("error", [["file", file(m.source)], ["title", "tagguard verify"]], `${join(report.path, m.path)} is missing from ${image.image}`);
  }
  out += command(c.identical ? "notice" : "error", [["title", "tagguard verify"]], `${image.image} ${report.path}: ${headline(report)}`);
  return out;
}

function headline(report: VerifyReport): string {
  const c = report.comparison;
  if (c.identical) return `identical: ${c.compared} file${c.compared === 1 ? " matches" : "s match"} the source`;
  const parts = [
    ...(c.differences.length > 0 ? [`${c.differences.length} file${c.differences.length === 1 ? "" : "s"} differ${c.differences.length === 1 ? "s" : ""}`] : []),
    ...(c.missing.length > 0 ? [`${c.missing.length} missing`] : []),
  ];
  return `differs from the source: ${parts.join(", ")} (${c.compared} compared)`;
}

function join(root: string, path: string): string {
  return root === "/" ? `/${path}` : `${root}/${path}`;
}
