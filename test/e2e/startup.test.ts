import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/app/runtime/embedded-postgres.js";
import { privateKey } from "../app/harness.js";
import { FakeGitHub, type RecordedRequest, type Reply } from "./fake-github.js";
import { APP, ProbotProcess } from "./probot-process.js";

/**
 * The start-up checks of `node lib/app/index.js` against a fake GitHub whose `GET /app` verifies the
 * App's JWT the way GitHub does: signed with the key of App 123, issued by App 123.
 */

const APP_ID = 123;
const publicKey = createPublicKey(privateKey);
const otherKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
}).privateKey;

function getApp(req: RecordedRequest): Reply {
  const [header, payload, signature] = (req.authorization ?? "").replace(/^bearer /i, "").split(".");
  if (!signature) return { status: 401, body: { message: "A JSON web token could not be decoded" } };
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown };
  if (String(claims.iss) !== String(APP_ID)) return { status: 404, body: { message: "Integration not found" } };
  const signed = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"));
  if (!signed) return { status: 401, body: { message: "A JSON web token could not be decoded" } };
  return { status: 200, body: { id: APP_ID, slug: "tagguard", name: "tagguard" } };
}

const fake = new FakeGitHub({ "GET /api/v3/app": getApp });
let githubPort: number;

beforeAll(async () => {
  githubPort = await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs `node lib/app/index.js` in a fresh directory (with `dotenv` as its .env) until it exits. */
async function runUntilExit(env: Record<string, string>, dotenv?: string): Promise<Exit> {
  const cwd = mkdtempSync(join(tmpdir(), "tagguard-startup-"));
  if (dotenv !== undefined) writeFileSync(join(cwd, ".env"), dotenv);
  try {
    const child = spawn(process.execPath, [APP], {
      cwd,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        APP_ID: String(APP_ID),
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: "startup-secret",
        PORT: "0",
        HOST: "127.0.0.1",
        GHE_HOST: `127.0.0.1:${githubPort}`,
        GHE_PROTOCOL: "http",
        LOG_FORMAT: "json",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(timer);
    return { code, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const appRequests = () => fake.requests.filter((r) => r.url === "/api/v3/app").length;

describe("node lib/app/index.js refuses to start", () => {
  it("with NODE_ENV=production and an empty webhook secret, before asking GitHub anything", async () => {
    const before = appRequests();
    expect(await runUntilExit({ WEBHOOK_SECRET: "" })).toEqual({
      code: 1,
      stderr: "tagguard: cannot start: WEBHOOK_SECRET is empty; with NODE_ENV=production set it to the App's webhook secret\n",
    });
    expect(appRequests()).toBe(before);
  });

  it("with the secret `development` from .env, which wins over the environment", async () => {
    expect(await runUntilExit({}, "WEBHOOK_SECRET=development\n")).toEqual({
      code: 1,
      stderr:
        'tagguard: cannot start: WEBHOOK_SECRET is "development", Probot\'s public default; with NODE_ENV=production set it to the App\'s webhook secret\n',
    });
  });

  it("with a private key of another App, saying it is the key", async () => {
    expect(await runUntilExit({ PRIVATE_KEY: otherKey })).toEqual({
      code: 1,
      stderr:
        'tagguard: cannot start: PRIVATE_KEY is not a key of App 123 (GitHub answered 401 "A JSON web token could not be decoded"); generate a key on that App\'s settings page, or correct APP_ID\n',
    });
  });

  it("with the id of no App, saying it is the id", async () => {
    expect(await runUntilExit({ APP_ID: "999" })).toEqual({
      code: 1,
      stderr: `tagguard: cannot start: APP_ID 999 is not a GitHub App on http://127.0.0.1:${githubPort}/api/v3 (GitHub answered 404 "Integration not found"); copy the App ID from the App's settings page\n`,
    });
  });

  it("when GitHub cannot be reached", async () => {
    const { code, stderr } = await runUntilExit({ GHE_HOST: "127.0.0.1:1" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^tagguard: cannot start: cannot reach GitHub at http:\/\/127\.0\.0\.1:1\/api\/v3 to check the App's credentials: .+\n$/);
  });
});

describe("node lib/app/index.js starts", () => {
  it.each([
    ["a quoted one-line key with literal \\n (the setup flow's .env line, as docker --env-file passes it)", `"${privateKey.trimEnd().replaceAll("\n", "\\n")}"`],
    ["a base64 key", Buffer.from(privateKey).toString("base64")],
  ])("with %s, after GitHub accepted the App's token", async (_name, key) => {
    const before = appRequests();
    const server = await ProbotProcess.start({ githubPort, webhookSecret: "startup-secret", checked: true, env: { PRIVATE_KEY: key } });
    try {
      expect(appRequests()).toBe(before + 1);
      const res = await server.deliver("ping", JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 }));
      expect(res.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe("node lib/app/index.js without credentials, in development", () => {
  it("serves Probot's setup flow, whose manifest keeps the webhook URL the flow derives", async () => {
    const port = await freePort();
    // The setup flow reads app.yml and package.json from the working directory (and a .env there would win).
    const cwd = mkdtempSync(join(tmpdir(), "tagguard-setup-"));
    for (const file of ["app.yml", "package.json"]) copyFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), join(cwd, file));
    const child = spawn(process.execPath, [APP], {
      cwd,
      env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", NO_SMEE_SETUP: "true", LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "ignore"],
    });
    try {
      let page = "";
      for (let i = 0; i < 100 && page === ""; i++) {
        page = await fetch(`http://127.0.0.1:${port}/probot`).then(
          (r) => r.text(),
          () => new Promise<string>((resolve) => setTimeout(() => resolve(""), 100)),
        );
      }
      const value = /id="manifest" value='([^']*)'/.exec(page)?.[1];
      const manifest = JSON.parse(value ?? "null") as Record<string, unknown>;
      expect(manifest).toMatchObject({
        name: "tagguard",
        url: "https://github.com/tagguard/tagguard",
        hook_attributes: { url: `http://127.0.0.1:${port}/` },
        redirect_url: `http://127.0.0.1:${port}/probot/setup`,
        public: false,
        default_events: ["pull_request", "check_run", "check_suite", "registry_package"],
      });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
