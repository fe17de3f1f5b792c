/**
 * What a sync will do to its table, decided before any row is written: create it (or create it
 * anew, for schema "create" with mode "replace"), add the dataset's new columns ("evolve"), or only
 * check it ("check"); then empty it ("replace"), add to it ("append") or merge by key ("upsert").
 * Every conflict is refused here, naming the column, so a refused sync leaves the table as it was.
 */
import { SluiceError, type DatasetColumn } from "sluice";
import { closest } from "sluice/internal";
import { accepts, duckFamily, sqlTypeFor, tableFamily, type Dialect } from "./sql-types.js";

export type SchemaMode = "create" | "check" | "evolve";
export type WriteMode = "replace" | "append" | "upsert";

export interface SyncPlan {
  readonly table: string;
  readonly mode: WriteMode;
  /** Drop the table if it exists and create it with `create` columns. */
  readonly recreate: boolean;
  /** The new table's columns (name, SQL type), when it is created. */
  readonly create?: ReadonlyArray<{ name: string; type: string }>;
  /** Columns to add to the existing table. */
  readonly add: ReadonlyArray<{ name: string; type: string }>;
  /** The dataset's columns, in the order rows are sent. */
  readonly columns: readonly string[];
  readonly key: readonly string[];
  /** Whether the table exists now. */
  readonly exists: boolean;
}

export interface SyncSpec {
  readonly step: string;
  readonly table: string;
  readonly schema: SchemaMode;
  readonly mode: WriteMode;
  readonly key: readonly string[];
  /** SQL types to use instead of the mapped ones, by column, when the table is created. */
  readonly types: Readonly<Record<string, string>>;
}

export function planSync(
  dialect: Dialect,
  spec: SyncSpec,
  dataset: readonly DatasetColumn[],
  existing: ReadonlyArray<{ name: string; type: string }> | undefined,
): SyncPlan {
  const where = `table ${spec.table}`;
  for (const column of spec.key)
    if (!dataset.some((c) => c.name === column))
      throw refuse(
        spec,
        `the upsert key "${column}" is not a column of the dataset (its columns: ${dataset.map((c) => c.name).join(", ")}).`,
        column,
      );
  for (const column of Object.keys(spec.types))
    if (!dataset.some((c) => c.name === column))
      throw refuse(
        spec,
        `types names "${column}", which is not a column of the dataset (its columns: ${dataset.map((c) => c.name).join(", ")}).`,
        column,
      );
  const wanted = dataset.map((c) => ({
    name: c.name,
    type: spec.types[c.name] ?? sqlTypeFor(dialect, c.type),
  }));
  const base = {
    table: spec.table,
    mode: spec.mode,
    columns: dataset.map((c) => c.name),
    key: spec.key,
    exists: existing !== undefined,
  };
  if (!existing) {
    if (spec.schema === "check")
      throw refuse(
        spec,
        `${where} does not exist, and schema "check" never creates one. Create it, or sync with schema: "create".`,
      );
    return { ...base, recreate: false, create: wanted, add: [] };
  }
  if (spec.schema === "create" && spec.mode === "replace")
    return { ...base, recreate: true, create: wanted, add: [] };
  const add: Array<{ name: string; type: string }> = [];
  for (const column of dataset) {
    const found = existing.find((c) => c.name === column.name);
    if (!found) {
      if (spec.schema === "evolve") {
        add.push(wanted.find((c) => c.name === column.name)!);
        continue;
      }
      const meant = closest(
        column.name,
        existing.map((c) => c.name),
      );
      throw refuse(
        spec,
        `column "${column.name}" of the dataset is not in ${where} (its columns: ${existing.map((c) => c.name).join(", ")}).${meant ? ` Did you mean "${meant}"?` : ""} Rename it in a prepare recipe, add the column, or sync with schema: "evolve".`,
        column.name,
      );
    }
    if (!accepts(dialect, tableFamily(dialect, found.type), duckFamily(column.type)))
      throw refuse(
        spec,
        `column "${column.name}" is ${found.type} in ${where} but ${column.type} in the dataset. Cast it in a prepare recipe (cast({ ${JSON.stringify(column.name)}: "..." })) or change the table.`,
        column.name,
      );
  }
  return { ...base, recreate: false, add };
}

function refuse(spec: SyncSpec, message: string, column?: string): SluiceError {
  return new SluiceError(
    "schema-mismatch",
    `syncToTable "${spec.step}": ${message} Nothing was written.`,
    {
      step: spec.step,
      retryable: false,
      details: { table: spec.table, ...(column ? { column } : {}) },
    },
  );
}
