// `npm run bench`: the pipeline workloads (W1, W2, W3) through the compiled CLI,
// whole process, in two modes: in-memory (--in-memory) and durable (SQLite store + artifact files in a
// fresh home). Prints tables and writes bench/RESULTS.md. BENCH_RUNS sets samples per point (default 5).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureArazzo } from "./arazzo.mjs";
import { measureArazzoParse } from "./arazzo-parse.mjs";
import { measureMap } from "./map.mjs";
import { measureThreads } from "./threads.mjs";
import { measureServer } from "./server.mjs";
import { flowsTables, measureFlows } from "./flows.mjs";
import { measureStartup } from "./startup.mjs";
import { measurePeers, peersAvailable, peersTable } from "./peers.mjs";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const RECIPES_NOTE =
  "`node bench/recipes.mjs`: generated Parquet files (bench/.tmp/recipes), one process. sluice runs each as a pipeline (readDataset, then the recipe) on the embedded default store, forced to rerun; DuckDB directly runs the same query as `COPY (query) TO file (FORMAT parquet)`; plain TypeScript reads the Parquet files with hyparquet and groups or joins with a Map. Medians of 5 alternating samples after a warm-up.";
const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = [100, 1000, 10000];
const workloads = {
  w1: "chain of N steps",
  w2: "one root, N-2 independent, one join",
  w3: "10 layers of N/10, two seeded-random parents each",
};
const tmp = mkdtempSync(join(os.tmpdir(), "sluice-bench-"));

/** One whole `sluice` process: wall time in ms and peak RSS in MB. */
function timeProcess(args, env) {
  const rssFile = join(tmp, "rss");
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    ["--import", "./bench/report-rss.mjs", "packages/sluice/bin/sluice.js", ...args],
    {
      cwd: root,
      env: { ...process.env, ...env, SLUICE_BENCH_RSS_FILE: rssFile },
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0)
    throw new Error(`sluice ${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return { wallMs, rssMb: Number(readFileSync(rssFile, "utf8")) / 1024 };
}

const freshHome = () => mkdtempSync(join(tmp, "home-"));

function measure(mode, workload, n) {
  const env = { SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: String(n) };
  const run = ["run", "bench/workload.mjs", "--quiet"];
  if (mode === "memory") {
    timeProcess([...run, "--in-memory"], env); // warm the file system cache
    const samples = Array.from({ length: runs }, () => timeProcess([...run, "--in-memory"], env));
    const noop = JSON.parse(
      spawnSync(process.execPath, ["bench/noop-rerun.mjs"], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
      }).stdout,
    );
    return { samples, rerunMs: noop.rerunMs, previewMs: noop.previewMs, rerunWhole: false };
  }
  timeProcess(run, { ...env, SLUICE_HOME: freshHome() });
  const samples = [];
  const reruns = [];
  const previews = [];
  for (let i = 0; i < runs; i++) {
    const home = freshHome();
    samples.push(timeProcess(run, { ...env, SLUICE_HOME: home }));
    reruns.push(timeProcess(run, { ...env, SLUICE_HOME: home }));
    previews.push(
      timeProcess(["preview", "bench/workload.mjs", "--json"], { ...env, SLUICE_HOME: home }),
    );
    rmSync(home, { recursive: true, force: true });
  }
  return {
    samples,
    rerunMs: median(reruns.map((s) => s.wallMs)),
    previewMs: median(previews.map((s) => s.wallMs)),
    rerunWhole: true,
  };
}

const sections = [];
for (const mode of ["memory", "durable"]) {
  const rows = [];
  for (const workload of Object.keys(workloads)) {
    const medians = {};
    const rowsOfWorkload = [];
    for (const n of sizes) {
      const result = measure(mode, workload, n);
      const wallMs = median(result.samples.map((s) => s.wallMs));
      medians[n] = wallMs;
      rowsOfWorkload.push({
        workload,
        n,
        wallMs,
        rssMb: Math.max(...result.samples.map((s) => s.rssMb)),
        rerunMs: result.rerunMs,
        previewMs: result.previewMs,
      });
      process.stderr.write(`${mode} ${workload} N=${n}: ${wallMs.toFixed(0)} ms\n`);
    }
    for (const row of rowsOfWorkload) row.marginalMs = (medians[10000] - medians[1000]) / 9000;
    rows.push(...rowsOfWorkload);
  }
  const rerunLabel = mode === "memory" ? "no-op rerun (in-process)" : "no-op rerun (whole process)";
  const previewLabel =
    mode === "memory" ? "preview of complete (in-process)" : "preview of complete (whole process)";
  const lines = [
    `| workload | N | wall (median) | marginal ms/step (1k→10k) | peak RSS | ${rerunLabel} | ${previewLabel} |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.workload} | ${row.n} | ${(row.wallMs / 1000).toFixed(3)} s | ${row.marginalMs.toFixed(4)} | ${row.rssMb.toFixed(0)} MB | ${row.rerunMs.toFixed(0)} ms | ${row.previewMs.toFixed(0)} ms |`,
    );
  }
  sections.push({ mode, table: lines.join("\n") });
}
rmSync(tmp, { recursive: true, force: true });

const arazzo = await measureArazzo({ runs });
const arazzoTable = [
  "| document | 1 step (whole process) | 50 steps (whole process) | marginal ms/step |",
  "|---|---:|---:|---:|",
  `| ${arazzo.steps} sequential steps, each response chained into the next path | ${(arazzo.oneStepMs / 1000).toFixed(3)} s | ${(arazzo.wallMs / 1000).toFixed(3)} s | ${arazzo.marginalMs.toFixed(2)} |`,
].join("\n");

const parse = await measureArazzoParse({ runs });
const parseTable = [
  "| loading documents, in-process | YAML alias bomb (10^9 nodes if expanded) refused | OpenAPI description of 3000 operations (JSON) loaded and indexed |",
  "|---|---:|---:|",
  `| median of ${runs} | ${parse.aliasBombMs.toFixed(1)} ms | ${parse.index3000Ms.toFixed(0)} ms |`,
].join("\n");

const mapped = measureMap({ runs });
const mapTable = [
  "| map of trivial items, durable | 1000 items | 10000 items | marginal ms/item |",
  "|---|---:|---:|---:|",
  `| \`map()\` with concurrency 8, each item recorded and cached | ${(mapped.oneThousandMs / 1000).toFixed(3)} s | ${(mapped.tenThousandMs / 1000).toFixed(3)} s | ${mapped.marginalMs.toFixed(4)} |`,
].join("\n");

const threads = measureThreads({ runs });
const threadsTable = [
  '| 8 CPU-bound steps (fixed arithmetic), whole process | on the main thread | isolate: "thread" | speedup |',
  "|---|---:|---:|---:|",
  `| ${threads.cores} cores | ${(threads.inProcessMs / 1000).toFixed(2)} s | ${(threads.threadsMs / 1000).toFixed(2)} s | ${threads.speedup.toFixed(2)}x |`,
].join("\n");

const startup = measureStartup({ runs: Math.max(runs, 10) });
const startupTable = [
  "| CPU time, whole process, median | `node -e 0` | `sluice --version` | `sluice run` 1-step .ts, in memory |",
  "|---|---:|---:|---:|",
  `| ${startup.runs} interleaved runs each | ${startup.nodeMs.toFixed(0)} ms | ${startup.versionMs.toFixed(0)} ms (${startup.versionRatio.toFixed(2)}x) | ${startup.runMs.toFixed(0)} ms (${startup.runRatio.toFixed(2)}x) |`,
].join("\n");

const server = await measureServer();
const serverTable = [
  "| light status (GET .../runs/{id}/light), 50 connections | p99 latency | trigger → first step start, median | p99 |",
  "|---:|---:|---:|---:|",
  `| ${server.lightRps.toFixed(0)} req/s | ${server.lightLatencyP99Ms} ms | ${server.triggerToStartMedianMs} ms | ${server.triggerToStartP99Ms} ms |`,
].join("\n");

const flows = flowsTables(await measureFlows({ runs: Math.max(runs, 7) }));

// The web UI in headless chromium, when there is one (apt-get install -y chromium).
const ui = existsSync(process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium")
  ? await import("./ui.mjs").then(async ({ measureUi, uiTable }) => uiTable(await measureUi()))
  : "Not measured: no chromium (`apt-get install -y chromium`, or set SLUICE_CHROMIUM).";

// The PostgreSQL stack beside SQLite, when a database is named (SLUICE_BENCH_PG or SLUICE_TEST_PG).
const postgres = await import("./postgres.mjs").then(
  async ({ PG_URL, measurePostgres, postgresTable }) =>
    PG_URL
      ? postgresTable(await measurePostgres({ runs: Math.min(runs, 3) }))
      : "Not measured: set SLUICE_BENCH_PG to a postgres:// URL (`sudo bash scripts/test-postgres.sh` prints one).",
);

// sluice's workers beside graphile-worker's own throughput and pickup, same worker counts (issue 19).
const graphile = await import("./workers.mjs").then(async ({ measureWorkers, workersTable }) => {
  if (!process.env.SLUICE_BENCH_PG && !process.env.SLUICE_TEST_PG)
    return "Not measured: set SLUICE_BENCH_PG to a postgres:// URL.";
  const { measureGraphile } = await import("./graphile.mjs");
  const shape = { sizes: [1000, 10000], processes: [1, 2, 4] };
  const baseline = await measureGraphile({ jobs: shape.sizes, processes: shape.processes });
  return workersTable(await measureWorkers(shape), baseline);
});

// Recipes on DuckDB beside the same queries through @duckdb/node-api and plain TypeScript (issue 20).
const recipes = await import("./recipes.mjs").then(async ({ measureRecipes, recipesTable }) =>
  recipesTable(await measureRecipes({ runs: Math.min(runs, 5) })),
);

// The same workloads beside dask and doit, in this session (ratios are what the targets use).
const peers = peersAvailable()
  ? peersTable(measurePeers({ runs: Math.min(runs, 3) }))
  : "Not measured: Python 3 with dask and doit was not found (Debian: `apt-get install python3-dask python3-doit`).";

for (const { mode, table } of sections) process.stdout.write(`\n${mode}\n${table}\n`);
process.stdout.write(`\narazzo\n${arazzoTable}\n\n${parseTable}\n`);
process.stdout.write(`\nmap\n${mapTable}\n`);
process.stdout.write(`\nthreads\n${threadsTable}\n`);
process.stdout.write(`\nstart-up\n${startupTable}\n`);
process.stdout.write(`\nserver\n${serverTable}\n`);
process.stdout.write(`\nflows\n${flows}\n`);
process.stdout.write(`\nweb UI\n${ui}\n`);
process.stdout.write(`\npostgresql\n${postgres}\n`);
process.stdout.write(`\ngraphile-worker\n${graphile}\n`);
process.stdout.write(`\npeers\n${peers}\n`);

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
const doc = `# Benchmark results

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}. This machine is a shared VM:
the same command varies by up to ±30% from one minute to the next, so compare figures taken in one run.

Whole process: \`sluice run bench/workload.mjs --quiet\` through the compiled CLI, median of ${runs} runs after one
warm-up; peak RSS is the largest of those runs. Marginal ms/step is (median at N=10000 − median at N=1000) / 9000.

- **In-memory** (\`--in-memory\`): nothing on disk. Its no-op rerun and preview columns time, inside one process, a
  second run (and a preview) once every step is complete.
- **Durable** (the default): the SQLite store and artifact folder in a fresh home per sample. Its no-op rerun and
  preview columns are whole processes on the home the run just filled.

Workloads (trivial step bodies): ${Object.entries(workloads)
  .map(([k, v]) => `${k} = ${v}`)
  .join("; ")}.

${sections.map(({ mode, table }) => `## ${mode === "memory" ? "In-memory" : "Durable"}\n\n${table}\n`).join("\n")}
## Beside dask and doit

The same workloads (one graph, bench/dag.mjs) through dask's synchronous scheduler, doit (one file per task) and
sluice, interleaved in this session (\`node bench/peers.mjs\`). CPU time (user + system) of each whole process and
its children, median of ${Math.min(runs, 3)}; the ratio to dask (or to doit's no-op) is beside each sluice figure. "Batched" is
\`--durability batched\` (see docs/durability.md). The targets: in memory ≤ 1.0x dask; durable ≤ 1.5x dask on w2 and
w3, ≤ 3x on w1 (≤ 1.5x batched); no-op and preview ≤ doit's no-op.

${peers}

## Arazzo

\`sluice arazzo run DOC --json\` (validation, durable recording in a fresh home) against a local HTTP server in the
benchmark's process; median of ${runs} runs after one warm-up; marginal = (50 steps − 1 step) / 49.

${arazzoTable}

Loading documents (\`loadArazzo\` on dist/, in the benchmark's process, a fake fetch serving the text); median of
${runs} runs after a first one. Targets: under 2 s and under 1.5 s.

${parseTable}

## Map

\`sluice run bench/map-workload.mjs\` (one list, one \`map()\` with a trivial body), whole process, durable, a fresh
home per sample, median of ${runs} runs after one warm-up; marginal = (10000 items − 1000 items) / 9000.

${mapTable}

## Thread pool

\`sluice run bench/cpu-workload.mjs\` with and without \`isolate: "thread"\` on its 8 CPU-bound steps, whole process,
median of ${runs} interleaved runs each (the thread pool's start and the module's import in each thread included).

${threadsTable}

## Start-up

CPU time (user + system, all threads) of whole processes, each preloading the same tiny reporter
(\`bench/report-cpu.mjs\`); the three commands interleaved. Ratios are to \`node -e 0\` (targets: 1.3x and 1.5x).

${startupTable}

## Server

A \`sluice server\` child process on 127.0.0.1 with a fresh home; the load generator (autocannon, ${server.connections}
connections, ${server.seconds} s) runs on the same 2 cores. Trigger → start: ${server.triggers} sequential \`POST .../flows/training/runs\`
(new params each, so the first step really runs), from sending the request to the first step's recorded start.

${serverTable}

## Flows of flows, schedules and limits

\`node bench/flows.mjs\`. runFlow latency: one \`sluice server\` (bench/flows-workspace), alternately a plain
trigger of flow \`child\` (from sending the POST to its first step's recorded start) and a trigger of \`parent\`,
whose runFlow step starts a \`child\` (from that step's recorded start to the child's first step's). Idle scheduler: a
\`sluice scheduler\` process with 1000 cron schedules of which none is due, its CPU from /proc over the window. Limits:
W3 N=1000, durable, CPU of the whole process, interleaved: every step under a concurrency key (a limit of 1000 that
never binds, and one of 8, as many as the run's body slots) and the flow under maxConcurrentRuns 4.

${flows}

## Web UI

\`node bench/ui.mjs\`: headless chromium (Debian's) against a \`sluice server\` serving bench/ui-workspace (W3 at 100 and
10000 steps). Interactive: from navigating to a flow page to its graph drawn and ready, median of 3 new pages. Pan:
the mean interval between animation frames while the mouse drags the graph (about 16.7 ms at 60 frames a second).

${ui}

## PostgreSQL

\`node bench/postgres.mjs\`: a durable run of the same workloads at N = 1000 in a fresh home (SQLite) and in a fresh
schema of PostgreSQL (created before it is measured), CPU of the whole sluice process and its children, median of
${Math.min(runs, 3)}; the PostgreSQL server's own CPU during those runs (its processes in /proc) beside them. Then light-status
reads from a \`sluice server\` on each store, as in the server section.

${postgres}

## Workers

\`node bench/workers.mjs\`: W1-W3 dispatched to 1, 2 and 4 \`sluice worker\` processes (concurrency 8 each) on one
PostgreSQL, steps per second from the run's dispatch to its end, beside graphile-worker's own no-op jobs per second
through the same number of worker processes (bench/graphile.mjs, started and idle before the jobs are added), and
the pickup of each (an idle worker, one run or job added, until its step or job starts).

${graphile}

## Recipes on DuckDB

${RECIPES_NOTE}

${recipes}
`;
writeFileSync(join(root, "bench", "RESULTS.md"), doc);
