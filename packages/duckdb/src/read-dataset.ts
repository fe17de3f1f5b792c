/**
 * readDataset: a dataset read in place from CSV, Parquet or JSON-lines files. The files are declared
 * as the step's `files:`, so their content is part of its cache key (an edited file reruns it,
 * `input-data-changed`, and its consumers see a different value). Column types are given or
 * inferred, recorded in the catalog, and every row is read once to check them: a malformed file
 * fails naming the file, line and column. A glob is expanded when the pipeline module is loaded.
 */
import { readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { SluiceError, describeDataset, step, type DatasetColumn, type Step } from "sluice";
import { callerFolder } from "./own-code.js";
import { withSession, type Session } from "./database.js";
import type { CsvOptions, FileFormat, FilesDataset } from "./datasets.js";
import { explain } from "./errors.js";
import { describe } from "./inputs.js";
import { ident, readFiles } from "./sql-text.js";

export interface ReadDatasetOptions {
  /** A file, a glob ("data/*.parquet"; * and ? within one folder level) or a list of either; relative to the declaring module's folder. */
  path: string | readonly string[];
  /** @defaultValue from the extension: .csv/.tsv, .parquet, .jsonl/.ndjson/.json */
  format?: FileFormat;
  /** Column types by name (DuckDB types: BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP, BOOLEAN...): these columns, in this order, and no inference. */
  schema?: Readonly<Record<string, string>>;
  csv?: CsvOptions;
  description?: string;
}

export function readDataset<const Name extends string>(
  name: Name,
  options: ReadDatasetOptions,
): Step<FilesDataset, {}, Name> {
  const folder = callerFolder();
  const patterns = typeof options.path === "string" ? [options.path] : [...options.path];
  const paths = patterns.flatMap((pattern) => expand(name, resolve(folder, pattern), pattern));
  const format = options.format ?? formatOf(name, paths[0]!);
  const declared = options.schema
    ? Object.entries(options.schema).map(([column, type]) => ({ name: column, type }))
    : undefined;
  const source = (columns?: readonly DatasetColumn[]) =>
    readFiles(format, paths, columns, options.csv);
  /** The declared columns (checked against Parquet files' own), or those DuckDB infers from the files. */
  const columnsNow = async (session: Session): Promise<DatasetColumn[]> => {
    if (!declared) return describe(session, `SELECT * FROM ${source()}`, name);
    if (format === "parquet") await verifyDeclared(session, name, source(), declared);
    return declared;
  };
  return step(name, {
    files: paths,
    version: JSON.stringify({ format, schema: options.schema ?? null, csv: options.csv ?? null }),
    ...(options.description ? { description: options.description } : {}),
    deriveColumns: () => withSession((session) => columnsNow(session)),
    run: () =>
      withSession(async (session) => {
        const columns = await columnsNow(session);
        const typed = format === "parquet" ? source() : source(columns);
        let rows: number;
        try {
          // Counting each column of a text format converts every value (count(*) alone would not
          // read them); Parquet values are typed already, and its count is in the metadata.
          const counts =
            format === "parquet" ? "" : columns.map((c) => `count(${ident(c.name)})`).join(", ");
          const result = await session.db.runAndReadAll(
            `SELECT count(*) AS n${counts ? `, ${counts}` : ""} FROM ${typed}`,
          );
          rows = Number(result.getRowObjectsJson()[0]!["n"]);
        } catch (error) {
          throw explain(error, name, columns);
        }
        const value: FilesDataset = {
          dataset: "files",
          format,
          files: paths.map((path) => {
            const stat = statSync(path);
            return { path, size: stat.size, modifiedMs: stat.mtimeMs };
          }),
          columns,
          rows,
          ...(options.csv ? { csv: options.csv } : {}),
        };
        return describeDataset(value, { rows, columns: [...columns] });
      }),
  }) as unknown as Step<FilesDataset, {}, Name>;
}

/** Refuses Parquet files whose columns are not the declared ones (names and types). */
async function verifyDeclared(
  session: Session,
  name: string,
  source: string,
  declared: readonly DatasetColumn[],
): Promise<void> {
  const found = await describe(session, `SELECT * FROM ${source}`, name);
  for (const column of declared) {
    const actual = found.find((c) => c.name === column.name);
    if (!actual || actual.type !== column.type.toUpperCase())
      throw new SluiceError(
        "schema-mismatch",
        `readDataset "${name}": column "${column.name}" is declared ${column.type} but the files ${actual ? `have it as ${actual.type}` : "do not have it"} (their columns: ${found.map((c) => `${c.name} ${c.type}`).join(", ")}). Fix the schema or the files.`,
        { step: name, details: { column: column.name } },
      );
  }
}

function formatOf(name: string, path: string): FileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".tsv") || lower.endsWith(".csv.gz")) return "csv";
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json"))
    return "json";
  throw new SluiceError(
    "invalid-pipeline",
    `readDataset "${name}": cannot tell the format of ${path} from its extension. Say it: format: "csv" | "parquet" | "json".`,
    { step: name },
  );
}

/** The files a path or glob names, sorted; none is the user's error. */
function expand(name: string, absolute: string, pattern: string): string[] {
  if (!/[*?]/.test(absolute)) {
    if (!exists(absolute)) throw noFiles(name, pattern, absolute);
    return [absolute];
  }
  const parts = absolute.split(sep);
  let found = [parts[0] === "" ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (!/[*?]/.test(part)) {
      found = found.map((base) => join(base, part));
      continue;
    }
    const matcher = new RegExp(
      `^${part
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replaceAll("*", ".*")
        .replaceAll("?", ".")}$`,
    );
    found = found.flatMap((base) => {
      try {
        return readdirSync(base)
          .filter((entry) => matcher.test(entry))
          .sort()
          .map((entry) => join(base, entry));
      } catch {
        return [];
      }
    });
  }
  const files = found.filter((path) => exists(path));
  if (files.length === 0) throw noFiles(name, pattern, absolute);
  return files;
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function noFiles(name: string, pattern: string, absolute: string): SluiceError {
  return new SluiceError(
    "missing-input",
    `readDataset "${name}": no file matches "${pattern}" (${isAbsolute(pattern) ? absolute : `looked for ${absolute}; a relative path is from the folder of the module that declares the dataset`}). Create the file or fix the path.`,
    { step: name, details: { path: pattern } },
  );
}
