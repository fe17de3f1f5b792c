import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { memoryStores, openHome, pipeline, step } from "sluice";

const root = fileURLToPath(new URL("..", import.meta.url));
const tempHome = () => mkdtempSync(join(tmpdir(), "sluice-catalog-"));

function sluice(home: string, args: string[]) {
  const child = spawnSync(process.execPath, ["bin/sluice.js", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr, json: () => JSON.parse(child.stdout) };
}

describe("datasets", () => {
  it("stores arrays of records and Arrow tables as Arrow datasets and gives back equal values", async () => {
    const home = tempHome();
    const records = Array.from({ length: 50 }, (_, i) => ({ id: i, label: `r${i}`, score: i / 7, ok: i % 3 === 0, extra: i % 5 ? "x" : null }));
    const make = step("make", { run: () => records });
    const table = step("table", { run: () => tableFromArrays({ a: Float64Array.from([1, 2, 3]), b: ["x", "y", "z"] }) });
    const use = step("use", { inputs: { rows: make, t: table }, run: ({ rows, t }) => rows.length + t.numRows });
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
    const value = [{ a: { deep: 1 }, b: 1 }, { a: { deep: 2 }, b: 2.5 }];
    const result = await pipeline("nested", { steps: [step("nested", { run: () => value })] }).run({ stores });
    expect(result.steps.nested.output!.kind).toBe("json");
    expect(result.outputs.nested).toEqual(value);
  });

  it("lists, describes and prints datasets from the CLI, and shows lineage", () => {
    const home = tempHome();
    expect(sluice(home, ["run", "test/fixtures/tables.ts", "--quiet"]).code).toBe(0);
    const { datasets } = sluice(home, ["datasets", "--json"]).json();
    const byName = Object.fromEntries(datasets.map((d: { dataset: string }) => [d.dataset, d]));
    expect(byName["tables/rows"]).toMatchObject({ tag: "dataset", kind: "records", rows: 5 });
    expect(byName["tables/arrow"]).toMatchObject({ tag: "dataset", kind: "table", rows: 5 });
    expect(byName["tables/summary"]).toMatchObject({ tag: "metrics", kind: "json" });
    expect(byName["tables/weights"]).toMatchObject({ tag: "model" });
    expect(byName["tables/nested"]).toMatchObject({ tag: "dataset", kind: "json" });
    const schema = sluice(home, ["schema", "tables/rows", "--json"]).json();
    expect(schema.columns.map((c: { name: string }) => c.name)).toEqual(["id", "name", "price", "active", "note"]);
    expect(schema.columns.find((c: { name: string }) => c.name === "name").type).toBe("Utf8");
    expect(sluice(home, ["schema", "arrow"]).stdout).toMatch(/id\s+Int32/);
    // Whole-number columns are Int64 (as pandas makes them), others Float64; a table shows floats to 15 digits, JSON exactly.
    const types = Object.fromEntries(sluice(home, ["schema", "tables/revenue", "--json"]).json().columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    expect(types).toEqual({ region: "Utf8", orders: "Int64", revenue: "Float64" });
    expect(schema.columns.find((c: { name: string }) => c.name === "id").type).toBe("Int64");
    expect(schema.columns.find((c: { name: string }) => c.name === "price").type).toBe("Float64");
    const revenueText = sluice(home, ["head", "tables/revenue"]).stdout;
    expect(revenueText).toMatch(/north\s+3\s+13566\.82\n/);
    expect(revenueText).toMatch(/south\s+0\.3\n/);
    expect(sluice(home, ["head", "tables/revenue", "--json"]).json().rows).toEqual([
      { region: "north", orders: 3, revenue: 13566.820000000002 },
      { region: "south", orders: null, revenue: 0.30000000000000004 },
    ]);
    const head = sluice(home, ["head", "rows", "-n", "2", "--json"]).json();
    expect(head.rows).toEqual([
      { id: 0, name: "item 0", price: 0, active: true, note: "ok" },
      { id: 1, name: "item 1", price: 1.5, active: false, note: "ok" },
    ]);
    expect(sluice(home, ["head", "tables/arrow", "-n", "1"]).stdout).toMatch(/id\s+price/);
    expect(sluice(home, ["head", "nope"]).code).toBe(2);
    const lineage = sluice(home, ["lineage", "tables/arrow", "--json"]).json();
    expect(lineage.madeBy[0]).toMatchObject({ pipeline: "tables", step: "arrow" });
    expect(lineage.upstream.map((l: { step: string }) => l.step)).toEqual(["rows"]);
    expect(lineage.downstream.map((l: { step: string }) => l.step)).toEqual(["summary"]);
    const fromRows = sluice(home, ["lineage", "rows", "--json"]).json();
    expect(fromRows.downstream.map((l: { step: string }) => l.step).sort()).toEqual(["arrow", "summary", "weights"]);
  });
});

describe("lineage through one field of an output", () => {
  it("follows an input wired with .out(field) up to the step whose output holds that field", () => {
    const home = tempHome();
    expect(sluice(home, ["run", "examples/iris/pipeline.ts", "--quiet"]).code).toBe(0);
    const lineage = sluice(home, ["lineage", "iris/evaluate", "--json"]).json();
    expect(lineage.upstream.map((l: { step: string }) => l.step).sort()).toEqual(["load", "split", "train", "validate"]);
    const split = lineage.upstream.find((l: { step: string }) => l.step === "split");
    expect(sluice(home, ["show", lineage.madeBy[0].runId, "--json"]).json().steps.find((s: { name: string }) => s.name === "split").output.hash).toBe(split.artifact);
  });
});

describe("gc", () => {
  it("removes old runs and unreferenced outputs, never the newest output of a step", async () => {
    const home = tempHome();
    for (const n of [1, 2, 3]) expect(sluice(home, ["run", "test/fixtures/basic.ts", "--quiet", "--param", `n=${n}`]).code).toBe(0);
    expect(sluice(home, ["gc"]).code).toBe(2);
    const dry = sluice(home, ["gc", "--keep-last", "1", "--dry-run", "--json"]).json();
    expect(dry).toMatchObject({ runs: 2, dryRun: true });
    expect(sluice(home, ["runs", "--json"]).json().runs).toHaveLength(3);
    const done = sluice(home, ["gc", "--keep-last", "1", "--json"]).json();
    expect(done).toMatchObject({ runs: 2, dryRun: false });
    expect(done.artifacts).toBeGreaterThan(0);
    expect(sluice(home, ["runs", "--json"]).json().runs).toHaveLength(1);
    // The newest output of each step instance stays: every parameter set is still complete.
    for (const n of [1, 2, 3]) {
      const preview = sluice(home, ["preview", "test/fixtures/basic.ts", "--json", "--param", `n=${n}`]).json();
      const numbers = preview.steps.find((s: { name: string }) => s.name === "numbers");
      expect(numbers.status).toBe("complete");
    }
    expect(sluice(home, ["gc", "--older-than", "30d", "--json"]).json().runs).toBe(0);
    expect(sluice(home, ["gc", "--older-than", "soon"]).code).toBe(2);
  });

  it("removes an old run's large output file once nothing needs it", async () => {
    const home = tempHome();
    let version = 0;
    const big = step("big", { cache: false, run: () => Array.from({ length: 30_000 }, (_, i) => `v${version} ${i}`) });
    const p = pipeline("gc-files", { steps: [big] });
    version = 1;
    const first = await p.run({ home });
    version = 2;
    await p.run({ home });
    const opened = await openHome(home);
    const oldFile = opened.artifacts.pathOf(first.steps.big.output!.hash);
    expect(existsSync(oldFile)).toBe(true);
    expect(sluice(home, ["gc", "--keep-last", "1", "--json"]).json().bytesFreed).toBeGreaterThan(64 * 1024);
    expect(existsSync(oldFile)).toBe(false);
  });
});
