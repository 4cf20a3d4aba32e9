// Shared helpers for the benchmarks: statistics, tables, measured child processes, machine facts.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Nearest-rank percentile (p in 0..100) of numbers; undefined for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function median(values) {
  return percentile(values, 50);
}

export function round(n, digits = 1) {
  if (n === undefined || n === null || Number.isNaN(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A Markdown table padded to fixed widths, under a `###` title when one is given. */
export function formatTable(title, columns, rows) {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? "–" : String(c))));
  const widths = columns.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [...(title ? [`### ${title}`, ""] : []), line(columns), rule, ...cells.map(line)].join("\n");
}

/** A target check for the results: `met` is undefined when the value could not be measured. */
export function target(name, value, limit, comparison, unit = "") {
  const met = value === undefined || value === null ? undefined : comparison === "<=" ? value <= limit : comparison === "<" ? value < limit : value >= limit;
  return { name, value, target: `${comparison} ${limit}${unit}`, met };
}

export function formatTargets(targets) {
  return targets.map((t) => `- ${t.met === undefined ? "NOT MEASURED" : t.met ? "MET   " : "MISSED"} ${t.name}: ${t.value ?? "–"} (target ${t.target})`).join("\n");
}

export function machineInfo() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((l) => round(l, 2)),
  };
}

const GNU_TIME = "/usr/bin/time";
const TIME_MARK = "TAGGUARD_BENCH_TIME";

/** Peak RSS (VmHWM) and CPU time of a running process from /proc, or undefined once it is gone. */
export function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = 100;
    return { hwmKiB: kib("VmHWM"), rssKiB: kib("VmRSS"), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticks };
  } catch {
    return undefined;
  }
}

/**
 * Runs a command to completion and measures it: wall time from spawn to exit, peak RSS and CPU time (through
 * GNU time when installed, else by polling /proc). Kills the process group after `timeoutMs`.
 */
export function runMeasured(command, args, { cwd = ROOT, env = process.env, timeoutMs = 600_000, input } = {}) {
  const viaTime = existsSync(GNU_TIME);
  const [cmd, argv] = viaTime ? [GNU_TIME, ["-f", `${TIME_MARK} %e %U %S %M`, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const out = [];
    const err = [];
    let peakKiB = 0;
    let cpuSeconds;
    let timedOut = false;
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.stdin.end(input ?? "");
    const poll = viaTime
      ? undefined
      : setInterval(() => {
          const s = procStats(child.pid);
          if (s) {
            peakKiB = Math.max(peakKiB, s.hwmKiB);
            cpuSeconds = s.cpuSeconds;
          }
        }, 10);
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(e);
    });
    child.on("close", (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      let stderr = Buffer.concat(err).toString("utf8");
      if (viaTime) {
        const lines = stderr.trimEnd().split("\n");
        const mark = lines.findLastIndex((l) => l.startsWith(TIME_MARK));
        if (mark >= 0) {
          const [, , user, sys, maxKiB] = lines[mark].split(" ");
          cpuSeconds = Number(user) + Number(sys);
          peakKiB = Number(maxKiB);
          lines.splice(mark, 1);
          stderr = lines.join("\n");
        }
      }
      resolve({
        code,
        signal,
        timedOut,
        wallMs,
        cpuMs: cpuSeconds === undefined ? undefined : cpuSeconds * 1000,
        peakRssMiB: peakKiB > 0 ? peakKiB / 1024 : undefined,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: stderr.replace(/^Command (exited with non-zero status \d+|terminated by signal \d+)\n?/m, ""),
      });
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}
