/**
 * A SQL database a dataset is synced to or read from: a table's columns, one transaction that
 * writes rows, and an export of a table or query's rows for DuckDB to read.
 */
import type { DatasetColumn } from "sluice";
import type { Session } from "./database.js";
import type { SyncPlan } from "./sync-plan.js";
import type { Dialect } from "./sql-types.js";

/** What to read: a whole table ("table" or "schema.table"), or a query's rows. */
export type TableSource = { readonly table: string } | { readonly query: string };

export interface SqlDatabase {
  readonly dialect: Dialect;
  /** The table's columns with their types as the database reports them, or undefined when it does not exist. */
  columns(table: string): Promise<Array<{ name: string; type: string }> | undefined>;
  /** Carries out the plan with the rows of `source` (a view in the session), in one transaction. */
  write(
    plan: SyncPlan,
    session: Session,
    source: string,
  ): Promise<{ written: number; before: number; after: number }>;
  /** The source's columns in DuckDB types, without reading its rows. */
  describe(source: TableSource): Promise<DatasetColumn[]>;
  /** The source's rows exported to a file in the session: the DuckDB relation that reads them. */
  export(source: TableSource, session: Session): Promise<string>;
  close(): Promise<void> | void;
}
