// The PostgreSQL the tests use: SLUICE_TEST_PG (set by .ci/run from scripts/test-postgres.sh). Without it,
// outside CI, tests that need it are skipped with one line saying how to enable them; in CI its absence
// is an error. Each store under test gets a schema of its own, dropped when it closes.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_URL = process.env.SLUICE_TEST_PG;
if (!PG_URL && process.env.CI)
  throw new Error("SLUICE_TEST_PG is not set: .ci/run sets it (scripts/test-postgres.sh).");
if (!PG_URL)
  process.stderr.write(
    "PostgreSQL tests skipped: export SLUICE_TEST_PG=$(sudo bash scripts/test-postgres.sh) to run them\n",
  );

/** A fresh schema name for one store under test. */
export function freshSchema(): string {
  return `sluice_test_${randomBytes(6).toString("hex")}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
