import { runLint } from "../../src/cli/lint.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tagguard lint` in-process; `tty` makes stdout a terminal of that width. */
export function lint(argv: string[], options: { env?: Record<string, string>; tty?: number } = {}): CliRun {
  let stdout = "";
  let stderr = "";
  const code = runLint(argv, {
    stdout: { write: (s: string) => (stdout += s), ...(options.tty ? { isTTY: true, columns: options.tty } : {}) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}
