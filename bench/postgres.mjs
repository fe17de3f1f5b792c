// The PostgreSQL stack beside the embedded SQLite home, in one session: the CPU of a durable run of
// W2 and W3 (bench/dag.mjs) at N = 1000 on each (the sluice process and its children, as
// bench/peers.mjs measures it), the PostgreSQL server's own CPU during the PostgreSQL runs (its
// processes' utime + stime from /proc), and light-status reads per second from a server on each
// (bench/server.mjs). Needs SLUICE_BENCH_PG (or SLUICE_TEST_PG): a postgres:// URL; each
// measurement uses a schema of its own, migrated before it is measured and dropped after.
// Standalone: `node bench/postgres.mjs`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { dagOf } from "./dag.mjs";
import { median } from "./median.mjs";
import { measureServer } from "./server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = "/usr/bin/python3";
export const PG_URL = process.env.SLUICE_BENCH_PG ?? process.env.SLUICE_TEST_PG;

/**
 * CPU seconds the PostgreSQL server's processes have used so far: the live ones' own time, and the
 * time of the backends that have exited, which the postmaster that reaped them counts as its
 * children's (cutime, cstime).
 */
function postgresCpu() {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    if (!stat.includes("(postgres)")) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) / ticks;
  }
  return total;
}

function cpuOf(args, env) {
  const child = spawnSync(
    python,
    [
      join(root, "bench/peers/cpu_of.py"),
      process.execPath,
      "packages/sluice/bin/sluice.js",
      ...args,
    ],
    { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`sluice ${args.join(" ")}: ${child.stderr}`);
  return JSON.parse(child.stdout).cpu;
}

let schemas = 0;
function freshStore() {
  const url = new URL(PG_URL);
  url.searchParams.set("schema", `sluice_bench_${process.pid}_${schemas++}`);
  return url.toString();
}

async function dropSchemas() {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (let i = 0; i < schemas; i++)
    await client.query(`DROP SCHEMA IF EXISTS sluice_bench_${process.pid}_${i} CASCADE`);
  await client.end();
}

export async function measurePostgres({ runs = 3, n = 1000, seconds = 5 } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "sluice-bench-pg-"));
  try {
    const rows = [];
    for (const workload of ["w2", "w3"]) {
      const dag = join(tmp, `${workload}.json`);
      writeFileSync(dag, JSON.stringify(dagOf(workload, n)));
      const env = { DAG: dag, SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: String(n) };
      const sqlite = [];
      const postgres = [];
      const database = [];
      for (let i = 0; i < runs; i++) {
        const home = mkdtempSync(join(tmp, "home-"));
        sqlite.push(cpuOf(["run", "bench/workload.mjs", "--quiet"], { ...env, SLUICE_HOME: home }));
        const store = freshStore();
        cpuOf(["runs"], { SLUICE_STORE: store }); // creates the tables: not part of a run
        const before = postgresCpu();
        postgres.push(
          cpuOf(["run", "bench/workload.mjs", "--quiet"], { ...env, SLUICE_STORE: store }),
        );
        database.push(postgresCpu() - before);
      }
      rows.push({
        workload,
        n,
        sqlite: median(sqlite),
        postgres: median(postgres),
        database: median(database),
      });
      process.stderr.write(`postgres ${workload} N=${n} done\n`);
    }
    const light = {
      sqlite: await measureServer({ seconds, triggers: 10 }),
      postgres: await measureServer({ seconds, triggers: 10, store: freshStore() }),
    };
    return { rows, light };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await dropSchemas();
  }
}

export function postgresTable({ rows, light }) {
  const s = (seconds) => `${seconds.toFixed(3)} s`;
  return [
    "| workload | N | sluice durable, SQLite | sluice durable, PostgreSQL (x SQLite; target ≤ 3x) | PostgreSQL server's own CPU |",
    "|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.n} | ${s(r.sqlite)} | ${s(r.postgres)} (${(r.postgres / r.sqlite).toFixed(2)}x) | ${s(r.database)} |`,
    ),
    "",
    `Light-status reads, 50 connections: SQLite ${Math.round(light.sqlite.lightRps)}/s (p99 ${light.sqlite.lightLatencyP99Ms} ms), PostgreSQL ${Math.round(light.postgres.lightRps)}/s (p99 ${light.postgres.lightLatencyP99Ms} ms): ${(light.sqlite.lightRps / light.postgres.lightRps).toFixed(2)}x slower (target ≤ 2x).`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!PG_URL) {
    process.stderr.write("Set SLUICE_BENCH_PG (or SLUICE_TEST_PG) to a postgres:// URL.\n");
    process.exit(2);
  }
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  console.log(postgresTable(await measurePostgres({ runs })));
}
