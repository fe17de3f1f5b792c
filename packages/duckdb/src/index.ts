/**
 * @sluice/duckdb: dataset recipes on DuckDB. Read CSV, Parquet and JSON-lines files as datasets,
 * transform them with recipes (prepare, group, join, sql, stack, split, sort, window, pivot, sample,
 * top), check them, and sync them to a PostgreSQL or SQLite table. Every output is a Parquet dataset
 * with its schema in the catalog; recipes and TypeScript steps mix in one pipeline.
 * @example
 * import { pipeline } from "sluice";
 * import { readDataset, group, sum, count } from "@sluice/duckdb";
 * const orders = readDataset("orders", { path: "data/orders.csv" });
 * const totals = group("totals", { input: orders, by: ["city"], aggregations: { total: sum("amount"), n: count() } });
 * export default pipeline("sales", { steps: [totals] });
 */
export { readDataset } from "./read-dataset.js";
export type { ReadDatasetOptions } from "./read-dataset.js";
export type { CsvOptions, FileFormat, FilesDataset } from "./datasets.js";
export {
  check,
  group,
  join,
  pivot,
  prepare,
  sample,
  sort,
  split,
  sql,
  stack,
  top,
  window,
} from "./recipes.js";
export type { JoinKeys } from "./recipes.js";
export type { RecipeOptions } from "./recipe.js";
export {
  aggregate,
  avg,
  cast,
  count,
  countDistinct,
  dedupe,
  denseRank,
  derive,
  dropColumns,
  fillNull,
  filter,
  lag,
  lead,
  max,
  mean,
  median,
  min,
  rank,
  rename,
  rowNumber,
  runningAvg,
  runningCount,
  runningSum,
  stddev,
  sum,
} from "./expressions.js";
export type { Aggregation, PrepareOp, SortKey, WindowFunction } from "./expressions.js";
export { acceptedValues, assertRows, notNull, rowCount, unique } from "./checks.js";
export type { Check } from "./checks.js";
export { tableStep, toArrow, toRecords } from "./code-steps.js";
export { syncToTable } from "./sync.js";
export type { SyncOptions, SyncResult } from "./sync.js";
export type { SchemaMode, WriteMode } from "./sync-plan.js";
export { readTable } from "./read-table.js";
export type { ReadTableOptions } from "./read-table.js";
export type { Connection } from "./connection.js";
