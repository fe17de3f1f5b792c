/**
 * Column types as DuckDB names them. The catalog records a dataset's types in the words of whatever
 * stored it: DuckDB's for recipes and files, Arrow's for records and Arrow tables made by TypeScript
 * steps ("Int64", "Utf8"), JavaScript's for records kept as JSON ("integer | null"). A recipe derives
 * its columns from any of them, so they are translated first.
 */
import type { DatasetColumn } from "sluice";

const ARROW: Record<string, string> = {
  Int8: "TINYINT",
  Int16: "SMALLINT",
  Int32: "INTEGER",
  Int64: "BIGINT",
  Uint8: "UTINYINT",
  Uint16: "USMALLINT",
  Uint32: "UINTEGER",
  Uint64: "UBIGINT",
  Float16: "FLOAT",
  Float32: "FLOAT",
  Float64: "DOUBLE",
  Utf8: "VARCHAR",
  LargeUtf8: "VARCHAR",
  Bool: "BOOLEAN",
  Binary: "BLOB",
  integer: "BIGINT",
  float: "DOUBLE",
  string: "VARCHAR",
  boolean: "BOOLEAN",
  null: "VARCHAR",
};

/** A type in DuckDB's words (types already in them are kept). */
export function duckType(type: string): string {
  const known = ARROW[type];
  if (known) return known;
  if (type.includes(" | ")) {
    const parts = type.split(" | ").filter((part) => part !== "null");
    return parts.length === 1 ? duckType(parts[0]!) : "VARCHAR";
  }
  if (/^Date/.test(type)) return "DATE";
  if (/^Timestamp/.test(type)) return "TIMESTAMP";
  return type;
}

export function duckColumns(columns: readonly DatasetColumn[]): DatasetColumn[] {
  return columns.map((column) => ({ name: column.name, type: duckType(column.type) }));
}
