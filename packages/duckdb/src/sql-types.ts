/**
 * Column types between DuckDB and the SQL databases a dataset is synced to: the type a new table's
 * column gets, and whether an existing column can take a dataset column's values.
 */

export type Dialect = "postgres" | "sqlite";

/** A type family: what two databases' types agree on. */
type Family =
  | "int"
  | "float"
  | "numeric"
  | "text"
  | "bool"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "time"
  | "bytes"
  | "json"
  | "uuid";

/** The family of a DuckDB type. */
export function duckFamily(type: string): Family {
  const t = type.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT|UHUGEINT)$/.test(
      t,
    )
  )
    return "int";
  if (t === "DOUBLE" || t === "FLOAT") return "float";
  if (t.startsWith("DECIMAL")) return "numeric";
  if (t === "BOOLEAN") return "bool";
  if (t === "DATE") return "date";
  if (t === "TIMESTAMP WITH TIME ZONE") return "timestamptz";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  if (t.startsWith("TIME")) return "time";
  if (t === "BLOB") return "bytes";
  if (t === "JSON") return "json";
  if (t === "UUID") return "uuid";
  return "text";
}

/** The column type a new table gets for a DuckDB column. */
export function sqlTypeFor(dialect: Dialect, duckType: string): string {
  const family = duckFamily(duckType);
  if (dialect === "sqlite")
    return (
      { int: "INTEGER", float: "REAL", numeric: "NUMERIC", bool: "INTEGER", bytes: "BLOB" }[
        family as string
      ] ?? "TEXT"
    );
  const t = duckType.toUpperCase();
  switch (family) {
    case "int":
      return t === "TINYINT" || t === "SMALLINT" || t === "UTINYINT"
        ? "smallint"
        : t === "INTEGER" || t === "USMALLINT"
          ? "integer"
          : t === "BIGINT" || t === "UINTEGER"
            ? "bigint"
            : "numeric";
    case "float":
      return t === "FLOAT" ? "real" : "double precision";
    case "numeric":
      return t.replace("DECIMAL", "numeric");
    case "bool":
      return "boolean";
    case "timestamptz":
      return "timestamptz";
    case "bytes":
      return "bytea";
    case "json":
      return "jsonb";
    case "date":
    case "timestamp":
    case "time":
    case "uuid":
      return family;
    default:
      return "text";
  }
}

/** The family of a column type as the database reports it (information_schema data_type, or SQLite's declared type). */
export function tableFamily(dialect: Dialect, type: string): Family {
  const t = type.toLowerCase();
  if (dialect === "sqlite") {
    // SQLite's affinity rules (https://www.sqlite.org/datatype3.html, 3.1).
    if (t.includes("int")) return "int";
    if (/char|clob|text/.test(t)) return "text";
    if (t === "" || t.includes("blob")) return "bytes";
    if (/real|floa|doub/.test(t)) return "float";
    return "numeric";
  }
  if (/^(smallint|integer|bigint)$/.test(t)) return "int";
  if (t === "double precision" || t === "real") return "float";
  if (t === "numeric") return "numeric";
  if (t === "boolean") return "bool";
  if (t === "date") return "date";
  if (t === "timestamp with time zone") return "timestamptz";
  if (t.startsWith("timestamp")) return "timestamp";
  if (t.startsWith("time")) return "time";
  if (t === "bytea") return "bytes";
  if (t === "json" || t === "jsonb") return "json";
  if (t === "uuid") return "uuid";
  return "text";
}

/** Whether a table column of family `table` takes a dataset column's values without loss. */
export function accepts(dialect: Dialect, table: Family, dataset: Family): boolean {
  if (table === dataset) return true;
  if (dialect === "sqlite") {
    // Stored as SQLite has them: booleans as integers, dates and times as text.
    if (table === "int" && dataset === "bool") return true;
    if (
      table === "text" &&
      ["date", "timestamp", "timestamptz", "time", "json", "uuid"].includes(dataset)
    )
      return true;
    if (table === "numeric" && ["int", "float", "bool"].includes(dataset)) return true;
  }
  if (table === "float" && dataset === "int") return true;
  if (table === "numeric" && (dataset === "int" || dataset === "float")) return true;
  if (table === "text") return dataset !== "bytes";
  if (table === "timestamptz" && dataset === "timestamp") return true;
  return false;
}
