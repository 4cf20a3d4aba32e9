export interface Writable {
  write(chunk: string): unknown;
}

/** What a CLI command may touch: injected so tests can run commands in-process. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}
