// `npm run bench [-- options]`: runs the benchmarks against the built `lib/` (npm runs `npm run build` first), prints
// one table per benchmark and writes every figure of this run to bench/results.json. See bench/README.md.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_COUNT, DEFAULT_SEED } from "./corpus.js";
import { prBudget } from "./pr-budget.js";
import { registryInspect } from "./registry.js";
import { scale } from "./scale.js";
import { serverLoad } from "./server.js";
import { formatTable, formatTargets, machineInfo, ROOT, round } from "./support.js";
import { throughput } from "./throughput.js";
import { verifyBench } from "./verify.js";

const BENCHMARKS = {
  throughput: (o) => throughput(o),
  "pr-budget": (o) => prBudget(o),
  registry: (o) => registryInspect(o),
  server: (o) => serverLoad(o),
  "server-replicas": (o) => serverLoad({ ...o, replicas: 2 }),
  scale: (o) => scale(o),
  verify: (o) => verifyBench(o),
};

const USAGE = `usage: npm run bench -- [--quick] [--only NAME[,NAME…]] [--seed N] [--files N]
                        [--deliveries N] [--in-flight N] [--server-env KEY=VALUE]…

  --quick            smaller corpus (100 files), fewer repetitions, 20 deliveries at once
                     (finishes in under 2 minutes)
  --only             run some of: ${Object.keys(BENCHMARKS).join(", ")}
  --seed N           corpus and delivery-mix seed (default ${DEFAULT_SEED})
  --files N          corpus size for the throughput benchmark (default ${DEFAULT_COUNT}, quick 100)
  --deliveries N     deliveries sent to the server under load (default 500)
  --in-flight N      deliveries in flight at once (default 50)
  --server-env K=V   extra environment for the server under load, e.g. TAGGUARD_CONCURRENCY=8`;

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      seed: { type: "string" },
      files: { type: "string" },
      "server-env": { type: "string", multiple: true },
      deliveries: { type: "string" },
      "in-flight": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : Object.keys(BENCHMARKS);
  const unknown = only.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")}`);
  const quick = values.quick === true;
  const serverEnv = Object.fromEntries(
    (values["server-env"] ?? []).map((kv) => {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`--server-env needs KEY=VALUE, got ${kv}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  return {
    quick,
    only,
    seed: values.seed ? Number(values.seed) : DEFAULT_SEED,
    files: values.files ? Number(values.files) : quick ? 100 : DEFAULT_COUNT,
    serverEnv,
    ...(values.deliveries ? { deliveries: Number(values.deliveries) } : {}),
    ...(values["in-flight"] ? { inFlight: Number(values["in-flight"]) } : {}),
  };
}

async function main() {
  const opts = options(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo();
  process.stdout.write(
    `tagguard benchmarks${opts.quick ? " (quick)" : ""} — ${startedAt.toISOString()}\n` +
      `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryMiB} MiB, Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverage.join(" ")}\n\n`,
  );
  const results = {};
  for (const name of opts.only) {
    const t = performance.now();
    let result;
    try {
      result = await BENCHMARKS[name](opts);
    } catch (err) {
      result = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    const seconds = round((performance.now() - t) / 1000, 1);
    results[name] = { ...result, seconds };
    if (result.error) {
      process.stdout.write(`### ${name}: FAILED after ${seconds} s\n\n${result.error}\n\n`);
      continue;
    }
    process.stdout.write(`${formatTable(result.title, result.columns, result.rows)}\n\n`);
    if (result.extraTable) process.stdout.write(`${formatTable(undefined, result.extraTable.columns, result.extraTable.rows)}\n\n`);
    if (result.notes?.length) process.stdout.write(`${result.notes.join("\n")}\n\n`);
    process.stdout.write(`Targets:\n${formatTargets(result.targets)}\n(${seconds} s)\n\n`);
  }
  const finishedAt = new Date();
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    quick: opts.quick,
    seed: opts.seed,
    machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
    benchmarks: results,
  };
  writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`Wrote bench/results.json (${round((finishedAt - startedAt) / 1000, 1)} s in all).\n`);
  if (Object.values(results).some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exitCode = 2;
});
