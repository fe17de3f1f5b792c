/** What the catalog knows of a dataset: its rows and its columns with their types. */
export interface DatasetInfo {
  rows: number;
  columns: Array<{ name: string; type: string }>;
}

type ArrowModule = typeof import("apache-arrow");
type ArrowTable = import("apache-arrow").Table;
type Cell = string | number | boolean | null;

let arrow: ArrowModule | undefined;
let loading: Promise<ArrowModule> | undefined;

/**
 * apache-arrow is large (about 90 ms to load): it is imported the first time a dataset is met, as
 * an ES module like the users' own import, so that tables made by a step and by sluice share one
 * copy of Arrow's classes (two copies cannot read each other's tables).
 */
export function withArrow<T>(use: (module: ArrowModule) => T): T | Promise<T> {
  if (arrow) return use(arrow);
  loading ??= import("apache-arrow").then((module) => (arrow = module as ArrowModule));
  return loading.then(use);
}

function loadedArrow(): ArrowModule {
  if (!arrow) throw new Error("apache-arrow is not loaded yet (call withArrow first)");
  return arrow;
}

const KIND = Symbol.for("sluice.kind");

/** What a step says its output is, through dataset(), model() or metrics(). */
export type OutputTag = "dataset" | "model" | "metrics";

function tag<T>(value: T, kind: OutputTag): T {
  if (typeof value === "object" && value !== null)
    Object.defineProperty(value, KIND, { value: kind, enumerable: false, configurable: true });
  return value;
}

/** Marks a step's output as a dataset (tabular data: an array of records or an Arrow table). */
export const dataset = <T>(value: T): T => tag(value, "dataset");
const MODEL_OPTIONS = Symbol.for("sluice.modelOptions");

/** How a model output is registered: under `name` (the step's name by default), as `version` (counted up by default). */
export interface ModelOptions {
  name?: string;
  version?: string;
}

/**
 * Marks a step's output as a model: when its run succeeds it is registered in the model registry
 * (`sluice models`), under the step's name unless `name` says otherwise.
 */
export const model = <T>(value: T, options: ModelOptions = {}): T => {
  const tagged = tag(value, "model");
  if (typeof tagged === "object" && tagged !== null)
    Object.defineProperty(tagged, MODEL_OPTIONS, { value: options, configurable: true });
  return tagged;
};

export function modelOptionsOf(value: unknown): ModelOptions {
  return typeof value === "object" && value !== null
    ? ((value as Record<symbol, ModelOptions | undefined>)[MODEL_OPTIONS] ?? {})
    : {};
}
/** Marks a step's output as metrics (an object of numbers); numeric fields are recorded as run metrics later. */
export const metrics = <T>(value: T): T => tag(value, "metrics");

export function tagOf(value: unknown): OutputTag | undefined {
  return typeof value === "object" && value !== null
    ? ((value as Record<symbol, OutputTag | undefined>)[KIND] ?? undefined)
    : undefined;
}

export function isArrowTable(value: unknown): value is ArrowTable {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as {
    schema?: { fields?: unknown };
    numRows?: unknown;
    toArray?: unknown;
  };
  return (
    Array.isArray(candidate.schema?.fields) &&
    typeof candidate.numRows === "number" &&
    typeof candidate.toArray === "function"
  );
}

/** An array of flat records with the same columns and primitive values: what is stored as an Arrow dataset. */
export function isRecordTable(value: unknown): value is Array<Record<string, Cell>> {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first = value[0];
  if (
    typeof first !== "object" ||
    first === null ||
    Object.getPrototypeOf(first) !== Object.prototype
  )
    return false;
  const columns = Object.keys(first);
  if (columns.length === 0) return false;
  for (const row of value) {
    if (typeof row !== "object" || row === null || Object.getPrototypeOf(row) !== Object.prototype)
      return false;
    const keys = Object.keys(row);
    if (keys.length !== columns.length) return false;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== columns[i]) return false;
      const cell = (row as Record<string, unknown>)[keys[i]!];
      if (
        cell !== null &&
        typeof cell !== "string" &&
        typeof cell !== "boolean" &&
        !(typeof cell === "number" && Number.isFinite(cell) && !Object.is(cell, -0))
      )
        return false;
    }
  }
  return true;
}

/** Encodes records as Arrow IPC, or returns undefined when Arrow would not give back equal records. */
export function recordsToArrow(
  records: Array<Record<string, Cell>>,
): { bytes: Uint8Array; info: DatasetInfo } | undefined {
  const { Table, tableToIPC, tableFromIPC } = loadedArrow();
  const table = new Table(
    Object.fromEntries(
      Object.keys(records[0]!).map((name) => [
        name,
        columnVector(records.map((row) => row[name]!)),
      ]),
    ),
  );
  const bytes = tableToIPC(table, "file");
  const back = arrowToRecords(tableFromIPC(bytes));
  if (!sameRecords(records, back)) return undefined;
  return { bytes, info: infoOf(table) };
}

/**
 * A column as Arrow would infer it, except numbers: a column of whole numbers (all within 2^53) is
 * Int64, as pandas makes it, and any other number column Float64. Arrow gives Int64 back as bigint;
 * arrowToRecords turns safe ones back into numbers.
 */
function columnVector(values: Cell[]) {
  const { vectorFromArray, Int64, Float64 } = loadedArrow();
  const numbers = values.filter((value) => value !== null);
  if (numbers.length === 0 || !numbers.every((value) => typeof value === "number"))
    return vectorFromArray(values);
  if (!numbers.every((value) => Number.isSafeInteger(value)))
    return vectorFromArray(values, new Float64());
  return vectorFromArray(
    values.map((value) => (value === null ? null : BigInt(value as number))),
    new Int64(),
  );
}

export function tableToArrow(table: ArrowTable): { bytes: Uint8Array; info: DatasetInfo } {
  return { bytes: loadedArrow().tableToIPC(table, "file"), info: infoOf(table) };
}

export function arrowBytesToTable(bytes: Uint8Array): ArrowTable {
  return loadedArrow().tableFromIPC(bytes);
}

export function arrowToRecords(table: ArrowTable): Array<Record<string, unknown>> {
  const names = table.schema.fields.map((field) => field.name);
  const columns = names.map((name) => table.getChild(name)!);
  const rows: Array<Record<string, unknown>> = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = plainNumber(columns[c]!.get(i));
    rows[i] = row;
  }
  return rows;
}

/** An Int64 cell (a bigint) as a number when it fits one exactly, so records read back equal those stored. */
export function plainNumber(cell: unknown): unknown {
  return typeof cell === "bigint" &&
    cell <= BigInt(Number.MAX_SAFE_INTEGER) &&
    cell >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(cell)
    : cell;
}

/** Column names and types of records kept as JSON (not Arrow): types as JavaScript sees them. */
export function inferRecordsInfo(records: Array<Record<string, Cell>>): DatasetInfo {
  const columns = Object.keys(records[0]!).map((name) => {
    const types = new Set<string>();
    for (const row of records) {
      const cell = row[name];
      types.add(
        cell === null
          ? "null"
          : typeof cell === "number"
            ? Number.isInteger(cell)
              ? "integer"
              : "float"
            : typeof cell,
      );
    }
    if (types.has("float")) types.delete("integer");
    return { name, type: [...types].sort().join(" | ") };
  });
  return { rows: records.length, columns };
}

function infoOf(table: ArrowTable): DatasetInfo {
  return {
    rows: table.numRows,
    columns: table.schema.fields.map((field) => {
      const type = field.type as { dictionary?: unknown; toString(): string };
      return { name: field.name, type: String(type.dictionary ?? type) };
    }),
  };
}

function sameRecords(a: Array<Record<string, Cell>>, b: Array<Record<string, unknown>>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const left = a[i]!;
    const right = b[i]!;
    const keys = Object.keys(left);
    if (keys.length !== Object.keys(right).length) return false;
    for (const key of keys) if (left[key] !== right[key]) return false;
  }
  return true;
}
