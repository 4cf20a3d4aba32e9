// (e) verify: `resolveImageLayers` + `verifyImage` (what `tagguard verify` and the App run) over a generated image of
// many files, served from a fake registry on 127.0.0.1, against the time to only download and gunzip its layers in
// the same run — the physical limit. Two image sizes show whether memory stays flat in the image size.

import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import tar from "tar-stream";
import { FakeRegistry, MediaTypes } from "./fake-registry.js";
import { median, ROOT, round, runMeasured, target } from "./support.js";

const NAME = "acme/big";
const LAYERS = 5;
const MiB = 1024 * 1024;
const gzipAsync = promisify(gzip);

/** mulberry32: a small seeded PRNG, so every run builds the same image. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Source-like text (compresses about 3× with gzip), 4 MiB, from which the files take slices. */
function textPool(random) {
  const words = Array.from({ length: 4096 }, () => Array.from({ length: 2 + Math.floor(random() * 9) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(""));
  const parts = [];
  let size = 0;
  while (size < 4 * MiB) {
    const line = `${"  ".repeat(Math.floor(random() * 4))}${Array.from({ length: 3 + Math.floor(random() * 8) }, () => words[Math.floor(random() * words.length)]).join(" ")}\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(""));
}

const gitBlob = (content) => createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");

/**
 * An image of `totalMiB` uncompressed: LAYERS gzip layers, four with files under /app (4–60 KiB each, the context),
 * one with files elsewhere (a base). Returns the context list (`{path, kind, executable, blob}`).
 */
async function buildImage(registry, totalMiB, seed) {
  const random = prng(seed);
  const pool = textPool(random);
  const perLayer = Math.floor((totalMiB * MiB) / LAYERS);
  const context = [];
  const layers = [];
  let files = 0;
  for (let l = 0; l < LAYERS; l++) {
    const pack = tar.pack();
    const chunks = [];
    const collected = (async () => {
      for await (const chunk of pack) chunks.push(chunk);
    })();
    let written = 0;
    while (written < perLayer) {
      const size = 4096 + Math.floor(random() * 56 * 1024);
      const offset = Math.floor(random() * (pool.length - size));
      const content = Buffer.concat([Buffer.from(`// file ${files}\n`), pool.subarray(offset, offset + size)]);
      const path = l === 0 ? `usr/lib/base/${files}.so` : `src/m${l}/d${files % 97}/f${files}.js`;
      pack.entry({ name: l === 0 ? path : `app/${path}`, mode: 0o644, mtime: new Date(0) }, content);
      if (l > 0) context.push({ path, kind: "file", executable: false, blob: gitBlob(content) });
      written += content.length;
      files += 1;
    }
    pack.finalize();
    await collected;
    const bytes = await gzipAsync(Buffer.concat(chunks));
    layers.push({ mediaType: MediaTypes.layer, ...registry.putBlob(bytes) });
  }
  const config = registry.putBlob({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} });
  registry.putManifest(NAME, { schemaVersion: 2, mediaType: MediaTypes.manifest, config: { mediaType: MediaTypes.config, ...config }, layers }, [`${totalMiB}`]);
  return { context, files, compressedBytes: layers.reduce((n, l) => n + l.size, 0) };
}

export async function verifyBench({ quick }) {
  const sizes = quick ? [50, 100] : [100, 500];
  const reps = quick ? 1 : 3;
  const registry = await new FakeRegistry(0).start();
  const dir = mkdtempSync(join(tmpdir(), "tagguard-bench-verify-"));
  const rows = [];
  const measured = {};
  try {
    for (const totalMiB of sizes) {
      const image = await buildImage(registry, totalMiB, 20240501 + totalMiB);
      const contextFile = join(dir, `context-${totalMiB}.json`);
      writeFileSync(contextFile, JSON.stringify(image.context));
      const runs = { baseline: [], verify: [] };
      for (let i = 0; i < reps; i++) {
        for (const mode of ["baseline", "verify"]) {
          const args = [join(ROOT, "bench", "verify-child.js"), mode, registry.host, NAME, `${totalMiB}`, ...(mode === "verify" ? [contextFile] : [])];
          const run = await runMeasured(process.execPath, args, { timeoutMs: 600_000 });
          if (run.code !== 0) throw new Error(`${mode} exited with ${run.code}: ${run.stderr.slice(0, 2000)}`);
          const out = JSON.parse(run.stdout);
          if (mode === "verify" && (!out.identical || out.compared !== image.context.length)) throw new Error(`verify did not prove the image identical: ${run.stdout}`);
          runs[mode].push({ wallMs: run.wallMs, cpuMs: run.cpuMs, peakRssMiB: run.peakRssMiB });
        }
      }
      const med = (mode, key) => median(runs[mode].map((r) => r[key]));
      const ratio = med("verify", "wallMs") / med("baseline", "wallMs");
      measured[totalMiB] = { ratio, baselineMs: med("baseline", "wallMs"), verifyMs: med("verify", "wallMs"), baselineCpuMs: med("baseline", "cpuMs"), verifyCpuMs: med("verify", "cpuMs"), verifyRssMiB: med("verify", "peakRssMiB"), baselineRssMiB: med("baseline", "peakRssMiB"), files: image.files, compressedMiB: image.compressedBytes / MiB };
      rows.push([
        `${totalMiB} MiB, ${image.files} files, ${round(image.compressedBytes / MiB, 0)} MiB gzip`,
        round(med("baseline", "wallMs") / 1000, 2),
        round(med("verify", "wallMs") / 1000, 2),
        round(ratio, 2),
        `${round(med("baseline", "peakRssMiB"), 0)} / ${round(med("verify", "peakRssMiB"), 0)}`,
        `${round((med("baseline", "cpuMs") ?? NaN) / 1000, 2)} / ${round((med("verify", "cpuMs") ?? NaN) / 1000, 2)}`,
      ]);
    }
  } finally {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const [small, large] = sizes.map((s) => measured[s]);
  return {
    title: "(e) verify an image's files against the source, vs download + gunzip only",
    columns: ["image", "download + gunzip (s)", "verify (s)", "ratio", "peak RSS MiB (baseline / verify)", "CPU s (baseline / verify)"],
    rows,
    notes: [
      `Median of ${reps} run${reps === 1 ? "" : "s"} each, alternating, each a fresh child process; the registry serves from memory on 127.0.0.1.`,
      "verify = manifest + config, every layer streamed once (sha256 checked, gunzip, tar parsed, each file under /app hashed as a git blob), compared with the context's blob list.",
    ],
    targets: [
      target(`verify ≤ 1.3 × download + gunzip (${sizes[1]} MiB)`, round(large.ratio, 2), 1.3, "<="),
      // flat: the layers are streamed, so only the file list (about 1 KiB per file) grows with the image
      target(`peak RSS ${sizes[0]} → ${sizes[1]} MiB image (${round(sizes[1] / sizes[0], 0)}× the bytes and files)`, round(large.verifyRssMiB / small.verifyRssMiB, 2), 1.5, "<="),
    ],
    measured,
  };
}
