// (e) Scale: growth of the CLI's time with the repository, a ten-level fan-out of composite actions, and every
// hostile input of issue 11, each as its own `tagguard lint` process with its wall time and peak RSS.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writeCorpus } from "./corpus.js";
import { compositeTree, HOSTILE } from "./hostile.js";
import { ROOT, round, runMeasured, target } from "./support.js";

const CLI = join(ROOT, "lib", "cli", "bin.js");

function writeFiles(dir, files) {
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
}

async function lint(dir, timeoutMs) {
  const r = await runMeasured(process.execPath, [CLI, "lint", "--format", "json", dir], { timeoutMs });
  if (!r.timedOut && r.code !== 0 && r.code !== 1) throw new Error(`tagguard lint ${dir} exited with ${r.code}: ${r.stderr.slice(0, 2000)}`);
  const findings = r.timedOut ? [] : JSON.parse(r.stdout).findings;
  const limit = findings.find((f) => f.rule === "analysis-limit");
  return { ...r, findings: findings.length, limit: limit ? `${limit.file}:${limit.line}` : undefined };
}

export async function scale({ quick, seed, files: count }) {
  const base = join(tmpdir(), `tagguard-bench-scale-${process.pid}`);
  const timeoutMs = quick ? 60_000 : 120_000;
  const rows = [];
  const data = {};
  const measure = async (name, files, dir) => {
    const r = await lint(dir, timeoutMs);
    rows.push([name, files, r.timedOut ? "timed out" : round(r.wallMs / 1000, 2), r.cpuMs === undefined ? undefined : round(r.cpuMs / 1000, 2), round(r.peakRssMiB, 0), r.findings, r.limit ?? "–"]);
    data[name] = { files, wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssMiB: r.peakRssMiB, findings: r.findings, limit: r.limit, timedOut: r.timedOut };
    return r;
  };
  try {
    const n = quick ? 100 : count;
    writeCorpus(join(base, "corpus-1x"), seed, n);
    writeCorpus(join(base, "corpus-2x"), seed, 2 * n);
    const one = await measure(`generated repository, ${n} files`, n, join(base, "corpus-1x"));
    const two = await measure(`generated repository, ${2 * n} files`, 2 * n, join(base, "corpus-2x"));
    const tree = compositeTree(100, 10);
    writeFiles(join(base, "tree"), tree);
    const fanout = await measure("100 composite actions, ten-level fan-out", tree.length, join(base, "tree"));
    const hostile = [];
    for (const [name, make] of Object.entries(HOSTILE)) {
      const files = make();
      const dir = join(base, `hostile-${hostile.length}`);
      writeFiles(dir, files);
      hostile.push(await measure(name, files.length, dir));
    }
    const growth = one.wallMs && two.wallMs ? two.wallMs / one.wallMs : undefined;
    const slowest = Math.max(...hostile.map((r) => (r.timedOut ? Infinity : r.wallMs)));
    const largest = Math.max(...hostile.map((r) => r.peakRssMiB ?? 0));
    return {
      title: "(e) Scale — growth, fan-out and hostile inputs (each one `tagguard lint --format json` process)",
      columns: ["input", "files", "wall s", "CPU s", "peak RSS MiB", "findings", "analysis-limit at"],
      rows,
      notes: [`${2 * n} files / ${n} files wall time: ${growth === undefined ? "–" : `${round(growth, 2)}×`}`],
      targets: [
        target(`${2 * n} files / ${n} files wall time`, round(growth, 2), 2.2, "<=", "×"),
        target("100 composite actions in a ten-level fan-out, wall s", round(fanout.wallMs / 1000, 2), 2, "<", " s"),
        target("slowest hostile input, wall s", round(slowest / 1000, 2), 5, "<", " s"),
        target("largest hostile input, peak RSS MiB", round(largest, 0), 300, "<", " MiB"),
      ],
      data,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
