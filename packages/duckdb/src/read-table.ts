/**
 * readTable: a dataset read from a PostgreSQL or SQLite table (or a query's rows), stored as Parquet.
 * A database table changes without sluice knowing, so the step always reads it again (it is never
 * served from the cache); its output is content-addressed, so consumers run again only when the rows
 * did change. Its columns are known before the run, from the database, like a file's.
 */
import { SluiceError, step, type ParquetDataset, type Step } from "sluice";
import { connectionUrl, shownConnection, withDatabase, type Connection } from "./connection.js";
import { withSession } from "./database.js";
import { materialize } from "./materialize.js";
import { callerFolder } from "./own-code.js";
import type { TableSource } from "./sql-database.js";
import { ident } from "./sql-text.js";

export interface ReadTableOptions {
  /** "postgres://..." or "sqlite:path"; a function to read it from the environment. The password is never shown. */
  connection: Connection;
  /** "table" or "schema.table" (or give `query`). */
  table?: string;
  /** A SELECT whose rows are the dataset (or give `table`). */
  query?: string;
  /** Columns to order the rows by, so the same rows give the same bytes (and consumers stay complete). */
  orderBy?: readonly string[];
  description?: string;
}

export function readTable<const Name extends string>(
  name: Name,
  options: ReadTableOptions,
): Step<ParquetDataset, {}, Name> {
  const folder = callerFolder();
  const what = `readTable "${name}"`;
  if ((options.table === undefined) === (options.query === undefined))
    throw new SluiceError("invalid-pipeline", `${what}: give either table or query.`, {
      step: name,
    });
  const source: TableSource =
    options.table !== undefined ? { table: options.table } : { query: options.query! };
  const url = () => connectionUrl(what, name, options.connection);
  return step(name, {
    cache: false,
    version: JSON.stringify({
      readTable: 1,
      ...source,
      orderBy: options.orderBy ?? [],
      connection: shownConnection(options.connection),
    }),
    ...(options.description ? { description: options.description } : {}),
    deriveColumns: () => withDatabase(what, name, url(), folder, (db) => db.describe(source)),
    run: () =>
      withSession((session) =>
        withDatabase(what, name, url(), folder, async (db) => {
          const relation = await db.export(source, session);
          const order = options.orderBy?.length
            ? ` ORDER BY ${options.orderBy.map(ident).join(", ")}`
            : "";
          return materialize(session, name, `SELECT * FROM ${relation}${order}`);
        }),
      ),
  }) as unknown as Step<ParquetDataset, {}, Name>;
}
