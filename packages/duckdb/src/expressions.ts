/**
 * The building blocks recipes take: aggregations for group and pivot, window functions, sort keys
 * and prepare's operations. Each is plain data (so a recipe's definition can be hashed and shown)
 * that becomes SQL once the input's columns are known and checked.
 */
import type { DatasetColumn } from "sluice";
import { missingColumn } from "./errors.js";
import { ident, valueLiteral } from "./sql-text.js";

type Scalar = string | number | boolean | null;

export interface Aggregation {
  readonly agg:
    "sum" | "avg" | "min" | "max" | "count" | "countDistinct" | "median" | "stddev" | "sql";
  readonly column?: string;
  /** For agg "sql": the aggregate expression as written. */
  readonly sql?: string;
}

export const sum = (column: string): Aggregation => ({ agg: "sum", column });
export const avg = (column: string): Aggregation => ({ agg: "avg", column });
export const mean = avg;
export const min = (column: string): Aggregation => ({ agg: "min", column });
export const max = (column: string): Aggregation => ({ agg: "max", column });
/** count() counts rows; count("col") counts its non-null values. */
export const count = (column?: string): Aggregation => ({
  agg: "count",
  ...(column ? { column } : {}),
});
export const countDistinct = (column: string): Aggregation => ({ agg: "countDistinct", column });
export const median = (column: string): Aggregation => ({ agg: "median", column });
export const stddev = (column: string): Aggregation => ({ agg: "stddev", column });
/** Any DuckDB aggregate expression, e.g. aggregate("sum(amount * quantity)"). */
export const aggregate = (sql: string): Aggregation => ({ agg: "sql", sql });

export function aggregationSql(a: Aggregation): string {
  const column = a.column === undefined ? undefined : ident(a.column);
  switch (a.agg) {
    case "count":
      return column ? `count(${column})` : "count(*)";
    case "countDistinct":
      return `count(DISTINCT ${column})`;
    case "sql":
      return a.sql!;
    default:
      return `${a.agg}(${column})`;
  }
}

export interface WindowFunction {
  readonly fn:
    | "rank"
    | "denseRank"
    | "rowNumber"
    | "lag"
    | "lead"
    | "runningSum"
    | "runningCount"
    | "runningAvg";
  readonly column?: string;
  readonly offset?: number;
  readonly default?: Scalar;
}

export const rank = (): WindowFunction => ({ fn: "rank" });
export const denseRank = (): WindowFunction => ({ fn: "denseRank" });
export const rowNumber = (): WindowFunction => ({ fn: "rowNumber" });
/** The column's value `offset` rows before, in the window's order. */
export const lag = (column: string, offset = 1, fallback?: Scalar): WindowFunction => ({
  fn: "lag",
  column,
  offset,
  ...(fallback === undefined ? {} : { default: fallback }),
});
export const lead = (column: string, offset = 1, fallback?: Scalar): WindowFunction => ({
  fn: "lead",
  column,
  offset,
  ...(fallback === undefined ? {} : { default: fallback }),
});
/** The sum of the column from the window's first row to this one. */
export const runningSum = (column: string): WindowFunction => ({ fn: "runningSum", column });
export const runningAvg = (column: string): WindowFunction => ({ fn: "runningAvg", column });
export const runningCount = (): WindowFunction => ({ fn: "runningCount" });

const RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";

export function windowSql(f: WindowFunction, over: string): string {
  const column = f.column === undefined ? "" : ident(f.column);
  switch (f.fn) {
    case "rank":
      return `rank() OVER (${over})`;
    case "denseRank":
      return `dense_rank() OVER (${over})`;
    case "rowNumber":
      return `row_number() OVER (${over})`;
    case "lag":
    case "lead":
      return `${f.fn}(${column}, ${f.offset ?? 1}${f.default === undefined ? "" : `, ${valueLiteral(f.default)}`}) OVER (${over})`;
    case "runningSum":
      return `sum(${column}) OVER (${over} ${RUNNING})`;
    case "runningAvg":
      return `avg(${column}) OVER (${over} ${RUNNING})`;
    case "runningCount":
      return `count(*) OVER (${over} ${RUNNING})`;
  }
}

/** A sort key: a column name, or a column with its direction. */
export type SortKey = string | { readonly column: string; readonly descending?: boolean };

export function sortSql(keys: readonly SortKey[]): string {
  return keys
    .map((key) =>
      typeof key === "string"
        ? `${ident(key)} ASC NULLS LAST`
        : `${ident(key.column)} ${key.descending ? "DESC NULLS LAST" : "ASC NULLS LAST"}`,
    )
    .join(", ");
}

export function sortColumns(keys: readonly SortKey[]): string[] {
  return keys.map((key) => (typeof key === "string" ? key : key.column));
}

/** Refuses a reference to a column `columns` lacks, naming where it was looked for. */
export function requireColumns(
  recipe: string,
  names: readonly string[],
  columns: readonly DatasetColumn[],
  where: string,
): void {
  for (const name of names)
    if (!columns.some((column) => column.name === name))
      throw missingColumn(recipe, name, where, columns);
}

/** prepare()'s operations, applied in order. */
export type PrepareOp =
  | { readonly op: "rename"; readonly columns: Readonly<Record<string, string>> }
  | { readonly op: "cast"; readonly columns: Readonly<Record<string, string>> }
  | { readonly op: "fillNull"; readonly columns: Readonly<Record<string, Scalar>> }
  | { readonly op: "filter"; readonly condition: string }
  | { readonly op: "derive"; readonly column: string; readonly expression: string }
  | { readonly op: "dropColumns"; readonly columns: readonly string[] }
  | { readonly op: "dedupe"; readonly columns?: readonly string[] };

/** Renames columns: rename({ old_name: "new_name" }). */
export const rename = (columns: Record<string, string>): PrepareOp => ({ op: "rename", columns });
/** Casts columns to DuckDB types: cast({ amount: "DOUBLE", day: "DATE" }). */
export const cast = (columns: Record<string, string>): PrepareOp => ({ op: "cast", columns });
/** Replaces nulls: fillNull({ city: "unknown", amount: 0 }). */
export const fillNull = (columns: Record<string, Scalar>): PrepareOp => ({
  op: "fillNull",
  columns,
});
/** Keeps the rows meeting a SQL condition: filter("amount > 0"). */
export const filter = (condition: string): PrepareOp => ({ op: "filter", condition });
/** Adds (or replaces) a column computed by a SQL expression: derive("total", "price * quantity"). */
export const derive = (column: string, expression: string): PrepareOp => ({
  op: "derive",
  column,
  expression,
});
export const dropColumns = (...columns: string[]): PrepareOp => ({ op: "dropColumns", columns });
/** Keeps one row per distinct value of these columns (all columns when none are named). */
export const dedupe = (...columns: string[]): PrepareOp => ({
  op: "dedupe",
  ...(columns.length ? { columns } : {}),
});

/**
 * The SQL of prepare's operations over `source`, each one a SELECT over the one before. Column names
 * are tracked through the operations, so a reference to a column an earlier step renamed or dropped
 * is refused before anything runs.
 */
export function prepareSql(
  recipe: string,
  source: string,
  input: readonly DatasetColumn[],
  ops: readonly PrepareOp[],
): string {
  let sql = `SELECT * FROM ${source}`;
  let columns: DatasetColumn[] = [...input];
  ops.forEach((op, index) => {
    const where = `the input of operation ${index + 1} (${op.op})`;
    const from = `(${sql})`;
    switch (op.op) {
      case "rename": {
        requireColumns(recipe, Object.keys(op.columns), columns, where);
        const pairs = Object.entries(op.columns).map(([a, b]) => `${ident(a)} AS ${ident(b)}`);
        sql = `SELECT * RENAME (${pairs.join(", ")}) FROM ${from}`;
        columns = columns.map((c) => ({ ...c, name: op.columns[c.name] ?? c.name }));
        break;
      }
      case "cast": {
        requireColumns(recipe, Object.keys(op.columns), columns, where);
        const casts = Object.entries(op.columns).map(
          ([c, type]) => `CAST(${ident(c)} AS ${type}) AS ${ident(c)}`,
        );
        sql = `SELECT * REPLACE (${casts.join(", ")}) FROM ${from}`;
        columns = columns.map((c) => ({ ...c, type: op.columns[c.name] ?? c.type }));
        break;
      }
      case "fillNull": {
        requireColumns(recipe, Object.keys(op.columns), columns, where);
        const fills = Object.entries(op.columns).map(
          ([c, value]) => `coalesce(${ident(c)}, ${valueLiteral(value)}) AS ${ident(c)}`,
        );
        sql = `SELECT * REPLACE (${fills.join(", ")}) FROM ${from}`;
        break;
      }
      case "filter":
        sql = `SELECT * FROM ${from} WHERE ${op.condition}`;
        break;
      case "derive":
        sql = columns.some((c) => c.name === op.column)
          ? `SELECT * REPLACE ((${op.expression}) AS ${ident(op.column)}) FROM ${from}`
          : `SELECT *, (${op.expression}) AS ${ident(op.column)} FROM ${from}`;
        if (!columns.some((c) => c.name === op.column))
          columns.push({ name: op.column, type: "?" });
        break;
      case "dropColumns":
        requireColumns(recipe, op.columns, columns, where);
        sql = `SELECT * EXCLUDE (${op.columns.map(ident).join(", ")}) FROM ${from}`;
        columns = columns.filter((c) => !op.columns.includes(c.name));
        break;
      case "dedupe":
        if (op.columns) {
          requireColumns(recipe, op.columns, columns, where);
          sql = `SELECT DISTINCT ON (${op.columns.map(ident).join(", ")}) * FROM ${from}`;
        } else sql = `SELECT DISTINCT * FROM ${from}`;
        break;
    }
  });
  return sql;
}
