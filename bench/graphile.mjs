// graphile-worker's own figures on this machine, the baseline sluice's workers are measured against
// (issue 19): no-op jobs per second through 1 and 2 worker processes (each with `concurrency` jobs at
// once) on one PostgreSQL, and the pickup latency of one job added to an idle worker (LISTEN/NOTIFY:
// from addJob to the job's start), median of 50. Needs SLUICE_BENCH_PG (or SLUICE_TEST_PG).
// Standalone: `node bench/graphile.mjs`.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";
import { median } from "./median.mjs";

const PG_URL = process.env.SLUICE_BENCH_PG ?? process.env.SLUICE_TEST_PG;
const worker = fileURLToPath(new URL("./graphile-worker.mjs", import.meta.url));
const quiet = { logger: new Logger(() => () => {}) };

async function throughput(schema, jobs, processes, concurrency) {
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema, ...quiet });
  await utils.migrate();
  // The workers started and idle first: what is timed is the jobs' processing, not a process start.
  const children = Array.from({ length: processes }, () =>
    fork(worker, [PG_URL, schema, String(concurrency)], { stdio: "ignore" }),
  );
  await Promise.all(
    children.map((child) => new Promise((resolve) => child.once("message", resolve))),
  );
  const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  const started = performance.now();
  await utils.addJobs(Array.from({ length: jobs }, () => ({ identifier: "noop", payload: {} })));
  for (;;) {
    const left = await pool.query(`SELECT count(*) AS n FROM ${schema}._private_jobs`);
    if (Number(left.rows[0].n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => new Promise((resolve) => child.once("exit", resolve))));
  await pool.end();
  await utils.release();
  return jobs / seconds;
}

async function pickup(schema, samples = 50) {
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema, ...quiet });
  await utils.migrate();
  let started;
  const runner = await run({
    connectionString: PG_URL,
    schema,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: { noop: async () => void started?.(performance.now()) },
    ...quiet,
  });
  const latencies = [];
  for (let i = 0; i < samples; i++) {
    const began = new Promise((resolve) => (started = resolve));
    const sent = performance.now();
    await utils.addJob("noop", {});
    latencies.push((await began) - sent);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the worker idle again, listening
  }
  await runner.stop();
  await utils.release();
  return median(latencies);
}

export async function measureGraphile({
  jobs = [1000, 10000],
  concurrency = 8,
  processes: counts = [1, 2],
} = {}) {
  const schemas = [];
  const fresh = () => {
    const name = `graphile_bench_${process.pid}_${schemas.length}`;
    schemas.push(name);
    return name;
  };
  try {
    const rows = [];
    for (const n of jobs)
      for (const processes of counts)
        rows.push({
          n,
          processes,
          jobsPerSecond: await throughput(fresh(), n, processes, concurrency),
        });
    return { rows, concurrency, pickupMs: await pickup(fresh()) };
  } finally {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

export function graphileTable({ rows, concurrency, pickupMs }) {
  return [
    `| no-op jobs | worker processes (concurrency ${concurrency} each) | jobs/s |`,
    "|---:|---:|---:|",
    ...rows.map((r) => `| ${r.n} | ${r.processes} | ${Math.round(r.jobsPerSecond)} |`),
    "",
    `Pickup of one job by an idle worker (addJob to start, median of 50): ${pickupMs.toFixed(1)} ms.`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!PG_URL) {
    process.stderr.write("Set SLUICE_BENCH_PG (or SLUICE_TEST_PG) to a postgres:// URL.\n");
    process.exit(2);
  }
  console.log(graphileTable(await measureGraphile()));
}
