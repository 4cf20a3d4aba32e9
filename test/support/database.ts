import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * A new database on the Jest run's embedded PostgreSQL (test/global-setup.mjs), created from the migrated template:
 * every App under test gets a store of its own. Returns its connection string.
 */
export async function freshDatabase(): Promise<string> {
  const server = process.env.TAGGUARD_TEST_DATABASE_URL;
  if (!server) throw new Error("TAGGUARD_TEST_DATABASE_URL is unset: run the tests through Jest (test/global-setup.mjs starts PostgreSQL)");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template tagguard_template`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}
