import { closest } from "./args.js";
import type { CliIo } from "./io.js";
import { LINT_USAGE, runLint, toolVersion } from "./lint.js";

// inspect and verify bring the registry client and the image verifier: they are loaded for their own commands
// (and the help), so `tagguard lint` starts without them.
const inspectCommand = () => import("./inspect.js");
const verifyCommand = () => import("./verify.js");

const COMMANDS = ["lint", "inspect", "verify", "help"];

async function usage(): Promise<string> {
  // One after the other: Jest's ESM loader fails on two dynamic imports in flight that share modules.
  const { INSPECT_USAGE } = await inspectCommand();
  const { VERIFY_USAGE } = await verifyCommand();
  return `usage: tagguard <command> [options]

Commands
  lint      find Docker build hazards in workflows, local actions, bake and Compose files
            ${LINT_USAGE.replace("usage: ", "")}
            formats: text, json, sarif, github; --config FILE, --fix, --baseline FILE
  inspect   classify what a registry tag or an OCI layout holds: image or BuildKit cache
            ${INSPECT_USAGE.replace("usage: ", "")}
  verify    prove the files an image holds under a path are its build context's
            ${VERIFY_USAGE.replace("usage: ", "")}
  help [COMMAND]  this help, or a command's

Options
  -V, --version   print the version
  -h, --help      this help

Run 'tagguard <command> --help' for a command's options and exit status.
`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "lint":
      return runLint(rest, io);
    case "inspect":
      return (await inspectCommand()).runInspect(rest, io);
    case "verify":
      return (await verifyCommand()).runVerify(rest, io);
    case "--version":
    case "-V":
    case "-v":
      io.stdout.write(`${toolVersion()}\n`);
      return 0;
    case "help":
      if (rest[0] === "lint" || rest[0] === "inspect" || rest[0] === "verify") return main([rest[0], "--help"], io);
      if (rest[0] !== undefined) {
        const best = closest(rest[0], ["lint", "inspect", "verify"]);
        io.stderr.write(`tagguard help: no command ${JSON.stringify(rest[0])}${best ? ` (did you mean ${best}?)` : ""}\nRun 'tagguard --help' for the commands.\n`);
        return 2;
      }
      io.stdout.write(await usage());
      return 0;
    case "--help":
    case "-h":
      io.stdout.write(await usage());
      return 0;
    case undefined:
      io.stderr.write(await usage());
      return 2;
    default: {
      const known = command.startsWith("-") ? ["--version", "--help", "-V", "-h"] : COMMANDS;
      const best = closest(command, known);
      const what = command.startsWith("-") ? "option" : "command";
      io.stderr.write(`tagguard: unknown ${what} ${JSON.stringify(command)}${best ? ` (did you mean ${best}?)` : ""}\nRun 'tagguard --help' for the commands.\n`);
      return 2;
    }
  }
}
