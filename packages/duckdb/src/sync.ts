/**
 * syncToTable: a dataset written to a PostgreSQL (COPY) or SQLite table. The table's SQL schema is
 * set or checked before any row is written ("create", "check" or "evolve"), the rows replace, are
 * appended to or are merged into (by key) the table's, all in one transaction, and the step records
 * the row counts. Where the dataset's columns are known before the run, the table is checked then
 * too, so a conflict stops the run before anything runs (exit 2).
 */
import { resolve } from "node:path";
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
import { postgresTarget } from "./sync-postgres.js";
import { sqliteTarget } from "./sync-sqlite.js";
import type { SyncTarget } from "./sync-target.js";

export interface SyncOptions {
  input: AnyStep;
  /**
   * "postgres://user:password@host:5432/db" or "sqlite:path/to/file.db" (relative to the declaring
   * module's folder). Keep passwords out of code: pass a function, e.g. () => process.env.WAREHOUSE_URL!.
   * The password is never logged nor stored.
   */
  connection: string | (() => string);
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
  const connection = () => {
    const given =
      typeof options.connection === "function" ? options.connection() : options.connection;
    if (typeof given !== "string" || given === "")
      throw invalid(
        name,
        "connection is empty: give a postgres:// URL or sqlite:path (is the environment variable set?).",
      );
    return given;
  };
  const shown =
    typeof options.connection === "string" ? masked(options.connection) : "(from a function)";
  return step(name, {
    inputs: { input: options.input },
    version: JSON.stringify({ sync: 1, ...spec, connection: shown }),
    ...(options.description ? { description: options.description } : {}),
    deriveColumns: async (known) => {
      const columns = known["input"];
      // Only an existing table can conflict; "create" with "replace" makes a new one.
      if (columns && !(spec.schema === "create" && spec.mode === "replace"))
        await withTarget(name, connection(), folder, async (target) =>
          planSync(target.dialect, spec, duckColumns(columns), await target.columns(spec.table)),
        );
      return undefined;
    },
    run: ({ input }: { input: unknown }, ctx: StepContext) =>
      withSession(async (session) => {
        const columns: DatasetColumn[] = await bindInput(session, name, "input", input);
        const url = connection();
        const result = await withTarget(name, url, folder, async (target) => {
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

/** Opens the target, runs the work, closes it; a target that cannot be opened is "unreachable", named without its password. */
async function withTarget<T>(
  name: string,
  url: string,
  folder: string,
  work: (target: SyncTarget) => Promise<T>,
): Promise<T> {
  let target: SyncTarget;
  try {
    if (/^postgres(ql)?:\/\//.test(url)) target = await postgresTarget(url);
    else if (url.startsWith("sqlite:"))
      target = await sqliteTarget(
        resolve(folder, url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "")),
      );
    else
      throw invalid(name, `connection ${masked(url)} is neither postgres://... nor sqlite:path.`);
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      "unreachable",
      `syncToTable "${name}": cannot open ${masked(url)}: ${(error as Error).message.replaceAll(passwordOf(url) ?? "\u0000", "***")}. Check the address and that the database runs. Nothing was written.`,
      { step: name, cause: error },
    );
  }
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

/** The connection with its password replaced by ***. */
export function masked(url: string): string {
  const password = passwordOf(url);
  return password ? url.replace(`:${password}@`, ":***@") : url;
}

function passwordOf(url: string): string | undefined {
  const match = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url);
  return match?.[1] || undefined;
}

function invalid(name: string, message: string): SluiceError {
  return new SluiceError("invalid-pipeline", `syncToTable "${name}": ${message}`, { step: name });
}
