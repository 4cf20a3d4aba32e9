import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { request } from "node:http";
import { FakeGitHub } from "./fake-github.js";
import { ProbotProcess } from "./probot-process.js";

/**
 * Limits before work, against the built App (`probot run`): a body over GitHub's 25 MB cap is refused with 413
 * before it is buffered, and a wrongly signed body is refused before it is parsed; neither body is logged.
 */

const fake = new FakeGitHub({});
const SECRET = "e2e-limits-secret";
let server: ProbotProcess;

/** POSTs `chunks` chunks of `chunk` to the webhook path, chunked (no content-length), and resolves with the status. */
function postChunked(chunk: Buffer, chunks: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/api/github/webhooks",
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "huge-1", "x-hub-signature-256": "sha256=00" },
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    let sent = 0;
    const write = (): void => {
      while (sent < chunks) {
        sent += 1;
        if (!req.write(chunk)) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

async function rssOf(pid: number): Promise<number> {
  const { readFileSync } = await import("node:fs");
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) * 1024;
}

beforeAll(async () => {
  server = await ProbotProcess.start({ githubPort: await fake.start(), webhookSecret: SECRET });
});

afterAll(async () => {
  await server?.stop();
  await fake.stop();
});

describe("webhook bodies", () => {
  it("refuses a body declared over 25 MB with 413 at once, and logs nothing of it", async () => {
    const body = `{"pad":"${"x".repeat(25 * 1024 * 1024)}"}`;
    const res = await server.deliver("pull_request", body, { id: "big-1", signature: "sha256=00" });

    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: `PayloadTooLarge: the body has ${Buffer.byteLength(body)} bytes; at most 26214400 are accepted` });
    expect(server.output).not.toContain("xxxxxxxx");
  });

  it("refuses four chunked 100 MB bodies with 413 once 25 MB arrived, without buffering them", async () => {
    const before = await rssOf(server.pid);
    const chunk = Buffer.alloc(1024 * 1024, 0x78);
    const answers = await Promise.all([1, 2, 3, 4].map(() => postChunked(chunk, 100)));

    expect(answers.map((a) => a.status)).toEqual([413, 413, 413, 413]);
    expect(JSON.parse(answers[0]!.body)).toEqual({ error: "PayloadTooLarge: the body has more than 26214400 bytes" });
    // Buffered whole, the four bodies alone would take 400 MB; kept are at most the 25 MB each before the refusal.
    expect((await rssOf(server.pid)) - before).toBeLessThan(300 * 1024 * 1024);
    expect(server.output).not.toContain("xxxxxxxx");
    expect((await server.get("/ping")).status).toBe(200);
    // 400 MB through the loopback: about 2 s on an idle machine, but runs that share the machine with other work
    // (git fetches, other test files) have taken 40 s and more. Work is asserted, not time.
  }, 240_000);

  it("refuses a wrongly signed body with 400 before parsing it, and logs nothing of it", async () => {
    const res = await server.deliver("pull_request", '{"secret-looking":"unsigned-payload-marker"}', { id: "unsigned-1", signature: `sha256=${"0".repeat(64)}` });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "SignatureMismatch: the signature does not match the body and the webhook secret" });
    await server.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("POST /api/github/webhooks 400"));
    expect(server.output).not.toContain("unsigned-payload-marker");
    expect(fake.calls).toEqual([]);
  });
});
