// sluice's workers (issue 19) beside graphile-worker's own figures (bench/graphile.mjs), in one session:
// W1-W3 (bench/dag.mjs) dispatched to 1, 2 and 4 `sluice worker` processes (concurrency 8 each) on one
// PostgreSQL, as steps per second from the run's dispatch to its end (the run record's start and end),
// and the pickup of a one-step run by an idle worker (from a warm process, enqueue to the step's
// start, median of 20: bench/workers-pickup.mjs).
// Needs SLUICE_BENCH_PG (or SLUICE_TEST_PG). Standalone: `node bench/workers.mjs [sizes] [processes]`,
// e.g. `node bench/workers.mjs 1000,10000 1,2,4`.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { measureGraphile } from "./graphile.mjs";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const cwd = fileURLToPath(new URL("./workers-workspace", import.meta.url));
const bin = `${root}packages/sluice/bin/sluice.js`;
const PG_URL = process.env.SLUICE_BENCH_PG ?? process.env.SLUICE_TEST_PG;
const CONCURRENCY = 8;

let made = 0;
async function withStack(workload, n, processes, measure) {
  const schema = `sluice_workers_bench_${process.pid}_${made++}`;
  const url = new URL(PG_URL);
  url.searchParams.set("schema", schema);
  const env = {
    ...process.env,
    NO_COLOR: "1",
    SLUICE_STACK: "bench",
    SLUICE_BENCH_STORE: url.toString(),
    SLUICE_BENCH_WORKLOAD: workload,
    SLUICE_BENCH_N: String(n),
  };
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  // The schema made (and migrated) before the workers start, so they do not race to create it.
  const first = spawnSync(process.execPath, [bin, "workers"], { cwd, env, encoding: "utf8" });
  if (first.status !== 0) throw new Error(first.stderr);
  const workers = Array.from({ length: processes }, () =>
    spawn(process.execPath, [bin, "worker", "-c", String(CONCURRENCY)], {
      cwd,
      env,
      stdio: "ignore",
    }),
  );
  try {
    for (;;) {
      const rows = await client.query(`SELECT count(*) AS n FROM ${schema}.workers`);
      if (Number(rows.rows[0].n) === processes) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return await measure({ env, client, schema });
  } finally {
    for (const worker of workers) worker.kill("SIGKILL");
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await client.end();
  }
}

/** Runs the pipeline to its end through the CLI; its run record's duration (dispatch to end). */
async function timedRun({ env, client, schema }) {
  const run = spawnSync(
    process.execPath,
    [bin, "run", "../workload.mjs", "--json", "--force-all"],
    {
      cwd,
      env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (run.status !== 0) throw new Error(`run failed: ${run.stderr.slice(0, 2000)}`);
  const { runId } = JSON.parse(run.stdout);
  const rows = await client.query(`SELECT record FROM ${schema}.runs WHERE run_id = $1`, [runId]);
  const record = JSON.parse(rows.rows[0].record);
  return (record.finishedAt - record.startedAt) / 1000;
}

/** Enqueue to the step's start of one-step runs on an idle worker, from a warm process (workers-pickup.mjs). */
async function pickup({ env }) {
  const child = spawnSync(process.execPath, ["../workers-pickup.mjs", "20"], {
    cwd,
    env,
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`pickup failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

export async function measureWorkers({ sizes = [1000, 10000], processes = [1, 2, 4] } = {}) {
  const rows = [];
  for (const n of sizes)
    for (const workload of ["w1", "w2", "w3"])
      for (const p of processes) {
        const seconds = await withStack(workload, n, p, timedRun);
        rows.push({ workload, n, processes: p, stepsPerSecond: n / seconds });
      }
  const pickupMs = await withStack("w1", 1, 1, pickup);
  return { rows, pickupMs };
}

export function workersTable(sluice, graphile) {
  const graphileAt = (n, p) =>
    graphile.rows.find((row) => row.n === n && row.processes === p)?.jobsPerSecond;
  return [
    `| workload | N | worker processes (concurrency ${CONCURRENCY}) | sluice steps/s | graphile-worker no-op jobs/s | ratio (target ≥ 0.5) |`,
    "|---|---:|---:|---:|---:|---:|",
    ...sluice.rows.map((row) => {
      const base = graphileAt(row.n, row.processes);
      return `| ${row.workload.toUpperCase()} | ${row.n} | ${row.processes} | ${Math.round(row.stepsPerSecond)} | ${base ? Math.round(base) : "-"} | ${base ? (row.stepsPerSecond / base).toFixed(2) : "-"} |`;
    }),
    "",
    `Pickup, dispatch to the step's start on an idle worker (median of 20): sluice ${sluice.pickupMs.toFixed(1)} ms, graphile-worker ${graphile.pickupMs.toFixed(1)} ms (ratio ${(sluice.pickupMs / graphile.pickupMs).toFixed(2)}, target ≤ 2).`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!PG_URL) {
    process.stderr.write("Set SLUICE_BENCH_PG (or SLUICE_TEST_PG) to a postgres:// URL.\n");
    process.exit(2);
  }
  const sizes = (process.argv[2] ?? "1000,10000").split(",").map(Number);
  const processes = (process.argv[3] ?? "1,2,4").split(",").map(Number);
  const graphile = await measureGraphile({ jobs: sizes, processes });
  const sluice = await measureWorkers({ sizes, processes });
  console.log(workersTable(sluice, graphile));
}
