/**
 * A recipe's SQL made into its output: run by DuckDB straight into a Parquet file (no rows pass
 * through JavaScript), checked, and read back as the bytes sluice stores. The columns recorded are
 * those the Parquet file gives back, which is what every consumer reads.
 */
import { readFile } from "node:fs/promises";
import { parquetDataset, type DatasetColumn, type ParquetDataset } from "sluice";
import type { Session } from "./database.js";
import { runChecks, type Check } from "./checks.js";
import { describe } from "./inputs.js";
import { explain } from "./errors.js";
import { ident, literal } from "./sql-text.js";

/**
 * The query with 128-bit integers (what sum() of integers gives) narrowed to BIGINT, which Parquet
 * stores as an integer (it would store them as DOUBLE). Too large a sum fails the step rather than
 * losing digits.
 */
export async function storable(session: Session, recipe: string, query: string): Promise<string> {
  const columns = await describe(session, query, recipe);
  const wide = columns.filter((c) => c.type === "HUGEINT" || c.type === "UHUGEINT");
  if (wide.length === 0) return query;
  const replaced = wide.map((c) => `CAST(${ident(c.name)} AS BIGINT) AS ${ident(c.name)}`);
  return `SELECT * REPLACE (${replaced.join(", ")}) FROM (${query})`;
}

/** Writes the query's rows to a Parquet file in the scratch folder; its path, rows and columns. */
export async function writeParquet(
  session: Session,
  recipe: string,
  query: string,
  checks: readonly Check[] = [],
): Promise<{ path: string; rows: number; columns: DatasetColumn[] }> {
  const path = session.scratchFile("output.parquet");
  let source = `(${await storable(session, recipe, query)})`;
  try {
    if (checks.length > 0) {
      await session.db.run(`CREATE TEMP TABLE __sluice_output AS ${source.slice(1, -1)}`);
      source = "__sluice_output";
      await runChecks(session, recipe, source, checks);
    }
    const written = await session.db.run(
      `COPY (SELECT * FROM ${source}) TO ${literal(path)} (FORMAT parquet)`,
    );
    const columns = await describe(session, `SELECT * FROM read_parquet(${literal(path)})`, recipe);
    return { path, rows: Number(written.rowsChanged), columns };
  } catch (error) {
    throw explain(error, recipe);
  }
}

/** The query's rows as a stored Parquet dataset. */
export async function materialize(
  session: Session,
  recipe: string,
  query: string,
  checks: readonly Check[] = [],
): Promise<ParquetDataset> {
  const { path, rows, columns } = await writeParquet(session, recipe, query, checks);
  return parquetDataset(await readFile(path), { rows, columns });
}
