// The recipes on real DuckDB, over small CSV fixtures whose results are worked out by hand: each
// recipe's rows and recorded schema, reuse of an unchanged recipe, recipes and TypeScript steps in
// one pipeline, checks, and the errors of bad recipes (before the run where the columns are known).
import { describe, expect, it } from "vitest";
import { memoryStores, pipeline, step, type AnyStep, type Stores } from "sluice";
import {
  acceptedValues,
  assertRows,
  avg,
  cast,
  check,
  count,
  dedupe,
  derive,
  dropColumns,
  fillNull,
  filter,
  group,
  join,
  lag,
  notNull,
  pivot,
  prepare,
  rank,
  readDataset,
  rename,
  rowCount,
  runningSum,
  sample,
  sort,
  split,
  sql,
  stack,
  sum,
  tableStep,
  toArrow,
  toRecords,
  top,
  unique,
  window,
} from "@sluice/duckdb";
import { SluiceError } from "sluice";

const orders = () => readDataset("orders", { path: "fixtures/orders.csv" });
const customers = () => readDataset("customers", { path: "fixtures/customers.csv" });

/** The SluiceError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise;
  } catch (error) {
    if (SluiceError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a SluiceError");
}

/** Runs the steps in a pipeline on `stores` and gives each final step's output as records. */
async function rowsOf(steps: AnyStep[], stores: Stores = memoryStores()) {
  const result = await pipeline("recipes", { steps }).run({ stores });
  const failed = Object.values(result.steps).find((s) => s.error);
  if (failed) throw new Error(`${failed.name}: ${failed.error!.message}`);
  const outputs = result.outputs as Record<string, unknown>;
  const rows: Record<string, Array<Record<string, unknown>>> = {};
  for (const s of steps) rows[s.name] = await toRecords(outputs[s.name]);
  return { rows, result };
}

describe("recipes", () => {
  it("group aggregates per key in key order, and join matches the aggregates with another dataset", async () => {
    const totals = group("totals", {
      input: orders(),
      by: ["customer_id"],
      aggregations: { total: sum("amount"), n: count(), mean: avg("amount") },
    });
    const joined = join("joined", { left: totals, right: customers(), on: "customer_id" });
    const { rows } = await rowsOf([joined]);
    expect(rows["joined"]).toEqual([
      { customer_id: 10, total: 30, n: 2, mean: 15, name: "Ada", segment: "gold" },
      { customer_id: 11, total: 17.25, n: 2, mean: 8.625, name: "Bob", segment: "silver" },
      { customer_id: 12, total: 100, n: 1, mean: 100, name: "Cy", segment: "gold" },
    ]);
  });

  it("records each output's schema in the catalog, with the types the Parquet file gives back", async () => {
    const stores = memoryStores();
    const totals = group("totals", {
      input: orders(),
      by: ["city"],
      aggregations: { n: count(), total: sum("customer_id") },
    });
    await rowsOf([totals], stores);
    const [entry] = await stores.catalog!.findDatasets("recipes/totals");
    expect(entry).toMatchObject({ kind: "parquet", tag: "dataset", rows: 3 });
    // sum() of integers is a 128-bit integer in DuckDB: stored as BIGINT, not as a DOUBLE.
    expect(entry!.columns).toEqual([
      { name: "city", type: "VARCHAR" },
      { name: "n", type: "BIGINT" },
      { name: "total", type: "BIGINT" },
    ]);
    const [source] = await stores.catalog!.findDatasets("recipes/orders");
    expect(source!.columns!.map((c) => `${c.name} ${c.type}`)).toEqual([
      "order_id BIGINT",
      "customer_id BIGINT",
      "amount DOUBLE",
      "city VARCHAR",
    ]);
  });

  it("left and full joins keep unmatched rows; right columns the left also has get a suffix", async () => {
    const visits = step("visits", {
      run: () => [
        { customer_id: 11, name: "Bobby" },
        { customer_id: 13, name: "Dee" },
      ],
    });
    const c = customers();
    const left = join("left_join", {
      left: c,
      right: visits,
      on: "customer_id",
      type: "left",
    });
    const full = join("full_join", {
      left: c,
      right: visits,
      on: "customer_id",
      type: "full",
    });
    const { rows } = await rowsOf([left, full]);
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      Number(a["customer_id"]) - Number(b["customer_id"]);
    expect(rows["left_join"]!.sort(byId)).toEqual([
      { customer_id: 10, name: "Ada", segment: "gold", name_right: null },
      { customer_id: 11, name: "Bob", segment: "silver", name_right: "Bobby" },
      { customer_id: 12, name: "Cy", segment: "gold", name_right: null },
    ]);
    expect(
      rows["full_join"]!.sort(byId).map((r) => [r["customer_id"], r["name"], r["name_right"]]),
    ).toEqual([
      [10, "Ada", null],
      [11, "Bob", "Bobby"],
      [12, "Cy", null],
      [13, null, "Dee"],
    ]);
  });

  it("prepare applies its operations in order", async () => {
    const raw = step("raw", {
      run: () => [
        { id: 1, amount: "10", city: null, note: "a" },
        { id: 1, amount: "10", city: null, note: "a" },
        { id: 2, amount: "-3", city: "Lyon", note: "b" },
        { id: 3, amount: "7", city: "Nice", note: "c" },
      ],
    });
    const clean = prepare("clean", {
      input: raw,
      ops: [
        rename({ note: "comment" }),
        cast({ amount: "INTEGER" }),
        fillNull({ city: "unknown" }),
        filter("amount > 0"),
        derive("double", "amount * 2"),
        dropColumns("comment"),
        dedupe(),
      ],
    });
    const sorted = sort("sorted", { input: clean, by: ["id"] });
    const { rows } = await rowsOf([sorted]);
    expect(rows["sorted"]).toEqual([
      { id: 1, amount: 10, city: "unknown", double: 20 },
      { id: 3, amount: 7, city: "Nice", double: 14 },
    ]);
  });

  it("sql, stack, sort, window, pivot, split, sample and top", async () => {
    const o = orders();
    const c = customers();
    const bySegment = sql("by_segment", {
      inputs: { o, c },
      query:
        "select segment, sum(amount) as total from o join c using (customer_id) group by segment order by segment",
    });
    const both = stack("both", { inputs: [o, o] });
    const sorted = sort("sorted", { input: o, by: [{ column: "amount", descending: true }] });
    const ranked = window("ranked", {
      input: o,
      partitionBy: ["city"],
      orderBy: ["order_id"],
      columns: { position: rank(), previous: lag("amount"), running: runningSum("amount") },
    });
    const pivoted = pivot("pivoted", {
      input: o,
      index: ["customer_id"],
      on: "city",
      value: sum("amount"),
      categories: ["Paris", "Lyon"],
    });
    const [train, test] = split("parts", { input: o, ratio: 0.5, seed: 7 });
    const sampled = sample("sampled", { input: o, rows: 2, seed: 3 });
    const biggest = top("biggest", {
      input: o,
      by: [{ column: "amount", descending: true }],
      n: 1,
      partitionBy: ["city"],
    });
    const { rows } = await rowsOf([
      bySegment,
      both,
      sorted,
      ranked,
      pivoted,
      train,
      test,
      sampled,
      biggest,
    ]);
    expect(rows["by_segment"]).toEqual([
      { segment: "gold", total: 130 },
      { segment: "silver", total: 17.25 },
    ]);
    expect(rows["both"]).toHaveLength(10);
    expect(rows["sorted"]!.map((r) => r["amount"])).toEqual([100, 25.5, 10, 7.25, 4.5]);
    expect(
      rows["ranked"]!.map((r) => [
        r["city"],
        r["order_id"],
        r["position"],
        r["previous"],
        r["running"],
      ]),
    ).toEqual([
      ["Lyon", 2, 1, null, 10],
      ["Lyon", 5, 2, 10, 17.25],
      ["Nice", 4, 1, null, 100],
      ["Paris", 1, 1, null, 25.5],
      ["Paris", 3, 2, 25.5, 30],
    ]);
    expect(rows["pivoted"]).toEqual([
      { customer_id: 10, Paris: 30, Lyon: null },
      { customer_id: 11, Paris: null, Lyon: 17.25 },
      { customer_id: 12, Paris: null, Lyon: null },
    ]);
    // The two parts of a split are disjoint and cover the input.
    const ids = (name: string) => rows[name]!.map((r) => Number(r["order_id"]));
    expect([...ids("parts_train"), ...ids("parts_test")].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(rows["sampled"]).toHaveLength(2);
    expect(rows["biggest"]!.map((r) => [r["city"], r["amount"]])).toEqual([
      ["Lyon", 10],
      ["Nice", 100],
      ["Paris", 25.5],
    ]);
  });

  it("split and sample are reproducible: the same seed gives the same rows", async () => {
    const make = () => {
      const o = orders();
      const [a] = split("parts", { input: o, ratio: 0.6, seed: 11 });
      return [a!, sample("sampled", { input: o, fraction: 0.5, seed: 11 })];
    };
    const first = await rowsOf(make());
    const second = await rowsOf(make());
    expect(second.rows).toEqual(first.rows);
  });

  it("reuses an unchanged recipe, and reruns an edited one (code-changed) whose unchanged output leaves its consumer complete", async () => {
    const stores = memoryStores();
    const build = (by: string[]) => {
      const totals = group("totals", { input: orders(), by, aggregations: { n: count() } });
      return tableStep("report", {
        inputs: { totals },
        run: ({ totals }) => ({ groups: totals.length }),
      });
    };
    await pipeline("recipes", { steps: [build(["city"])] }).run({ stores });
    const again = await pipeline("recipes", { steps: [build(["city"])] }).run({ stores });
    expect(again.summary().complete.sort()).toEqual(["orders", "report", "totals"]);
    const changed = pipeline("recipes", { steps: [build(["customer_id"])] });
    const plan = (await changed.preview({ stores })).toJSON().steps;
    expect(plan.find((s) => s.name === "totals")).toMatchObject({
      status: "pending",
      reason: "code-changed",
    });
    const result = await changed.run({ stores });
    expect(result.outputs["report"]).toEqual({ groups: 3 });
  });

  it("a TypeScript step over datasets reruns when its own body changes (code-changed)", async () => {
    const stores = memoryStores();
    const o = orders();
    const first = tableStep("count_rows", { inputs: { o }, run: ({ o }) => o.length });
    await pipeline("recipes", { steps: [first] }).run({ stores });
    const same = tableStep("count_rows", { inputs: { o }, run: ({ o }) => o.length });
    const edited = tableStep("count_rows", { inputs: { o }, run: ({ o }) => o.length * 2 });
    const reasonOf = async (s: AnyStep) =>
      (await pipeline("recipes", { steps: [s] }).preview({ stores }))
        .toJSON()
        .steps.find((p) => p.name === "count_rows")!.reason;
    expect(await reasonOf(same)).toBe("complete");
    expect(await reasonOf(edited)).toBe("code-changed");
  });

  it("mixes TypeScript steps and recipes: records and Arrow tables in, records and Arrow out", async () => {
    const scores = step("scores", {
      run: () => [
        { id: 1, score: 0.5 },
        { id: 2, score: 0.75 },
        { id: 2, score: 0.25 },
      ],
    });
    const perId = group("per_id", {
      input: scores,
      by: ["id"],
      aggregations: { best: sum("score") },
    });
    const asArrow = step("as_arrow", {
      inputs: { perId },
      run: async ({ perId }) => toArrow(perId),
    });
    const doubled = sql("doubled", {
      inputs: { t: asArrow },
      query: "select id, best * 2 as twice from t order by id",
    });
    const final = tableStep("final", {
      inputs: { doubled },
      as: "arrow",
      run: ({ doubled }) => (doubled as unknown as { numRows: number }).numRows,
    });
    const { rows, result } = await rowsOf([doubled]);
    expect(rows["doubled"]).toEqual([
      { id: 1, twice: 1 },
      { id: 2, twice: 2 },
    ]);
    const withFinal = await pipeline("recipes", { steps: [final] }).run({ stores: memoryStores() });
    expect(withFinal.outputs["final"]).toBe(2);
    expect(result.status).toBe("succeeded");
  });

  it("checks fail the step with the offending rows' count and the first rows", async () => {
    const o = orders();
    const cases: Array<[ReturnType<typeof check>, RegExp]> = [
      [
        check("count", { input: o, checks: [rowCount({ min: 10 })] }),
        /row count >= 10" failed: the output has 5 rows/,
      ],
      [
        check("cities", { input: o, checks: [acceptedValues("city", ["Paris", "Lyon"])] }),
        /1 rows break it; the first 1: \{.*"city":"Nice"/,
      ],
      [
        check("keys", { input: o, checks: [unique("customer_id")] }),
        /unique customer_id" failed: 2 duplicated keys/,
      ],
      [
        check("positive", { input: o, checks: [assertRows("amount > 8", "amounts above 8")] }),
        /amounts above 8" failed: 2 rows break it/,
      ],
    ];
    for (const [recipe, message] of cases) {
      const result = await pipeline("checks", { steps: [recipe] }).run({ stores: memoryStores() });
      expect(result.status).toBe("failed");
      expect(result.steps[recipe.name]!.error?.message).toMatch(message);
    }
    const passing = check("ok", {
      input: o,
      checks: [notNull("order_id"), unique("order_id"), rowCount({ min: 1, max: 5 })],
    });
    const { rows } = await rowsOf([passing]);
    expect(rows["ok"]).toHaveLength(5);
  });

  it("refuses a missing column before the run, naming it with a did-you-mean", async () => {
    const totals = group("totals", { input: orders(), by: ["cty"], aggregations: { n: count() } });
    const error = await rejection(
      pipeline("bad", { steps: [totals] }).preview({ stores: memoryStores() }),
    );
    expect(error).toMatchObject({ code: "schema-mismatch" });
    expect(error.message).toContain('column "cty" does not exist in input "orders"');
    expect(error.message).toContain('Did you mean "city"?');
    const inSql = sql("in_sql", { inputs: { o: orders() }, query: "select amout from o" });
    const sqlError = await rejection(
      pipeline("bad", { steps: [inSql] }).run({ stores: memoryStores() }),
    );
    expect(sqlError.message).toMatch(/column "amout" does not exist.*Did you mean "amount"\?/);
    const expecting = tableStep("uses", {
      inputs: { o: orders() },
      expects: { o: ["amount", "region"] },
      run: () => 1,
    });
    const codeError = await rejection(
      pipeline("bad", { steps: [expecting] }).run({ stores: memoryStores() }),
    );
    expect(codeError).toMatchObject({ code: "schema-mismatch" });
    expect(codeError.message).toContain('column "region" does not exist in input "o"');
  });

  it("refuses a join whose keys have different types, and fails a cast that does not convert", async () => {
    const text = prepare("text_ids", {
      input: customers(),
      ops: [cast({ customer_id: "VARCHAR" })],
    });
    const joined = join("joined", { left: orders(), right: text, on: "customer_id" });
    const error = await rejection(
      pipeline("bad", { steps: [joined] }).preview({ stores: memoryStores() }),
    );
    expect(error.message).toContain(
      'the join key "customer_id" is BIGINT in "orders" but "customer_id" is VARCHAR in "text_ids"',
    );
    const badCast = prepare("bad_cast", { input: orders(), ops: [cast({ city: "INTEGER" })] });
    const result = await pipeline("bad", { steps: [badCast] }).run({ stores: memoryStores() });
    expect(result.steps["bad_cast"]!.error?.message).toMatch(
      /a value does not convert: .*Could not convert string 'Paris' to INT32/,
    );
  });
});
