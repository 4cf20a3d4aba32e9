// (c) Registry inspect round trips: `inspect` (the library the CLI and the App use) against a fake registry on
// 127.0.0.1 that waits 100 ms before every response, for a 4-platform image with 4 attestation manifests.

import { join } from "node:path";
import { FakeRegistry } from "./fake-registry.js";
import { median, ROOT, round, runMeasured, target } from "./support.js";

const LATENCY_MS = 100;
const NAME = "acme/app";
const TAG = "1.2.3";
const PLATFORMS = ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/ppc64le"];

/** Request timings of one inspection: round trips before/after the token, concurrency, wall time. */
function analyse(requests, wallMs) {
  const token = requests.find((r) => r.path.startsWith("/token"));
  const after = token ? requests.filter((r) => r.start >= token.end) : requests;
  return {
    requests: requests.length,
    afterToken: after.length,
    roundTrips: FakeRegistry.sequentialRoundTrips(requests),
    roundTripsAfterToken: FakeRegistry.sequentialRoundTrips(after),
    maxConcurrency: FakeRegistry.maxConcurrency(requests),
    wallMs,
  };
}

export async function registryInspect({ quick }) {
  const { RegistryClient, inspect } = await import("../lib/registry/index.js");
  const registry = await new FakeRegistry(LATENCY_MS).start();
  try {
    const root = registry.putMultiPlatformImage(NAME, TAG, PLATFORMS);
    const reps = quick ? 3 : 10;
    const cold = [];
    const warm = [];
    let verdict;
    for (let i = 0; i < reps; i++) {
      const client = new RegistryClient({ baseUrl: `http://${registry.host}` });
      for (const list of [cold, warm]) {
        registry.requests.length = 0;
        const t = performance.now();
        const result = await inspect(client, { name: NAME, reference: TAG }, { budgetMs: 10_000 });
        list.push(analyse([...registry.requests], performance.now() - t));
        verdict = `${result.verdict}, ${result.platforms.length} platforms, ${result.attestations} attestations`;
      }
    }
    registry.requests.length = 0;
    const cli = await runMeasured(process.execPath, [join(ROOT, "lib", "cli", "bin.js"), "inspect", `${registry.host}/${NAME}:${TAG}`, "--plain-http", "--format", "json"], { timeoutMs: 30_000 });
    if (cli.code !== 0) throw new Error(`tagguard inspect exited with ${cli.code}: ${cli.stderr.slice(0, 1000)}`);
    const cliRun = analyse([...registry.requests], cli.wallMs);

    const med = (list, key) => median(list.map((r) => r[key]));
    const row = (name, list, n) => [
      name,
      n,
      med(list, "requests"),
      med(list, "roundTrips"),
      med(list, "roundTripsAfterToken"),
      med(list, "maxConcurrency"),
      round(med(list, "wallMs"), 0),
      round(Math.max(...list.map((r) => r.wallMs)), 0),
    ];
    return {
      title: `(c) Registry inspect — fake registry on 127.0.0.1, +${LATENCY_MS} ms per response, OCI index of ${PLATFORMS.length} platforms + ${PLATFORMS.length} attestations`,
      columns: ["run", "reps", "requests", "sequential round trips", "after token", "max in flight", "wall ms (median)", "wall ms (max)"],
      rows: [
        row("inspect(), new client (401 → token → manifests)", cold, cold.length),
        row("inspect(), same client again (token cached)", warm, warm.length),
        row("tagguard inspect --plain-http (CLI process)", [cliRun], 1),
      ],
      notes: [
        `Verdict: ${verdict} (root ${root.digest.slice(0, 19)}…). Attestation manifests are recognised from the index and not fetched.`,
        "Round trips are the longest chain of requests each sent after the previous one was answered, from the registry's request log.",
      ],
      targets: [
        target("platform manifests fetched concurrently (max requests in flight)", med(cold, "maxConcurrency"), PLATFORMS.length, ">="),
        target("sequential round trips after the token", med(cold, "roundTripsAfterToken"), 3, "<="),
        target("inspect wall time with a new client, ms (median)", round(med(cold, "wallMs"), 0), 500, "<"),
      ],
      data: { latencyMs: LATENCY_MS, platforms: PLATFORMS, cold, warm, cli: { ...cliRun, cpuMs: cli.cpuMs, peakRssMiB: cli.peakRssMiB } },
    };
  } finally {
    await registry.stop();
  }
}
