import { existsSync } from "node:fs";
import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { memoryStores, openHome, pipeline, step } from "sluice";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

describe("datasets", () => {
  it("stores arrays of records and Arrow tables as Arrow datasets and gives back equal values", async () => {
    const home = tempDir("sluice-catalog-");
    const records = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      label: `r${i}`,
      score: i / 7,
      ok: i % 3 === 0,
      extra: i % 5 ? "x" : null,
    }));
    const make = step("make", { run: () => records });
    const table = step("table", {
      run: () => tableFromArrays({ a: Float64Array.from([1, 2, 3]), b: ["x", "y", "z"] }),
    });
    const use = step("use", {
      inputs: { rows: make, t: table },
      run: ({ rows, t }) => rows.length + t.numRows,
    });
    const p = pipeline("ds", { steps: [use] });
    const fresh = await p.run({ home });
    expect(fresh.steps.make.output!.kind).toBe("records");
    expect(fresh.steps.table.output!.kind).toBe("table");
    const again = await p.run({ home, force: ["use"] });
    expect(again.steps.make.cached).toBe(true);
    expect(again.outputs.make).toEqual(records);
    expect((again.outputs.table as { numRows: number }).numRows).toBe(3);
    expect(again.outputs.use).toBe(53);
  });

  it("keeps records Arrow would change (nested values) as JSON, still catalogued with a schema", async () => {
    const stores = memoryStores();
    const value = [
      { a: { deep: 1 }, b: 1 },
      { a: { deep: 2 }, b: 2.5 },
    ];
    const result = await pipeline("nested", { steps: [step("nested", { run: () => value })] }).run({
      stores,
    });
    expect(result.steps.nested.output!.kind).toBe("json");
    expect(result.outputs.nested).toEqual(value);
  });

  it("lists, describes and prints datasets from the CLI, and shows lineage", () => {
    const home = tempDir("sluice-catalog-");
    expect(sluice(["run", "test/fixtures/tables.ts", "--quiet"], { home }).code).toBe(0);
    const { datasets } = sluice(["datasets", "--json"], { home }).json();
    const byName = Object.fromEntries(datasets.map((d: { dataset: string }) => [d.dataset, d]));
    expect(byName["tables/rows"]).toMatchObject({ tag: "dataset", kind: "records", rows: 5 });
    expect(byName["tables/arrow"]).toMatchObject({ tag: "dataset", kind: "table", rows: 5 });
    expect(byName["tables/summary"]).toMatchObject({ tag: "metrics", kind: "json" });
    expect(byName["tables/weights"]).toMatchObject({ tag: "model" });
    expect(byName["tables/nested"]).toMatchObject({ tag: "dataset", kind: "json" });
    const schema = sluice(["schema", "tables/rows", "--json"], { home }).json();
    expect(schema.columns.map((c: { name: string }) => c.name)).toEqual([
      "id",
      "name",
      "price",
      "active",
      "note",
    ]);
    expect(schema.columns.find((c: { name: string }) => c.name === "name").type).toBe("Utf8");
    expect(sluice(["schema", "arrow"], { home }).stdout).toMatch(/id\s+Int32/);
    // Whole-number columns are Int64 (as pandas makes them), others Float64; a table shows floats to 15 digits, JSON exactly.
    const types = Object.fromEntries(
      sluice(["schema", "tables/revenue", "--json"], { home })
        .json()
        .columns.map((c: { name: string; type: string }) => [c.name, c.type]),
    );
    expect(types).toEqual({ region: "Utf8", orders: "Int64", revenue: "Float64" });
    expect(schema.columns.find((c: { name: string }) => c.name === "id").type).toBe("Int64");
    expect(schema.columns.find((c: { name: string }) => c.name === "price").type).toBe("Float64");
    const revenueText = sluice(["head", "tables/revenue"], { home }).stdout;
    expect(revenueText).toMatch(/north\s+3\s+13566\.82\n/);
    expect(revenueText).toMatch(/south\s+0\.3\n/);
    expect(sluice(["head", "tables/revenue", "--json"], { home }).json().rows).toEqual([
      { region: "north", orders: 3, revenue: 13566.820000000002 },
      { region: "south", orders: null, revenue: 0.30000000000000004 },
    ]);
    const head = sluice(["head", "rows", "-n", "2", "--json"], { home }).json();
    expect(head.rows).toEqual([
      { id: 0, name: "item 0", price: 0, active: true, note: "ok" },
      { id: 1, name: "item 1", price: 1.5, active: false, note: "ok" },
    ]);
    expect(sluice(["head", "tables/arrow", "-n", "1"], { home }).stdout).toMatch(/id\s+price/);
    expect(sluice(["head", "nope"], { home }).code).toBe(2);
    const lineage = sluice(["lineage", "tables/arrow", "--json"], { home }).json();
    expect(lineage.madeBy[0]).toMatchObject({ pipeline: "tables", step: "arrow" });
    expect(lineage.upstream.map((l: { step: string }) => l.step)).toEqual(["rows"]);
    expect(lineage.downstream.map((l: { step: string }) => l.step)).toEqual(["summary"]);
    const fromRows = sluice(["lineage", "rows", "--json"], { home }).json();
    expect(fromRows.downstream.map((l: { step: string }) => l.step).sort()).toEqual([
      "arrow",
      "summary",
      "weights",
    ]);
  });
});

describe("lineage through one field of an output", () => {
  it("follows an input wired with .out(field) up to the step whose output holds that field", () => {
    const home = tempDir("sluice-catalog-");
    expect(sluice(["run", "examples/iris/pipeline.ts", "--quiet"], { home }).code).toBe(0);
    const lineage = sluice(["lineage", "iris/evaluate", "--json"], { home }).json();
    expect(lineage.upstream.map((l: { step: string }) => l.step).sort()).toEqual([
      "load",
      "split",
      "train",
      "validate",
    ]);
    const split = lineage.upstream.find((l: { step: string }) => l.step === "split");
    // Each link names the instance it was reached from: its edge in a lineage graph.
    const via = (step: string) =>
      lineage.upstream.find((l: { step: string }) => l.step === step).via.step;
    expect(via("train")).toBe("evaluate");
    expect(via("load")).toBe("validate");
    expect(lineage.upstream.find((l: { step: string }) => l.step === "train").depth).toBe(1);
    expect(
      sluice(["show", lineage.madeBy[0].runId, "--json"], { home })
        .json()
        .steps.find((s: { name: string }) => s.name === "split").output.hash,
    ).toBe(split.artifact);
  });
});

describe("gc", () => {
  it("removes old runs and unreferenced outputs, never the newest output of a step", async () => {
    const home = tempDir("sluice-catalog-");
    for (const n of [1, 2, 3])
      expect(
        sluice(["run", "test/fixtures/basic.ts", "--quiet", "--param", `n=${n}`], { home }).code,
      ).toBe(0);
    expect(sluice(["gc"], { home }).code).toBe(2);
    const dry = sluice(["gc", "--keep-last", "1", "--dry-run", "--json"], { home }).json();
    expect(dry).toMatchObject({ runs: 2, dryRun: true });
    expect(sluice(["runs", "--json"], { home }).json().runs).toHaveLength(3);
    const done = sluice(["gc", "--keep-last", "1", "--json"], { home }).json();
    expect(done).toMatchObject({ runs: 2, dryRun: false });
    expect(done.artifacts).toBeGreaterThan(0);
    expect(sluice(["runs", "--json"], { home }).json().runs).toHaveLength(1);
    // The newest output of each step instance stays: every parameter set is still complete.
    for (const n of [1, 2, 3]) {
      const preview = sluice(["preview", "test/fixtures/basic.ts", "--json", "--param", `n=${n}`], {
        home,
      }).json();
      const numbers = preview.steps.find((s: { name: string }) => s.name === "numbers");
      expect(numbers.status).toBe("complete");
    }
    expect(sluice(["gc", "--older-than", "30d", "--json"], { home }).json().runs).toBe(0);
    expect(sluice(["gc", "--older-than", "soon"], { home }).code).toBe(2);
  });

  it("removes an old run's large output file once nothing needs it", async () => {
    const home = tempDir("sluice-catalog-");
    let version = 0;
    const big = step("big", {
      cache: false,
      run: () => Array.from({ length: 30_000 }, (_, i) => `v${version} ${i}`),
    });
    const p = pipeline("gc-files", { steps: [big] });
    version = 1;
    const first = await p.run({ home });
    version = 2;
    await p.run({ home });
    const opened = await openHome(home);
    const oldFile = opened.artifacts.pathOf(first.steps.big.output!.hash);
    expect(existsSync(oldFile)).toBe(true);
    expect(
      sluice(["gc", "--keep-last", "1", "--json"], { home }).json().bytesFreed,
    ).toBeGreaterThan(64 * 1024);
    expect(existsSync(oldFile)).toBe(false);
  });
});
