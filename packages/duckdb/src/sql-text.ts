/** SQL text pieces: quoting, and the table functions that read files. */
import type { DatasetColumn } from "sluice";
import type { CsvOptions, FileFormat } from "./datasets.js";

/** A SQL identifier, quoted: any column name is safe. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL literal for a JSON-able scalar. */
export function valueLiteral(value: string | number | boolean | null): string {
  if (value === null) return "NULL";
  if (typeof value === "string") return literal(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (!Number.isFinite(value)) throw new Error(`${value} has no SQL literal`);
  return String(value);
}

/** A DuckDB struct literal of column types: {'id': 'BIGINT', ...}. */
function columnsStruct(columns: readonly DatasetColumn[]): string {
  return `{${columns.map((column) => `${literal(column.name)}: ${literal(column.type)}`).join(", ")}}`;
}

/**
 * The table function reading `paths`. With `columns` the files are read with exactly those names
 * and types (no sniffing), so every value is checked against them; without, DuckDB infers them.
 */
export function readFiles(
  format: FileFormat,
  paths: readonly string[],
  columns?: readonly DatasetColumn[],
  csv: CsvOptions = {},
): string {
  const list = `[${paths.map(literal).join(", ")}]`;
  if (format === "parquet") return `read_parquet(${list}, union_by_name = true)`;
  if (format === "json")
    return `read_json(${list}, format = 'newline_delimited'${columns ? `, columns = ${columnsStruct(columns)}` : ""})`;
  const options = [
    `delim = ${literal(csv.delimiter ?? ",")}`,
    `header = ${csv.header === false ? "false" : "true"}`,
    `nullstr = ${literal(csv.nullString ?? "")}`,
    "quote = '\"'",
    "escape = '\"'",
    // A quoted empty field ("") is an empty string; only an unquoted one is missing (as PostgreSQL reads CSV).
    "allow_quoted_nulls = false",
  ];
  if (columns) options.push(`columns = ${columnsStruct(columns)}`, "auto_detect = false");
  return `read_csv(${list}, ${options.join(", ")})`;
}

/** "schema.table" or "table", as [schema, table]. */
export function splitName(table: string): [string | undefined, string] {
  const dot = table.indexOf(".");
  return dot < 0 ? [undefined, table] : [table.slice(0, dot), table.slice(dot + 1)];
}

export function quoted(table: string): string {
  const [schema, name] = splitName(table);
  return schema === undefined ? ident(name) : `${ident(schema)}.${ident(name)}`;
}
