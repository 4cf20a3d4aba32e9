/**
 * `npm run corpus [DIR]`: lints every repository under DIR (default `../shared/corpus/realworld/cases`) the way
 * `tagguard lint --format json` does, and scores the findings against the judged verdicts in the corpus's
 * `expect.json` (one entry per repository: `must` and `mustNot` lists of `{ rule, file }`). A development tool for
 * measuring precision on real repositories, not a `tagguard` command; the test suite runs the same checks.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIo } from "./io.js";
import { runLint } from "./lint.js";

export interface Expectation {
  rule: string;
  file: string;
  note?: string;
}

export interface CaseExpectations {
  must: Expectation[];
  mustNot: Expectation[];
}

/**
 * A verdict of the corpus this project disputes, with the evidence: the `mustNot` it names is reported on
 * purpose, and must be reported exactly as the dispute says (its confidence, and a message that names the
 * reason), so the dispute is itself checked.
 */
export interface Dispute {
  case: string;
  rule: string;
  file: string;
  confidence: string;
  /** Text every disputed finding's message contains. */
  message: string;
  evidence: string;
}

/** A finding as `--format json` writes it, with what the corpus scoring reads. */
export interface CorpusFinding {
  rule: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  message: string;
}

export interface CaseResult {
  name: string;
  exitCode: number;
  findings: CorpusFinding[];
  /** Checks that do not hold, one sentence each. */
  failures: string[];
}

const sameTarget = (f: { rule: string; file: string }, e: Expectation) => f.rule === e.rule && f.file === e.file;

/** Lints one repository in process, as `tagguard lint --format json DIR`. */
export function lintCase(dir: string): { exitCode: number; findings: CorpusFinding[] } {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
  const exitCode = runLint(["--format", "json", dir], io);
  if (exitCode === 2) throw new Error(`tagguard lint ${dir} failed: ${stderr.trim()}`);
  return { exitCode, findings: (JSON.parse(stdout) as { findings: CorpusFinding[] }).findings };
}

/**
 * The checks of one case: every `must` is reported, no `mustNot` is, and a repository without a `must` of an
 * error-severity rule gets no error-severity finding at all.
 */
export function checkCase(findings: readonly CorpusFinding[], expect: CaseExpectations, disputes: readonly Dispute[] = []): string[] {
  const failures: string[] = [];
  const disputed = (f: CorpusFinding) => disputes.some((d) => sameTarget(f, d));
  for (const d of disputes) {
    const hits = findings.filter((f) => sameTarget(f, d));
    if (hits.length === 0) failures.push(`disputed ${d.rule} in ${d.file} is no longer reported: drop the dispute`);
    for (const f of hits) {
      if (f.confidence !== d.confidence || !f.message.includes(d.message)) failures.push(`disputed ${d.rule} at ${f.file}:${f.line} is not reported as the dispute says`);
    }
  }
  for (const m of expect.must) {
    if (!findings.some((f) => sameTarget(f, m))) failures.push(`missing ${m.rule} in ${m.file}`);
  }
  for (const m of expect.mustNot) {
    const n = findings.filter((f) => sameTarget(f, m) && !disputed(f)).length;
    if (n) failures.push(`${n} forbidden ${m.rule} in ${m.file}`);
  }
  // An error is explained only by a must that is itself reported as an error.
  const errorMust = expect.must.some((m) => findings.some((f) => sameTarget(f, m) && f.severity === "error"));
  if (!errorMust) {
    for (const f of findings.filter((x) => x.severity === "error" && !disputed(x))) failures.push(`unexpected error ${f.rule} at ${f.file}:${f.line}`);
  }
  return failures;
}

/** The cases under `dir` (one folder per repository) with their expectations; a case missing from expect.json has none. */
export function loadCorpus(dir: string): { name: string; path: string; expect: CaseExpectations }[] {
  const expectFile = join(dir, "..", "expect.json");
  const all = existsSync(expectFile) ? (JSON.parse(readFileSync(expectFile, "utf8")) as Record<string, CaseExpectations>) : {};
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => ({ name, path: join(dir, name), expect: all[name] ?? { must: [], mustNot: [] } }));
}

/** The disputed verdicts (`test/fixtures/corpus-disputes.json`), for the corpus they were made for. */
export function loadDisputes(file = new URL("../../test/fixtures/corpus-disputes.json", import.meta.url)): Dispute[] {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Dispute[]) : [];
}

export function runCorpus(dir: string, disputes: readonly Dispute[] = []): CaseResult[] {
  return loadCorpus(dir).map(({ name, path, expect }) => {
    const { exitCode, findings } = lintCase(path);
    return { name, exitCode, findings, failures: checkCase(findings, expect, disputes.filter((d) => d.case === name)) };
  });
}

/** The report `npm run corpus` prints: per rule, where its findings fall; then the repositories that exit 1. */
export function corpusReport(dir: string, results: CaseResult[], disputes: readonly Dispute[] = []): string {
  const cases = new Map(loadCorpus(dir).map((c) => [c.name, c.expect]));
  const rows = new Map<string, { findings: number; must: number; mustNot: number; disputed: number; neither: number }>();
  for (const r of results) {
    const expect = cases.get(r.name) ?? { must: [], mustNot: [] };
    for (const f of r.findings) {
      const row = rows.get(f.rule) ?? { findings: 0, must: 0, mustNot: 0, disputed: 0, neither: 0 };
      rows.set(f.rule, row);
      row.findings++;
      if (expect.must.some((m) => sameTarget(f, m))) row.must++;
      else if (disputes.some((d) => d.case === r.name && sameTarget(f, d))) row.disputed++;
      else if (expect.mustNot.some((m) => sameTarget(f, m))) row.mustNot++;
      else row.neither++;
    }
  }
  const width = Math.max(4, ...[...rows.keys()].map((k) => k.length));
  const line = (cells: (string | number)[]) => `${String(cells[0]).padEnd(width)}  ${cells.slice(1).map((c) => String(c).padStart(8)).join("  ")}`;
  const out = [`${results.length} repositories under ${dir}`, "", line(["rule", "findings", "must", "mustNot", "disputed", "neither"])];
  for (const [rule, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) out.push(line([rule, r.findings, r.must, r.mustNot, r.disputed, r.neither]));
  const failing = results.filter((r) => r.exitCode === 1);
  out.push("", `exit 1: ${failing.length ? failing.map((r) => r.name).join(", ") : "none"}`);
  const broken = results.filter((r) => r.failures.length);
  out.push(`checks failing: ${broken.length ? "" : "none"}`);
  for (const d of disputes) out.push(`disputed verdict: ${d.case} ${d.rule} ${d.file}: ${d.evidence}`);
  for (const r of broken) for (const f of r.failures) out.push(`  ${r.name}: ${f}`);
  return `${out.join("\n")}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? "../shared/corpus/realworld/cases");
  const disputes = dir === resolve("../shared/corpus/realworld/cases") ? loadDisputes() : [];
  const results = runCorpus(dir, disputes);
  process.stdout.write(corpusReport(dir, results, disputes));
  process.exitCode = results.some((r) => r.failures.length) ? 1 : 0;
}
