import type { ImageIo } from "../../src/cli/image-source.js";

/** Runs a CLI command in process with captured output; resolves to its exit code and what it wrote. */
export async function capture(
  command: (argv: string[], io: ImageIo) => Promise<number>,
  argv: string[],
  io: Partial<Pick<ImageIo, "env" | "fetch">> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await command(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: io.env ?? {},
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
  });
  return { code, stdout, stderr };
}
