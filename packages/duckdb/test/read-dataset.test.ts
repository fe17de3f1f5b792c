// readDataset on real files: CSV, Parquet (one file and a glob) and JSON lines, inferred and declared
// column types, the errors of malformed files (file, line, column), and change detection: an edited
// file reruns the read (input-data-changed), and a consumer whose input's columns changed says so
// (upstream-schema-changed).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { SluiceError, memoryStores, pipeline } from "sluice";
import { count, group, readDataset, sum, toRecords } from "@sluice/duckdb";
import { tempDir } from "../../../test/support/temp-dir.js";
import { errorOf } from "../../../test/support/error-of.js";

async function writeParquet(path: string, select: string): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
}

async function failureOf(steps: Parameters<typeof pipeline>[1]["steps"]): Promise<string> {
  const result = await pipeline("reads", { steps }).run({ stores: memoryStores() });
  const failed = Object.values(result.steps).find((s) => s.error);
  if (!failed) throw new Error("expected a failed step");
  return failed.error!.message;
}

describe("readDataset", () => {
  it("reads CSV, Parquet (a glob of files) and JSON lines, recording rows and column types", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "a.csv"),
      "id,price,day,ok\n1,2.5,2024-01-02,true\n2,3,2024-02-03,false\n",
    );
    await writeParquet(
      join(dir, "part-1.parquet"),
      "select range as id, range * 1.5::double as v from range(3)",
    );
    await writeParquet(
      join(dir, "part-2.parquet"),
      "select range + 3 as id, 0.5::double as v from range(2)",
    );
    writeFileSync(join(dir, "c.jsonl"), '{"k":"x","n":1}\n{"k":"y","n":null}\n');
    const csv = readDataset("csv", { path: join(dir, "a.csv") });
    const parquet = readDataset("parquet", { path: join(dir, "part-*.parquet") });
    const json = readDataset("json", {
      path: join(dir, "c.jsonl"),
      schema: { k: "VARCHAR", n: "INTEGER" },
    });
    const stores = memoryStores();
    const result = await pipeline("reads", { steps: [csv, parquet, json] }).run({ stores });
    expect(result.status).toBe("succeeded");
    const columns = async (step: string) =>
      (await stores.catalog!.findDatasets(`reads/${step}`))[0]!.columns!.map(
        (c) => `${c.name} ${c.type}`,
      );
    expect(await columns("csv")).toEqual(["id BIGINT", "price DOUBLE", "day DATE", "ok BOOLEAN"]);
    expect(await columns("parquet")).toEqual(["id BIGINT", "v DOUBLE"]);
    expect(await columns("json")).toEqual(["k VARCHAR", "n INTEGER"]);
    expect((await stores.catalog!.findDatasets("reads/parquet"))[0]!.rows).toBe(5);
    const outputs = result.outputs as Record<string, unknown>;
    expect((await toRecords(outputs["parquet"])).map((r) => r["id"])).toEqual([0, 1, 2, 3, 4]);
    expect(await toRecords(outputs["json"])).toEqual([
      { k: "x", n: 1 },
      { k: "y", n: null },
    ]);
  });

  it("a malformed CSV fails naming the file, the line and the column", async () => {
    const dir = tempDir();
    const bad = join(dir, "orders.csv");
    writeFileSync(bad, "id,amount,city\n1,10.5,Paris\n2,abc,Lyon\n");
    const declared = readDataset("declared", {
      path: bad,
      schema: { id: "BIGINT", amount: "DOUBLE", city: "VARCHAR" },
    });
    expect(await failureOf([declared])).toMatch(
      new RegExp(
        `${bad}, line 3, column "amount" \\(position 2\\): Could not convert string "abc" to 'DOUBLE'`,
      ),
    );
    const ragged = join(dir, "ragged.csv");
    writeFileSync(ragged, "id,amount,city\n1,10.5,Paris\n2,3\n");
    const short = readDataset("short", {
      path: ragged,
      schema: { id: "BIGINT", amount: "DOUBLE", city: "VARCHAR" },
    });
    expect(await failureOf([short])).toMatch(
      new RegExp(`${ragged}, line 3: 2 fields where the header has 3`),
    );
  });

  it("a bad value past the inferred sample fails with its line too", async () => {
    const dir = tempDir();
    const file = join(dir, "long.csv");
    const lines = ["id,n"];
    for (let i = 1; i <= 30000; i++) lines.push(`${i},${i}`);
    lines.push("30001,oops");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expect(await failureOf([readDataset("long", { path: file })])).toMatch(
      /long\.csv, line 30002, column "n" \(position 2\): Could not convert string "oops"/,
    );
  });

  it("refuses missing files and Parquet files whose columns are not the declared ones", async () => {
    const dir = tempDir();
    const missing = errorOf(() => readDataset("gone", { path: join(dir, "nothing-*.csv") }));
    expect(missing).toMatchObject({ code: "missing-input" });
    expect(missing.message).toContain("no file matches");
    await writeParquet(join(dir, "p.parquet"), "select 1::bigint as id, 'x' as name");
    const wrong = readDataset("wrong", {
      path: join(dir, "p.parquet"),
      schema: { id: "BIGINT", name: "INTEGER" },
    });
    const error = await pipeline("reads", { steps: [wrong] })
      .preview({ stores: memoryStores() })
      .catch((e: unknown) => e as SluiceError);
    expect(error).toMatchObject({ code: "schema-mismatch" });
    expect((error as SluiceError).message).toContain(
      'column "name" is declared INTEGER but the files have it as VARCHAR',
    );
  });

  it("an edited file reruns the read; a consumer whose input's columns changed runs with upstream-schema-changed", async () => {
    const dir = tempDir();
    const file = join(dir, "sales.csv");
    writeFileSync(file, "region,amount\nnorth,10\nsouth,5\n");
    const sales = readDataset("sales", { path: file });
    const totals = group("totals", {
      input: sales,
      by: ["region"],
      aggregations: { total: sum("amount"), n: count() },
    });
    const flow = pipeline("sales", { steps: [totals] });
    const stores = memoryStores();
    await flow.run({ stores });
    const reasons = async () =>
      Object.fromEntries(
        (await flow.preview({ stores })).toJSON().steps.map((s) => [s.name, s.reason]),
      );
    expect(await reasons()).toEqual({ sales: "complete", totals: "complete" });
    writeFileSync(file, "region,amount\nnorth,10\nsouth,7\n");
    expect(await reasons()).toEqual({ sales: "input-data-changed", totals: "upstream-changed" });
    writeFileSync(file, "region,amount\nnorth,10.5\nsouth,7\n");
    expect(await reasons()).toEqual({
      sales: "input-data-changed",
      totals: "upstream-schema-changed",
    });
    const preview = (await flow.preview({ stores }))
      .toJSON()
      .steps.find((s) => s.name === "totals")!;
    expect(preview.columns).toEqual([
      { name: "region", type: "VARCHAR" },
      { name: "total", type: "DOUBLE" },
      { name: "n", type: "BIGINT" },
    ]);
    const rerun = await flow.run({ stores });
    expect(rerun.steps["totals"]).toMatchObject({
      status: "succeeded",
      reason: "upstream-schema-changed",
    });
    expect(await toRecords((rerun.outputs as Record<string, unknown>)["totals"])).toEqual([
      { region: "north", total: 10.5, n: 1 },
      { region: "south", total: 7, n: 1 },
    ]);
  });
});
