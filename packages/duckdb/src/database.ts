/**
 * The process's DuckDB: one in-memory instance, created on first use, and one connection per recipe
 * run (temporary views are the connection's own, so recipes running at once do not see each
 * other's inputs). Files DuckDB reads and writes for a run live in a temporary folder removed after.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

let instance: Promise<DuckDBInstance> | undefined;

async function database(): Promise<DuckDBInstance> {
  instance ??= import("@duckdb/node-api").then(({ DuckDBInstance }) =>
    // Only the extensions built into the binary (parquet, json): nothing is downloaded.
    DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false" }),
  );
  return instance;
}

/** A connection and a scratch folder for one piece of work; both are closed and removed after it. */
export interface Session {
  readonly db: DuckDBConnection;
  /** A fresh path in the scratch folder, for a file DuckDB writes. */
  scratchFile(name: string): string;
}

export async function withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
  const db = await (await database()).connect();
  const folder = await mkdtemp(join(tmpdir(), "sluice-duckdb-"));
  let files = 0;
  try {
    return await work({ db, scratchFile: (name) => join(folder, `${files++}-${name}`) });
  } finally {
    db.closeSync();
    await rm(folder, { recursive: true, force: true });
  }
}
