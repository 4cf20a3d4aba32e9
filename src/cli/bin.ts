#!/usr/bin/env node
import { main } from "./main.js";

// A reader that goes away (`tagguard lint | head -1`) ends the run quietly, with the status computed so far.
let readerGone = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (readerGone) return;
    if (err.code !== "EPIPE") throw err;
    readerGone = true;
    setImmediate(() => process.exit(process.exitCode ?? 0));
  });
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tagguard: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
