/** A database a dataset is synced to: its table's columns, and one transaction that writes the rows. */
import type { Session } from "./database.js";
import type { SyncPlan } from "./sync-plan.js";
import type { Dialect } from "./sql-types.js";

export interface SyncTarget {
  readonly dialect: Dialect;
  /** The table's columns with their types as the database reports them, or undefined when it does not exist. */
  columns(table: string): Promise<Array<{ name: string; type: string }> | undefined>;
  /** Carries out the plan with the rows of `source` (a view in the session), in one transaction. */
  write(
    plan: SyncPlan,
    session: Session,
    source: string,
  ): Promise<{ written: number; before: number; after: number }>;
  close(): Promise<void> | void;
}
