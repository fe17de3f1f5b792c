// Recipes through the real CLI and server, as a user drives them: the seed's aggregate + join example
// previewed (columns shown before anything runs), run, rerun from cache; its schema and rows through
// `sluice schema`, `sluice head` and the HTTP API; and a recipe naming a column its input lacks,
// refused with exit 2 before anything runs.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SluiceClient } from "@sluice/client";
import { root, sluice, startSluice } from "../../../test/support/cli.js";
import { createKey } from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { PG_URL, dropSchema, freshSchema } from "../../../test/support/postgres.js";
import pg from "pg";

const example = "examples/recipes/aggregate-join.ts";

describe("recipes through the CLI", () => {
  it("previews the columns, runs the example, reuses it, and shows its schema and rows", () => {
    const home = tempDir();
    const preview = sluice(["preview", example, "--json"], { home });
    expect(preview.code).toBe(0);
    const join = preview
      .json()
      .steps.find((s: { name: string }) => s.name === "join_ML_TRAINING_DATA");
    expect(join).toMatchObject({ status: "pending", reason: "missing-output" });
    expect(join.columns.map((c: { name: string }) => c.name)).toEqual([
      "patient_id",
      "age",
      "sex",
      "readmitted",
      "lab_tests",
      "distinct_tests",
      "mean_value",
      "last_taken_on",
      "notes",
      "mean_words",
    ]);
    const run = sluice(["run", example], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain("7 ran");
    const again = sluice(["run", example], { home });
    expect(again.stdout + again.stderr).toContain("7 complete");

    const schema = sluice(["schema", "ml_training_data/join_ML_TRAINING_DATA", "--json"], { home });
    expect(schema.code).toBe(0);
    // The columns recorded when it ran are the ones preview derived.
    expect(schema.json().columns).toEqual(join.columns);
    expect(schema.json()).toMatchObject({ kind: "parquet", rows: 60 });
    const head = sluice(
      ["head", "ml_training_data/group_CLINICAL_NOTES_AGG", "-n", "2", "--json"],
      { home },
    );
    expect(head.json().rows).toHaveLength(2);
    expect(Object.keys(head.json().rows[0])).toEqual(["patient_id", "notes", "mean_words"]);
    const output = sluice(["output", example, "group_CLINICAL_NOTES_AGG", "--json"], { home });
    const notes = sluice(["schema", "ml_training_data/group_CLINICAL_NOTES_AGG", "--json"], {
      home,
    });
    expect(output.json()).toHaveLength(notes.json().rows);
    expect(output.json()[0]).toEqual(head.json().rows[0]);
  });

  it("refuses a recipe naming a missing column with exit 2 before anything runs", () => {
    const dir = tempDir(".tmp-", join(root, "packages/duckdb/test"));
    const file = join(dir, "bad.ts");
    writeFileSync(
      file,
      `import { pipeline } from "sluice";
import { count, group, readDataset } from "@sluice/duckdb";
const labs = readDataset("labs", { path: ${JSON.stringify(join(root, "examples/recipes/data/lab_results.csv"))} });
const agg = group("agg", { input: labs, by: ["patientid"], aggregations: { n: count() } });
export default pipeline("bad", { steps: [agg] });
`,
    );
    const home = tempDir();
    for (const command of ["preview", "run"]) {
      const result = sluice([command, file], { home });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('column "patientid" does not exist in input "labs"');
      expect(result.stderr).toContain('Did you mean "patient_id"?');
    }
    expect(sluice(["runs", "--json"], { home }).json().runs).toEqual([]);
  });

  it("serves a recipe output's schema and rows over the HTTP API", async () => {
    const home = tempDir();
    const cwd = join(root, "packages/duckdb/test/fixtures/workspace");
    const { key } = await createKey(home, "recipes");
    const server = startSluice(["server", "--port", "0"], { home, cwd });
    try {
      const [, url] = (await server.waitForStderr(/listening on (http:\/\/\S+)/)) as [
        string,
        string,
      ];
      const client = new SluiceClient({ baseUrl: url, apiKey: key }).project("recipes");
      const preview = await client.flow("ml_training_data").preview();
      expect(preview.steps.find((s) => s.name === "group_CLINICAL_NOTES_AGG")?.columns).toEqual([
        { name: "patient_id", type: "BIGINT" },
        { name: "notes", type: "BIGINT" },
        { name: "mean_words", type: "DOUBLE" },
      ]);
      const job = await client.flow("ml_training_data").run({ wait: true, noFail: true });
      expect(job.status).toBe("succeeded");
      const schema = await client.dataset("ml_training_data/group_LAB_RESULTS_AGG").schema();
      expect(schema.columns).toEqual([
        { name: "patient_id", type: "BIGINT" },
        { name: "lab_tests", type: "BIGINT" },
        { name: "distinct_tests", type: "BIGINT" },
        { name: "mean_value", type: "DOUBLE" },
        { name: "last_taken_on", type: "DATE" },
      ]);
      const rows = await client.dataset("ml_training_data/group_LAB_RESULTS_AGG").rows(1);
      expect(rows.rows[0]).toMatchObject({ patient_id: 1 });
    } finally {
      server.child.kill("SIGTERM");
      await server.result;
    }
  });

  it.runIf(PG_URL)(
    "loads the ETL example into PostgreSQL with the connection from the environment, and keeps its password out of every record",
    async () => {
      const schema = freshSchema();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
        const url = new URL(PG_URL!);
        url.searchParams.set("options", `-c search_path=${schema}`);
        const home = tempDir();
        const run = sluice(["run", "examples/recipes/etl-warehouse.ts"], {
          home,
          env: { WAREHOUSE_URL: url.toString() },
        });
        expect(run.code, run.stderr).toBe(0);
        const loaded = await client.query(`SELECT count(*)::int AS n FROM ${schema}.orders_eur`);
        expect(loaded.rows[0].n).toBeGreaterThan(0);
        const output = sluice(
          ["output", "examples/recipes/etl-warehouse.ts", "sync_orders", "--json"],
          {
            home,
            env: { WAREHOUSE_URL: url.toString() },
          },
        );
        expect(output.stdout).toContain('"rowsWritten"');
        const secret = `:${url.password}@`;
        expect(run.stdout + run.stderr + output.stdout).not.toContain(secret);
        for (const file of filesUnder(home))
          expect(readFileSync(file, "latin1")).not.toContain(secret);
      } finally {
        await client.end();
        await dropSchema(schema);
      }
    },
  );
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
