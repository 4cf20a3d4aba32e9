// Child process of the verify benchmark (bench/verify.js), so each run is measured alone (wall time, CPU, peak RSS):
//   node bench/verify-child.js baseline HOST NAME TAG          download and gunzip every layer, nothing else
//   node bench/verify-child.js verify HOST NAME TAG CONTEXT    tagguard's verification against a context file list
// Prints one JSON line.

import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { RegistryClient, resolveImageLayers } from "../lib/registry/index.js";
import { configuredMapping, verifyImage } from "../lib/verify/index.js";

const [mode, host, name, tag, contextFile] = process.argv.slice(2);
const client = new RegistryClient({ baseUrl: `http://${host}` });
const started = performance.now();
const image = await resolveImageLayers(client, { name, reference: tag });
if (mode === "baseline") {
  let bytes = 0;
  for (const layer of image.layers) {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    });
    // the same 128 KiB output chunks as verify's gunzip, so the baseline is the fastest plain read
    await pipeline(await client.openBlob(name, layer), createGunzip({ chunkSize: 128 * 1024 }), sink);
  }
  process.stdout.write(`${JSON.stringify({ uncompressedBytes: bytes, ms: performance.now() - started })}\n`);
} else {
  const context = JSON.parse(readFileSync(contextFile, "utf8"));
  const report = await verifyImage({
    layers: image.layers,
    open: (layer) => client.openBlob(name, layer),
    path: "/app",
    context,
    mapping: configuredMapping([{ from: ".", to: "/app" }]),
  });
  const c = report.comparison;
  process.stdout.write(
    `${JSON.stringify({ identical: c.identical, compared: c.compared, differences: c.differences.length, missing: c.missing.length, onlyInImage: c.onlyInImage.count, bytesRead: report.bytesRead, ms: performance.now() - started })}\n`,
  );
}
