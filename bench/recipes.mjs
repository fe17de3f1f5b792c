// Recipes on DuckDB (issue 20) beside the same queries run directly through @duckdb/node-api, and a
// plain TypeScript implementation over records, in one process and one session, on generated data:
//   group: 10 million rows into 1000 groups (sum, count), Parquet in, Parquet out;
//   join:  two 1-million-row datasets on their key, Parquet in, Parquet out.
// sluice runs each as a pipeline (readDataset -> recipe) on the embedded default store (SQLite + the
// artifact folder, fsync'd), forced to rerun every time: all of it (the data changed), and the recipe
// alone (the recipe was edited). Its time includes planning, file change detection, DuckDB, and
// storing the output. Medians of BENCH_RUNS (default 3)
// alternating samples. Standalone: `node bench/recipes.mjs` (after `npm run build`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquetReadObjects } from "hyparquet";
import { homeStores, pipeline } from "sluice";
import { group, join as joinRecipe, readDataset, sum, count } from "@sluice/duckdb";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const data = join(root, "bench/.tmp/recipes");
const GROUP_ROWS = 10_000_000;
const JOIN_ROWS = 1_000_000;

async function generate(db) {
  mkdirSync(data, { recursive: true });
  const events = join(data, "events.parquet");
  if (!existsSync(events))
    await db.run(
      `COPY (SELECT (range * 7919 % 1000)::BIGINT AS k, (range % 997) / 10.0 AS v, range AS id FROM range(${GROUP_ROWS})) TO '${events}' (FORMAT parquet)`,
    );
  const left = join(data, "left.parquet");
  const right = join(data, "right.parquet");
  if (!existsSync(left))
    await db.run(
      `COPY (SELECT range AS id, (range % 100)::BIGINT AS a FROM range(${JOIN_ROWS})) TO '${left}' (FORMAT parquet)`,
    );
  if (!existsSync(right))
    await db.run(
      `COPY (SELECT (${JOIN_ROWS} - 1 - range) AS id, range / 3.0 AS b FROM range(${JOIN_ROWS})) TO '${right}' (FORMAT parquet)`,
    );
  return { events, left, right };
}

const GROUP_SQL = (source) =>
  `SELECT "k", sum("v") AS "total", count(*) AS "n" FROM ${source} GROUP BY "k" ORDER BY "k"`;
const JOIN_SQL = (left, right) =>
  `SELECT l."id", l."a", r."b" FROM ${left} AS l INNER JOIN ${right} AS r ON l."id" = r."id"`;

async function timed(fn) {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The same query straight through @duckdb/node-api: Parquet to Parquet. */
async function raw(db, query, out) {
  return timed(async () => {
    await db.run(`COPY (${query}) TO '${out}' (FORMAT parquet)`);
  });
}

/** Plain TypeScript over records: read the Parquet file(s) with hyparquet, aggregate or join with a Map. */
async function plainGroup(events) {
  return timed(async () => {
    const rows = await parquetReadObjects({ file: bufferOf(events), columns: ["k", "v"] });
    const groups = new Map();
    for (const row of rows) {
      const key = Number(row.k);
      const g = groups.get(key);
      if (g) {
        g.total += row.v;
        g.n++;
      } else groups.set(key, { k: key, total: row.v, n: 1 });
    }
    return [...groups.values()].sort((a, b) => a.k - b.k);
  });
}

async function plainJoin(left, right) {
  return timed(async () => {
    const l = await parquetReadObjects({ file: bufferOf(left) });
    const r = await parquetReadObjects({ file: bufferOf(right) });
    const byId = new Map(r.map((row) => [row.id, row.b]));
    const out = [];
    for (const row of l) {
      const b = byId.get(row.id);
      if (b !== undefined) out.push({ id: row.id, a: row.a, b });
    }
    return out;
  });
}

function bufferOf(path) {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

export async function measureRecipes({ runs = Number(process.env.BENCH_RUNS ?? 3) } = {}) {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  const { events, left, right } = await generate(db);
  const tmp = mkdtempSync(join(os.tmpdir(), "sluice-recipes-bench-"));
  const stores = await homeStores(join(tmp, "home"));
  const groupFlow = pipeline("bench_group", {
    steps: [
      group("totals", {
        input: readDataset("events", { path: events }),
        by: ["k"],
        aggregations: { total: sum("v"), n: count() },
      }),
    ],
  });
  const joinFlow = pipeline("bench_join", {
    steps: [
      joinRecipe("joined", {
        left: readDataset("left", { path: left }),
        right: readDataset("right", { path: right }),
        on: "id",
      }),
    ],
  });
  const viaSluice = (flow, force) =>
    timed(async () => {
      const result = await flow.run({
        stores,
        ...(force ? { force: [force] } : { forceAll: true }),
      });
      if (result.status !== "succeeded")
        throw new Error(JSON.stringify(Object.values(result.steps).map((s) => s.error)));
    });
  const rawGroup = () => raw(db, GROUP_SQL(`read_parquet('${events}')`), join(tmp, "g.parquet"));
  const rawJoin = () =>
    raw(
      db,
      JOIN_SQL(`read_parquet('${left}')`, `read_parquet('${right}')`),
      join(tmp, "j.parquet"),
    );
  // Warm both (DuckDB instances, file cache).
  await viaSluice(groupFlow);
  await rawGroup();
  await viaSluice(joinFlow);
  await rawJoin();
  const samples = {
    group: { sluice: [], recipeOnly: [], raw: [] },
    join: { sluice: [], recipeOnly: [], raw: [] },
  };
  for (let i = 0; i < runs; i++) {
    samples.group.raw.push(await rawGroup());
    samples.group.sluice.push(await viaSluice(groupFlow));
    samples.group.recipeOnly.push(await viaSluice(groupFlow, "totals"));
    samples.join.raw.push(await rawJoin());
    samples.join.sluice.push(await viaSluice(joinFlow));
    samples.join.recipeOnly.push(await viaSluice(joinFlow, "joined"));
  }
  const plain = { group: await plainGroup(events), join: await plainJoin(left, right) };
  db.closeSync();
  rmSync(tmp, { recursive: true, force: true });
  return ["group", "join"].map((name) => ({
    name,
    sluiceMs: median(samples[name].sluice),
    recipeOnlyMs: median(samples[name].recipeOnly),
    rawMs: median(samples[name].raw),
    plainMs: plain[name],
  }));
}

export function recipesTable(rows) {
  const lines = [
    "| workload | DuckDB directly (ms) | sluice, all forced (ms) | ratio (target <= 1.2) | sluice, recipe forced (ms) | ratio | plain TypeScript over records (ms) | plain TS / sluice |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const label = {
    group: `group-by, ${GROUP_ROWS / 1e6}M rows into 1000 groups`,
    join: `join, ${JOIN_ROWS / 1e6}M x ${JOIN_ROWS / 1e6}M rows`,
  };
  for (const r of rows)
    lines.push(
      `| ${label[r.name]} | ${r.rawMs.toFixed(0)} | ${r.sluiceMs.toFixed(0)} | ${(r.sluiceMs / r.rawMs).toFixed(2)} | ${r.recipeOnlyMs.toFixed(0)} | ${(r.recipeOnlyMs / r.rawMs).toFixed(2)} | ${r.plainMs.toFixed(0)} | ${(r.plainMs / r.sluiceMs).toFixed(0)}x |`,
    );
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.stdout.write(`${recipesTable(await measureRecipes())}\n`);
