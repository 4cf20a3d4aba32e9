import { describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";

/** Runs the built CLI (`npm test` builds lib/ first) with its stdout piped into a reader that closed at once. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["lib/cli/bin.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("tagguard lint | head", () => {
  it("ends quietly with the run's status when the reader has gone", async () => {
    expect(await runIntoClosedPipe(["lint", "test/fixtures/cli/context"])).toEqual({ code: 1, signal: null, stderr: "" });
    expect(await runIntoClosedPipe(["lint", "--format", "json", "test/fixtures/cli/configured"])).toEqual({ code: 0, signal: null, stderr: "" });
  });
});
