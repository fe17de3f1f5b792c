/**
 * TypeScript steps over datasets: read any dataset (files, a recipe's Parquet, records, an Arrow
 * table) as records or as an Arrow table, and declare the columns a step expects of its inputs so
 * that a missing one stops the preview or the run before anything runs (exit 2, naming it).
 */
import { createHash } from "node:crypto";
import {
  SluiceError,
  isParquetDataset,
  parquetRecords,
  step,
  type AnyStep,
  type DatasetColumn,
  type Step,
  type StepContext,
} from "sluice";
import { arrowToRecords, isArrowTable, plainNumbers, withArrow } from "sluice/internal";
import { withSession } from "./database.js";
import { isFilesDataset } from "./datasets.js";
import { missingColumn } from "./errors.js";
import { bindInput } from "./inputs.js";
import { ident } from "./sql-text.js";

type Row = Record<string, unknown>;

/** A dataset's rows as plain records (whole numbers that fit come back as numbers). */
export async function toRecords(dataset: unknown): Promise<Row[]> {
  if (Array.isArray(dataset)) return dataset as Row[];
  if (isParquetDataset(dataset)) return parquetRecords(dataset);
  if (isFilesDataset(dataset))
    return withSession(async (session) => {
      await bindInput(session, "toRecords", "input", dataset);
      const result = await session.db.runAndReadAll(`SELECT * FROM ${ident("input")}`);
      return result.getRowObjectsJS().map(plainNumbers);
    });
  if (isArrowTable(dataset)) return arrowToRecords(dataset);
  throw new SluiceError(
    "step-failed",
    `toRecords: the value is not a dataset (it is ${dataset === null ? "null" : `a ${typeof dataset}`}). Pass the output of readDataset, readTable, a recipe, or a step that returns records or an Arrow table.`,
  );
}

/** A dataset as an Arrow table (apache-arrow). */
export async function toArrow(dataset: unknown): Promise<import("apache-arrow").Table> {
  if (isArrowTable(dataset)) return dataset;
  const records = await toRecords(dataset);
  return withArrow((arrow) => arrow.tableFromJSON(records as Array<Record<string, unknown>>));
}

/**
 * A TypeScript step over datasets: its inputs arrive as records (or Arrow tables with `as: "arrow"`),
 * and `expects` names the columns each input must have, checked before the run where the input's
 * columns are known (recipes, readDataset, complete steps).
 * @example
 * const scored = tableStep("scored", { inputs: { orders }, expects: { orders: ["id", "amount"] },
 *   run: ({ orders }) => orders.map((o) => ({ ...o, big: Number(o.amount) > 100 })) });
 */
export function tableStep<const Name extends string, const I extends Record<string, AnyStep>, R>(
  name: Name,
  options: {
    inputs: I;
    expects?: { readonly [K in keyof I]?: readonly string[] };
    as?: "records" | "arrow";
    description?: string;
    version?: string;
    run: (inputs: { [K in keyof I]: Row[] }, ctx: StepContext) => R | Promise<R>;
  },
): Step<Awaited<R>, {}, Name> {
  const expects = (options.expects ?? {}) as Record<string, readonly string[] | undefined>;
  return step(name, {
    inputs: options.inputs as Record<string, AnyStep>,
    // The body sluice fingerprints is the wrapper below: the user's own body and version go in here.
    version: `${options.version ?? ""} ${createHash("sha256").update(options.run.toString()).digest("hex")}`,
    ...(options.description ? { description: options.description } : {}),
    deriveColumns: async (known) => {
      for (const [input, columns] of Object.entries(known))
        if (columns) checkExpected(name, input, expects[input], columns);
      return undefined;
    },
    run: async (inputs: Record<string, unknown>, ctx: StepContext) => {
      const converted: Record<string, unknown> = {};
      for (const key of Object.keys(options.inputs)) {
        const rows = await toRecords(inputs[key]);
        if (rows.length > 0)
          checkExpected(
            name,
            key,
            expects[key],
            Object.keys(rows[0]!).map((c) => ({ name: c, type: "?" })),
          );
        converted[key] = options.as === "arrow" ? await toArrow(rows) : rows;
      }
      return options.run(converted as { [K in keyof I]: Row[] }, ctx);
    },
  }) as unknown as Step<Awaited<R>, {}, Name>;
}

function checkExpected(
  name: string,
  input: string,
  expected: readonly string[] | undefined,
  columns: readonly DatasetColumn[],
): void {
  for (const column of expected ?? [])
    if (!columns.some((c) => c.name === column))
      throw missingColumn(name, column, `input "${input}"`, columns, "step");
}
