/**
 * syncToTable: a dataset written to a PostgreSQL (COPY) or SQLite table. The table's SQL schema is
 * set or checked before any row is written ("create", "check" or "evolve"), the rows replace, are
 * appended to or are merged into (by key) the table's, all in one transaction, and the step records
 * the row counts. Where the dataset's columns are known before the run, the table is checked then
 * too, so a conflict stops the run before anything runs (exit 2).
 */
import {
  SluiceError,
  step,
  type AnyStep,
  type DatasetColumn,
  type Step,
  type StepContext,
} from "sluice";
import { callerFolder } from "./own-code.js";
import { withSession } from "./database.js";
import { duckColumns } from "./column-types.js";
import { explain } from "./errors.js";
import { bindInput } from "./inputs.js";
import { planSync, type SchemaMode, type SyncSpec, type WriteMode } from "./sync-plan.js";
import {
  connectionUrl,
  masked,
  shownConnection,
  withDatabase,
  type Connection,
} from "./connection.js";

export interface SyncOptions {
  input: AnyStep;
  /**
   * "postgres://user:password@host:5432/db" or "sqlite:path/to/file.db" (relative to the declaring
   * module's folder). Keep passwords out of code: pass a function, e.g. () => process.env.WAREHOUSE_URL!.
   * The password is never logged nor stored.
   */
  connection: Connection;
  /** "table" or "schema.table". */
  table: string;
  /** "create": create the table (anew, with mode "replace"); "check": it must exist with compatible columns; "evolve": add the dataset's new columns. @defaultValue "create" */
  schema?: SchemaMode;
  /** @defaultValue "replace" */
  mode?: WriteMode;
  /** The key columns for mode "upsert" (a primary key when the table is created). */
  key?: string | readonly string[];
  /** SQL types to give columns when the table is created, instead of the mapped ones: { amount: "numeric(12,2)" }. */
  types?: Readonly<Record<string, string>>;
  description?: string;
}

export interface SyncResult {
  table: string;
  /** The connection, its password masked. */
  target: string;
  schema: SchemaMode;
  mode: WriteMode;
  rowsWritten: number;
  rowsBefore: number;
  rowsAfter: number;
  created: boolean;
  addedColumns: string[];
}

export function syncToTable<const Name extends string>(
  name: Name,
  options: SyncOptions,
): Step<SyncResult, {}, Name> {
  const folder = callerFolder();
  const spec: SyncSpec = {
    step: name,
    table: options.table,
    schema: options.schema ?? "create",
    mode: options.mode ?? "replace",
    key:
      options.key === undefined
        ? []
        : typeof options.key === "string"
          ? [options.key]
          : [...options.key],
    types: options.types ?? {},
  };
  if (!["create", "check", "evolve"].includes(spec.schema))
    throw invalid(
      name,
      `schema must be "create", "check" or "evolve", got ${JSON.stringify(spec.schema)}.`,
    );
  if (!["replace", "append", "upsert"].includes(spec.mode))
    throw invalid(
      name,
      `mode must be "replace", "append" or "upsert", got ${JSON.stringify(spec.mode)}.`,
    );
  if (spec.mode === "upsert" && spec.key.length === 0)
    throw invalid(
      name,
      `mode "upsert" needs key: the column(s) that identify a row, e.g. key: "id".`,
    );
  const what = `syncToTable "${name}"`;
  const connection = () => connectionUrl(what, name, options.connection);
  const shown = shownConnection(options.connection);
  return step(name, {
    inputs: { input: options.input },
    version: JSON.stringify({ sync: 1, ...spec, connection: shown }),
    ...(options.description ? { description: options.description } : {}),
    deriveColumns: async (known) => {
      const columns = known["input"];
      // Only an existing table can conflict; "create" with "replace" makes a new one.
      if (columns && !(spec.schema === "create" && spec.mode === "replace"))
        await withDatabase(what, name, connection(), folder, async (target) =>
          planSync(target.dialect, spec, duckColumns(columns), await target.columns(spec.table)),
        );
      return undefined;
    },
    run: ({ input }: { input: unknown }, ctx: StepContext) =>
      withSession(async (session) => {
        const columns: DatasetColumn[] = await bindInput(session, name, "input", input);
        const url = connection();
        const result = await withDatabase(what, name, url, folder, async (target) => {
          const plan = planSync(target.dialect, spec, columns, await target.columns(spec.table));
          try {
            const counts = await target.write(plan, session, `"input"`);
            return { plan, counts };
          } catch (error) {
            throw explain(error, name);
          }
        });
        ctx.metric("rows_written", result.counts.written);
        ctx.log.info(
          `synced ${result.counts.written} rows to ${spec.table} (${spec.mode}); the table has ${result.counts.after} rows`,
        );
        return {
          table: spec.table,
          target: masked(url),
          schema: spec.schema,
          mode: spec.mode,
          rowsWritten: result.counts.written,
          rowsBefore: result.counts.before,
          rowsAfter: result.counts.after,
          created: result.plan.create !== undefined,
          addedColumns: result.plan.add.map((c) => c.name),
        } satisfies SyncResult;
      }),
  }) as unknown as Step<SyncResult, {}, Name>;
}

function invalid(name: string, message: string): SluiceError {
  return new SluiceError("invalid-pipeline", `syncToTable "${name}": ${message}`, { step: name });
}
