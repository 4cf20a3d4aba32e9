import type { FetchLike } from "../registry/index.js";

export interface Writable {
  write(chunk: string): unknown;
}

/** What a CLI command may touch: injected so tests can run commands in-process. */
export interface CliIo {
  /** `isTTY` and `columns` as `process.stdout` has them: colour and wrapping follow the terminal. */
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** The registry client's fetch (inspect, verify); tests inject one. */
  fetch?: FetchLike;
}
