import { afterAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialProblem, resolvePrivateKey } from "../../src/app/github/credentials.js";
import { apiBaseUrl, checkStartup, planStartup, withDotenv } from "../../src/app/startup.js";

/** A PKCS#1 key, the shape GitHub's .pem downloads have. */
const pem = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
}).privateKey;
const oneLine = pem.trimEnd().replaceAll("\n", "\\n");
/** An empty working directory of the tests' own: a `.pem` file elsewhere in the temporary directory is no key of theirs. */
const cwd = mkdtempSync(join(tmpdir(), "tagguard-startup-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const production = { NODE_ENV: "production", APP_ID: "123", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret" };

describe("private key shapes", () => {
  const keyOf = (value: string) => {
    const r = resolvePrivateKey({ PRIVATE_KEY: value }, cwd);
    return r.ok ? r.pem.trim() : r.problem;
  };

  it.each([
    ["PEM with newlines", pem],
    ["one line with literal \\n", oneLine],
    ["one line in double quotes (the setup flow's .env line, kept by docker --env-file)", `"${oneLine}"`],
    ["one line in single quotes", `'${oneLine}'`],
    ["base64 of the PEM", Buffer.from(pem).toString("base64")],
    ["base64 wrapped at 76 columns", Buffer.from(pem).toString("base64").replace(/.{76}/g, "$&\n")],
    ["surrounded by blank space", `\n  ${pem}\n`],
  ])("%s", (_name, value) => {
    expect(keyOf(value)).toBe(pem.trim());
  });

  it("does not take a .pem file it finds in the working directory when neither variable names a key", () => {
    const dir = mkdtempSync(join(tmpdir(), "tagguard-stray-"));
    try {
      writeFileSync(join(dir, "other-app.pem"), pem);
      expect(resolvePrivateKey({}, dir)).toEqual({ ok: false, problem: "no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH" });
      expect(resolvePrivateKey({ PRIVATE_KEY: "  ", PRIVATE_KEY_PATH: "" }, dir)).toEqual({ ok: false, problem: "no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads PRIVATE_KEY_PATH relative to the working directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "tagguard-key-"));
    try {
      writeFileSync(join(dir, "app.pem"), pem);
      expect(resolvePrivateKey({ PRIVATE_KEY_PATH: "app.pem" }, dir)).toEqual({ ok: true, pem });
      expect(resolvePrivateKey({ PRIVATE_KEY_PATH: "missing.pem" }, dir)).toEqual({
        ok: false,
        problem: 'PRIVATE_KEY_PATH is not usable: Private key does not exists at path: "missing.pem". Please check to ensure that "env.PRIVATE_KEY_PATH" is correct.',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names what is wrong with a value that is no key", () => {
    expect(keyOf("not a key")).toBe("PRIVATE_KEY is neither a PEM private key (with newlines or literal \\n, quoted or not) nor base64 of one");
    const broken = pem.replace(/\n[A-Za-z0-9+/]{20}/, "\n");
    expect(keyOf(broken)).toMatch(/^PRIVATE_KEY is not a valid PEM private key \(.+\); use the \.pem file GitHub generated for the App$/);
  });
});

describe("start-up refusals", () => {
  it.each([
    [{ ...production, WEBHOOK_SECRET: "" }, "WEBHOOK_SECRET is empty; with NODE_ENV=production set it to the App's webhook secret"],
    [{ ...production, WEBHOOK_SECRET: undefined }, "WEBHOOK_SECRET is empty; with NODE_ENV=production set it to the App's webhook secret"],
    [
      { ...production, WEBHOOK_SECRET: "development" },
      'WEBHOOK_SECRET is "development", Probot\'s public default; with NODE_ENV=production set it to the App\'s webhook secret',
    ],
    [{ ...production, APP_ID: "" }, "APP_ID is not set; NODE_ENV=production needs the App's credentials (the setup flow runs only in development)"],
    [{ ...production, APP_ID: "Iv1.0123456789abcdef" }, 'APP_ID "Iv1.0123456789abcdef" is not a numeric App ID; copy the App ID (not the client ID) from the App\'s settings page'],
    [{ ...production, PRIVATE_KEY: "" }, "no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH"],
    [
      { NODE_ENV: "production" },
      "WEBHOOK_SECRET is empty; with NODE_ENV=production set it to the App's webhook secret. Also: APP_ID is not set; NODE_ENV=production needs the App's credentials (the setup flow runs only in development). Also: no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH",
    ],
    [{ APP_ID: "123", PRIVATE_KEY: "x" }, "PRIVATE_KEY is neither a PEM private key (with newlines or literal \\n, quoted or not) nor base64 of one"],
  ])("%j", (env, problem) => {
    expect(planStartup(env, cwd)).toEqual({ kind: "refuse", problem });
  });

  it("runs Probot's setup flow in development without credentials, whatever the secret", () => {
    expect(planStartup({ WEBHOOK_SECRET: "" }, cwd)).toEqual({ kind: "setup", env: { WEBHOOK_SECRET: "" } });
  });

  it("serves with the key as PEM, for Probot to read", () => {
    const plan = planStartup({ ...production, PRIVATE_KEY: `"${oneLine}"`, GHE_HOST: "ghe.example.com" }, cwd);
    expect(plan).toEqual({
      kind: "serve",
      env: { ...production, PRIVATE_KEY: pem.trimEnd(), GHE_HOST: "ghe.example.com" },
      appId: 123,
      privateKey: pem.trimEnd(),
      baseUrl: "https://ghe.example.com/api/v3",
    });
  });

  it("gives .env precedence over the environment, as Probot 14 does", () => {
    expect(withDotenv({ PORT: "3000", HOST: "0.0.0.0" }, "PORT=3005\n# HOST=localhost\n")).toEqual({ PORT: "3005", HOST: "0.0.0.0" });
    expect(withDotenv({ PORT: "3000" }, undefined)).toEqual({ PORT: "3000" });
  });

  it("refuses with one line, after applying .env over the environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tagguard-env-"));
    try {
      writeFileSync(join(dir, ".env"), "WEBHOOK_SECRET=development\n");
      const env: Record<string, string | undefined> = { ...production };
      const lines: string[] = [];
      const refuse = (line: string): never => {
        lines.push(line);
        throw new Error("refused");
      };
      await expect(checkStartup({ env, cwd: dir, refuse })).rejects.toThrow("refused");
      expect(lines).toEqual([
        'tagguard: cannot start: WEBHOOK_SECRET is "development", Probot\'s public default; with NODE_ENV=production set it to the App\'s webhook secret',
      ]);
      expect(env.WEBHOOK_SECRET).toBe("development");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("derives the API base Probot uses", () => {
    expect(apiBaseUrl({})).toBe("https://api.github.com");
    expect(apiBaseUrl({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" })).toBe("http://127.0.0.1:8080/api/v3");
  });
});

describe("credential problems", () => {
  const api = "https://api.github.com";
  it.each([
    [401, "A JSON web token could not be decoded", 'PRIVATE_KEY is not a key of App 123 (GitHub answered 401 "A JSON web token could not be decoded"); generate a key on that App\'s settings page, or correct APP_ID'],
    [404, "Integration not found", 'APP_ID 123 is not a GitHub App on https://api.github.com (GitHub answered 404 "Integration not found"); copy the App ID from the App\'s settings page'],
    [
      401,
      "'Expiration time' claim ('exp') is too far in the future",
      "GitHub refused the App's token because this machine's clock is wrong (GitHub answered 401 \"'Expiration time' claim ('exp') is too far in the future\"); synchronise the clock",
    ],
    [503, "Service Unavailable", 'GitHub refused the App\'s credentials for App 123 (GitHub answered 503 "Service Unavailable")'],
    [undefined, "fetch failed: connect ECONNREFUSED 127.0.0.1:1", "cannot reach GitHub at https://api.github.com to check the App's credentials: fetch failed: connect ECONNREFUSED 127.0.0.1:1"],
  ])("%s %s", (status, message, line) => {
    expect(credentialProblem(123, status, message, api)).toBe(line);
  });
});
