/**
 * A dataset kept as one Parquet file (what the DuckDB recipes of @sluice/duckdb produce): stored as
 * its bytes, content-addressed like any output, with its rows and columns recorded in the catalog.
 * A value that describes a dataset kept elsewhere (files read in place) carries its info the same way.
 */
import { plainNumber, type DatasetInfo } from "./dataset.js";

const PARQUET = Symbol.for("sluice.parquet");
const INFO = Symbol.for("sluice.datasetInfo");

export interface ParquetDataset {
  readonly format: "parquet";
  /** The Parquet file's bytes. */
  readonly bytes: Uint8Array;
  /** Rows and columns, when known (always, for a recipe's output). */
  readonly info?: DatasetInfo;
}

/** A Parquet dataset value; a step returning it is stored as kind "parquet". */
export function parquetDataset(bytes: Uint8Array, info?: DatasetInfo): ParquetDataset {
  const value = { format: "parquet" as const, bytes, ...(info ? { info } : {}) };
  Object.defineProperty(value, PARQUET, { value: true, enumerable: false });
  return Object.freeze(value);
}

export function isParquetDataset(value: unknown): value is ParquetDataset {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[PARQUET] === true
  );
}

/**
 * Attaches a dataset's rows and columns to a plain JSON value that describes it (files read in
 * place, say): the value is stored as JSON and catalogued as a dataset with this schema.
 */
export function describeDataset<T extends object>(value: T, info: DatasetInfo): T {
  Object.defineProperty(value, INFO, { value: info, enumerable: false, configurable: true });
  return value;
}

export function describedInfoOf(value: unknown): DatasetInfo | undefined {
  return typeof value === "object" && value !== null
    ? ((value as Record<symbol, DatasetInfo | undefined>)[INFO] ?? undefined)
    : undefined;
}

/**
 * The rows of a Parquet dataset as records (the first `limit` ones when given), read in JavaScript
 * by hyparquet (loaded on first use). Whole numbers that fit a JavaScript number come back as numbers.
 */
export async function parquetRecords(
  dataset: ParquetDataset,
  limit?: number,
): Promise<Array<Record<string, unknown>>> {
  const { parquetReadObjects } = await import("hyparquet");
  const { bytes } = dataset;
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({
    file: file as ArrayBuffer,
    ...(limit === undefined ? {} : { rowEnd: limit }),
  });
  return rows.map(plainNumbers);
}

/** A row with its Int64 cells (bigints) as numbers where they fit one exactly. */
export function plainNumbers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, cell] of Object.entries(row)) row[key] = plainNumber(cell);
  return row;
}
