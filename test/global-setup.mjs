// One embedded PostgreSQL for the whole Jest run (real server binaries, on 127.0.0.1), with a migrated template
// database; tests create their databases from it (test/support/database.ts). Uses the built code (npm test builds
// lib/ before Jest runs).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../lib/app/runtime/embedded-postgres.js";
import { Store } from "../lib/app/runtime/store.js";

export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), "tagguard-test-pg-"));
  const server = await startEmbeddedPostgres({ dataDir });
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query("create database tagguard_template");
  await admin.end();
  const template = new URL(server.connectionString);
  template.pathname = "/tagguard_template";
  const store = await Store.connect(template.toString());
  await store.close();
  process.env.TAGGUARD_TEST_DATABASE_URL = server.connectionString;
  globalThis.__tagguardTestDatabase = { server, dataDir };
}
