// syncToTable against real databases: SQLite files always, PostgreSQL when SLUICE_TEST_PG is set (CI
// sets it). The table's schema is set or checked before any row is written, every mode lands in one
// transaction, a refused or failed sync leaves the table as it was, and passwords never show.
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SluiceError, memoryStores, pipeline, step, type Stores } from "sluice";
import {
  count,
  group,
  readTable,
  syncToTable,
  toRecords,
  type SyncOptions,
  type SyncResult,
} from "@sluice/duckdb";
import { tempDir } from "../../../test/support/temp-dir.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";

type Row = Record<string, string | number | boolean | null>;

/** Runs a sync of `rows` (a code step's records) with the options; the step's result or its error. */
async function sync(
  rows: Row[],
  options: Omit<SyncOptions, "input">,
  stores: Stores = memoryStores(),
) {
  const input = step("rows", { cache: false, run: () => rows });
  const flow = pipeline("sync", { steps: [syncToTable("load", { ...options, input })] });
  const result = await flow.run({ stores });
  const step_ = result.steps["load"]!;
  return {
    output: (result.outputs as Record<string, SyncResult | undefined>)["load"],
    error: step_.error,
    result,
  };
}

async function refusal(rows: Row[], options: Omit<SyncOptions, "input">): Promise<SluiceError> {
  const input = step("rows", { run: () => rows });
  const flow = pipeline("sync", { steps: [syncToTable("load", { ...options, input })] });
  const stores = memoryStores();
  // The rows step must have run for its columns to be known before the sync runs.
  await pipeline("sync", { steps: [input] }).run({ stores });
  try {
    await flow.run({ stores });
  } catch (error) {
    if (SluiceError.is(error)) return error;
    throw error;
  }
  throw new Error("expected the run to be refused");
}

const first: Row[] = [
  { id: 1, name: "Ada", amount: 10.5, active: true, day: "2026-01-02" },
  { id: 2, name: "", amount: null, active: false, day: "2026-01-03" },
];

describe("syncToTable to SQLite", () => {
  it("creates the table before writing, replaces its rows, appends and upserts by key", async () => {
    const file = join(tempDir(), "warehouse.db");
    const connection = `sqlite:${file}`;
    const created = await sync(first, { connection, table: "sales" });
    expect(created.error).toBeUndefined();
    expect(created.output).toMatchObject({
      rowsWritten: 2,
      rowsBefore: 0,
      rowsAfter: 2,
      created: true,
    });
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT name, type FROM pragma_table_info('sales')").all()).toEqual([
      { name: "id", type: "INTEGER" },
      { name: "name", type: "TEXT" },
      { name: "amount", type: "REAL" },
      { name: "active", type: "INTEGER" },
      { name: "day", type: "TEXT" },
    ]);
    expect(db.prepare("SELECT * FROM sales ORDER BY id").all()).toEqual([
      { id: 1, name: "Ada", amount: 10.5, active: 1, day: "2026-01-02" },
      { id: 2, name: "", amount: null, active: 0, day: "2026-01-03" },
    ]);
    const appended = await sync([{ ...first[0]!, id: 3 }], {
      connection,
      table: "sales",
      schema: "check",
      mode: "append",
    });
    expect(appended.output).toMatchObject({
      rowsWritten: 1,
      rowsBefore: 2,
      rowsAfter: 3,
      created: false,
    });
    const replaced = await sync([{ ...first[0]!, id: 9 }], {
      connection,
      table: "sales",
      schema: "check",
    });
    expect(replaced.output).toMatchObject({ rowsWritten: 1, rowsBefore: 3, rowsAfter: 1 });
    expect(db.prepare("SELECT id FROM sales").all()).toEqual([{ id: 9 }]);

    const keyed = `sqlite:${join(tempDir(), "keyed.db")}`;
    await sync(first, { connection: keyed, table: "t", mode: "upsert", key: "id" });
    const upserted = await sync(
      [
        { id: 2, name: "Bob", amount: 1, active: true, day: "2026-02-01" },
        { id: 3, name: "Cy", amount: 2, active: true, day: "2026-02-02" },
      ],
      { connection: keyed, table: "t", mode: "upsert", key: "id" },
    );
    expect(upserted.output).toMatchObject({ rowsWritten: 2, rowsBefore: 2, rowsAfter: 3 });
    const other = new Database(keyed.slice("sqlite:".length), { readonly: true });
    expect(other.prepare("SELECT id, name FROM t ORDER BY id").all()).toEqual([
      { id: 1, name: "Ada" },
      { id: 2, name: "Bob" },
      { id: 3, name: "Cy" },
    ]);
  });

  it("evolve adds the dataset's new columns; check refuses a conflicting table before anything runs", async () => {
    const file = join(tempDir(), "w.db");
    const db = new Database(file);
    db.exec(
      "CREATE TABLE sales (id INTEGER, name TEXT, amount BLOB); INSERT INTO sales VALUES (7, 'old', NULL)",
    );
    const evolved = await sync([{ id: 1, name: "a", region: "north" }], {
      connection: `sqlite:${file}`,
      table: "sales",
      schema: "evolve",
      mode: "append",
    });
    expect(evolved.output).toMatchObject({ addedColumns: ["region"], rowsAfter: 2 });
    const conflict = await refusal(first, {
      connection: `sqlite:${file}`,
      table: "sales",
      schema: "check",
      mode: "append",
    });
    expect(conflict).toMatchObject({ code: "schema-mismatch" });
    expect(conflict.message).toContain(
      'column "amount" is BLOB in table sales but DOUBLE in the dataset',
    );
    const missing = await refusal([{ id: 1, nme: "x" }], {
      connection: `sqlite:${file}`,
      table: "sales",
      schema: "check",
      mode: "append",
    });
    expect(missing.message).toContain('column "nme" of the dataset is not in table sales');
    expect(missing.message).toContain('Did you mean "name"?');
    expect(db.prepare("SELECT id, name FROM sales ORDER BY id").all()).toEqual([
      { id: 1, name: "a" },
      { id: 7, name: "old" },
    ]);
  });

  it("a sync that fails while writing leaves the old rows in place", async () => {
    const file = join(tempDir(), "w.db");
    const db = new Database(file);
    db.exec(
      "CREATE TABLE sales (id INTEGER NOT NULL, name TEXT); INSERT INTO sales VALUES (7, 'old')",
    );
    const failed = await sync(
      [
        { id: 1, name: "a" },
        { id: null, name: "b" },
      ],
      { connection: `sqlite:${file}`, table: "sales", schema: "check", mode: "replace" },
    );
    expect(failed.error?.message).toMatch(/NOT NULL constraint failed: sales\.id/);
    expect(db.prepare("SELECT * FROM sales").all()).toEqual([{ id: 7, name: "old" }]);
  });
});

describe("readTable from SQLite", () => {
  it("reads a table or a query as a dataset, its columns known before the run, and always reads it again", async () => {
    const file = join(tempDir(), "source.db");
    const db = new Database(file);
    db.exec(
      "CREATE TABLE visits (id INTEGER, city TEXT, spent REAL); INSERT INTO visits VALUES (1, 'Paris', 2.5), (2, 'Lyon', NULL), (3, 'Paris', 4)",
    );
    const visits = readTable("visits", {
      connection: `sqlite:${file}`,
      table: "visits",
      orderBy: ["id"],
    });
    const perCity = group("per_city", {
      input: visits,
      by: ["city"],
      aggregations: { n: count() },
    });
    const flow = pipeline("tables", { steps: [perCity] });
    const stores = memoryStores();
    const preview = (await flow.preview({ stores })).toJSON().steps;
    expect(preview.find((s) => s.name === "visits")!.columns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "city", type: "VARCHAR" },
      { name: "spent", type: "DOUBLE" },
    ]);
    const first = await flow.run({ stores });
    const outputs = first.outputs as Record<string, unknown>;
    expect(await toRecords(outputs["per_city"])).toEqual([
      { city: "Lyon", n: 1 },
      { city: "Paris", n: 2 },
    ]);
    // Unchanged rows: the table is read again, and its consumer is reused.
    const again = await flow.run({ stores });
    expect(again.steps["visits"]).toMatchObject({ status: "succeeded", cached: false });
    expect(again.steps["per_city"]).toMatchObject({ cached: true });
    db.exec("INSERT INTO visits VALUES (4, 'Nice', 1)");
    const changed = await flow.run({ stores });
    expect(changed.steps["per_city"]).toMatchObject({ status: "succeeded", cached: false });
    const query = readTable("big", {
      connection: `sqlite:${file}`,
      query: "SELECT id FROM visits WHERE spent > 2 ORDER BY id",
    });
    const read = await pipeline("tables", { steps: [query] }).run({ stores });
    expect(await toRecords((read.outputs as Record<string, unknown>)["big"])).toEqual([
      { id: 1 },
      { id: 3 },
    ]);
  });
});

describe.runIf(PG_URL)("syncToTable to PostgreSQL", () => {
  const schema = freshSchema();
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await client?.end();
    await dropSchema(schema);
  });

  it("creates the table with mapped types and loads it with COPY; upserts by key", async () => {
    const table = `${schema}.sales`;
    const created = await sync(first, { connection: PG_URL!, table, mode: "upsert", key: "id" });
    expect(created.error).toBeUndefined();
    expect(created.output).toMatchObject({ rowsWritten: 2, rowsAfter: 2, created: true });
    const types = await client.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sales' ORDER BY ordinal_position`,
      [schema],
    );
    expect(types.rows).toEqual([
      { column_name: "id", data_type: "bigint" },
      { column_name: "name", data_type: "text" },
      { column_name: "amount", data_type: "double precision" },
      { column_name: "active", data_type: "boolean" },
      { column_name: "day", data_type: "text" },
    ]);
    const rows = await client.query(
      `SELECT id::int, name, amount, active FROM ${table} ORDER BY id`,
    );
    // An empty string stays an empty string; a null stays null.
    expect(rows.rows).toEqual([
      { id: 1, name: "Ada", amount: 10.5, active: true },
      { id: 2, name: "", amount: null, active: false },
    ]);
    const upserted = await sync([{ id: 2, name: "Bob", amount: 3, active: true, day: "x" }], {
      connection: PG_URL!,
      table,
      mode: "upsert",
      key: "id",
    });
    expect(upserted.output).toMatchObject({ rowsWritten: 1, rowsBefore: 2, rowsAfter: 2 });
    expect((await client.query(`SELECT name FROM ${table} WHERE id = 2`)).rows).toEqual([
      { name: "Bob" },
    ]);
    // The recorded output names the target without its password.
    expect(created.output!.target).toContain(":***@");
    expect(JSON.stringify(created.result)).not.toContain(new URL(PG_URL!).password + "@");
  });

  it("refuses a conflicting table before writing, and a failed COPY leaves the table as it was", async () => {
    const table = `${schema}.strict`;
    await client.query(`CREATE TABLE ${table} (id bigint NOT NULL, name text, amount integer)`);
    await client.query(`INSERT INTO ${table} VALUES (7, 'old', 1)`);
    const conflict = await refusal(first, {
      connection: PG_URL!,
      table,
      schema: "check",
      mode: "append",
    });
    expect(conflict.message).toContain(
      `column "amount" is integer in table ${table} but DOUBLE in the dataset`,
    );
    const failed = await sync(
      [
        { id: 1, name: "a", amount: 1 },
        { id: null, name: "b", amount: 2 },
      ],
      { connection: PG_URL!, table, schema: "check", mode: "replace" },
    );
    expect(failed.error?.message).toMatch(/null value in column "id"/);
    expect((await client.query(`SELECT id::int, name FROM ${table}`)).rows).toEqual([
      { id: 7, name: "old" },
    ]);
  });

  it("an unreachable database is named without its password, and nothing runs", async () => {
    const url = new URL(PG_URL!);
    url.port = "1";
    const error = await refusal(first, { connection: url.toString(), table: "t", schema: "check" });
    expect(error).toMatchObject({ code: "unreachable" });
    expect(error.message).toContain(`cannot open postgres://${url.username}:***@127.0.0.1:1/`);
    expect(error.message).not.toContain(`:${url.password}@`);
  });

  it("reads back what it synced with readTable, types and nulls intact", async () => {
    const table = `${schema}.round_trip`;
    await client.query(
      `CREATE TABLE ${table} (id bigint, name text, amount numeric(8,2), day date, ok boolean, at timestamptz)`,
    );
    await client.query(
      `INSERT INTO ${table} VALUES (1, 'a,"b"', 1.25, '2026-01-02', true, '2026-01-02 03:04:05+00'), (2, '', NULL, NULL, false, NULL)`,
    );
    const source = readTable("source", { connection: PG_URL!, table, orderBy: ["id"] });
    const result = await pipeline("tables", { steps: [source] }).run({ stores: memoryStores() });
    expect(result.status).toBe("succeeded");
    const rows = await toRecords((result.outputs as Record<string, unknown>)["source"]);
    expect(rows.map((r) => [r["id"], r["name"], r["amount"], r["ok"]])).toEqual([
      [1, 'a,"b"', 1.25, true],
      [2, "", null, false],
    ]);
    expect(rows[1]!["day"]).toBeNull();
  });
});
