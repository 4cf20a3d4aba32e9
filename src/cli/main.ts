import { readFileSync } from "node:fs";
import { runInspect } from "./inspect.js";
import type { CliIo } from "./io.js";
import { runLint } from "./lint.js";
import { runVerify } from "./verify.js";

const USAGE = `usage: tagguard <command> [options]

commands:
  lint [--format text|json] [PATH...]                     lint workflows for Docker build hazards
  inspect REF [--format text|json] [--plain-http]         classify a pushed image or an OCI layout
  verify IMAGE --path /app [--source DIR]                 prove an image's files are the source's

Run 'tagguard <command> --help' for details.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "lint":
      return runLint(rest, io);
    case "inspect":
      return runInspect(rest, io);
    case "verify":
      return runVerify(rest, io);
    case "--version":
    case "-v":
      io.stdout.write(`${version()}\n`);
      return 0;
    case "--help":
    case "-h":
    case "help":
      io.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      io.stderr.write(`${command ? `tagguard: unknown command '${command}'\n` : ""}${USAGE}\n`);
      return 2;
  }
}
