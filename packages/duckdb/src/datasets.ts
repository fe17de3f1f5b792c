/**
 * The dataset values recipes read and write. A recipe's output is a Parquet dataset (sluice stores
 * its bytes). readDataset's output describes files read in place: their paths, sizes and modification
 * times (so a changed file gives a different value, and its consumers run again), the format, and
 * the columns found when it was read, which recipes then read the files with.
 */
import type { DatasetColumn } from "sluice";

export type FileFormat = "csv" | "parquet" | "json";

/** How CSV files are read. */
export interface CsvOptions {
  /** @defaultValue "," */
  delimiter?: string;
  /** Whether the first line names the columns. @defaultValue true */
  header?: boolean;
  /** The text that stands for a missing value. @defaultValue "" (an empty field) */
  nullString?: string;
}

export interface FilesDataset {
  readonly dataset: "files";
  readonly format: FileFormat;
  readonly files: ReadonlyArray<{ path: string; size: number; modifiedMs: number }>;
  readonly columns: readonly DatasetColumn[];
  readonly rows: number;
  readonly csv?: CsvOptions;
}

export function isFilesDataset(value: unknown): value is FilesDataset {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { dataset?: unknown }).dataset === "files" &&
    Array.isArray((value as { files?: unknown }).files)
  );
}
