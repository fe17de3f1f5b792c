/**
 * A recipe's inputs as DuckDB views named after them: files read in place, Parquet datasets (written
 * to the session's scratch folder), and records or Arrow tables made by TypeScript steps (loaded
 * through JSON lines with the columns' types), so recipes and code steps mix in one pipeline.
 */
import { writeFile } from "node:fs/promises";
import { SluiceError, isParquetDataset } from "sluice";
import type { DatasetColumn } from "sluice";
import { arrowToRecords, isArrowTable } from "sluice/internal";
import type { Session } from "./database.js";
import { isFilesDataset } from "./datasets.js";
import { explain } from "./errors.js";
import { ident, literal, readFiles } from "./sql-text.js";

/** Makes `value` the view `name` in the session and returns its columns. */
export async function bindInput(
  session: Session,
  recipe: string,
  name: string,
  value: unknown,
): Promise<DatasetColumn[]> {
  const relation = await relationOf(session, recipe, name, value);
  try {
    await session.db.run(`CREATE OR REPLACE TEMP VIEW ${ident(name)} AS SELECT * FROM ${relation}`);
  } catch (error) {
    throw explain(error, recipe, isFilesDataset(value) ? value.columns : []);
  }
  // Files and Parquet datasets carry their columns: no need to ask DuckDB.
  const known = isFilesDataset(value)
    ? value.columns
    : isParquetDataset(value)
      ? value.info?.columns
      : undefined;
  return known ? [...known] : describe(session, `SELECT * FROM ${ident(name)}`, recipe);
}

/** The columns (names and DuckDB types) a query returns, without running it. */
export async function describe(
  session: Session,
  query: string,
  recipe: string,
): Promise<DatasetColumn[]> {
  try {
    const result = await session.db.runAndReadAll(`DESCRIBE ${query}`);
    return result.getRowObjectsJson().map((row) => ({
      name: String(row["column_name"]),
      type: String(row["column_type"]),
    }));
  } catch (error) {
    throw explain(error, recipe);
  }
}

/** An empty view with these columns: what a recipe's SQL is checked against before anything runs. */
export async function bindColumns(
  session: Session,
  recipe: string,
  name: string,
  columns: readonly DatasetColumn[],
): Promise<void> {
  const select = columns.length
    ? columns.map((c) => `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`).join(", ")
    : "1 AS _";
  try {
    await session.db.run(
      `CREATE OR REPLACE TEMP VIEW ${ident(name)} AS SELECT ${select} WHERE false`,
    );
  } catch (error) {
    throw explain(error, recipe);
  }
}

async function relationOf(
  session: Session,
  recipe: string,
  name: string,
  value: unknown,
): Promise<string> {
  if (isFilesDataset(value))
    return readFiles(
      value.format,
      value.files.map((file) => file.path),
      value.format === "parquet" ? undefined : value.columns,
      value.csv,
    );
  if (isParquetDataset(value)) {
    const path = session.scratchFile(`${name}.parquet`);
    await writeFile(path, value.bytes);
    return `read_parquet(${literal(path)})`;
  }
  const records = recordsOf(value);
  if (records) return await recordsRelation(session, name, records);
  throw new SluiceError(
    "step-failed",
    `recipe "${recipe}": input "${name}" is not a dataset (it is ${describeValue(value)}). A recipe reads readDataset(), another recipe, or a step that returns an array of records or an Arrow table.`,
    { step: recipe, retryable: false },
  );
}

type Cell = string | number | boolean | null;

function recordsOf(value: unknown): Array<Record<string, unknown>> | undefined {
  if (
    Array.isArray(value) &&
    value.every((row) => typeof row === "object" && row !== null && !Array.isArray(row))
  )
    return value as Array<Record<string, unknown>>;
  return isArrowTable(value) ? arrowToRecords(value) : undefined;
}

/** Records as a relation: written as JSON lines and read back with each column's type. */
async function recordsRelation(
  session: Session,
  name: string,
  records: Array<Record<string, unknown>>,
): Promise<string> {
  const names = [...new Set(records.flatMap((row) => Object.keys(row)))];
  const columns = names.map((column) => ({ name: column, type: typeOfValues(records, column) }));
  const path = session.scratchFile(`${name}.jsonl`);
  const lines = records.map((row) =>
    JSON.stringify(row, (_key, cell: unknown) =>
      typeof cell === "bigint" ? cell.toString() : cell instanceof Date ? cell.toISOString() : cell,
    ),
  );
  await writeFile(path, lines.join("\n") + "\n");
  if (records.length === 0) return `(SELECT NULL AS _ WHERE false)`;
  return readFiles("json", [path], columns);
}

/** The DuckDB type of a column of records: BIGINT for whole numbers, DOUBLE, BOOLEAN, TIMESTAMP, else VARCHAR. */
function typeOfValues(records: Array<Record<string, unknown>>, column: string): string {
  const kinds = new Set<string>();
  for (const row of records) {
    const cell = row[column] as Cell | bigint | Date | undefined;
    if (cell === null || cell === undefined) continue;
    if (typeof cell === "bigint") kinds.add("int");
    else if (typeof cell === "number") kinds.add(Number.isSafeInteger(cell) ? "int" : "float");
    else if (cell instanceof Date) kinds.add("time");
    else kinds.add(typeof cell);
  }
  if (kinds.size === 1 && kinds.has("int")) return "BIGINT";
  if (kinds.size > 0 && [...kinds].every((kind) => kind === "int" || kind === "float"))
    return "DOUBLE";
  if (kinds.size === 1 && kinds.has("boolean")) return "BOOLEAN";
  if (kinds.size === 1 && kinds.has("time")) return "TIMESTAMP";
  return "VARCHAR";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array that is not of records";
  return `a ${typeof value}`;
}
