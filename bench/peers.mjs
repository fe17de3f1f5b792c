// sluice beside its peers, on the same DAGs (bench/dag.mjs) in one session, interleaved: dask's
// synchronous scheduler and doit (each through bench/peers/), and sluice in memory, durable
// ("strict", the default) and durable with `--durability batched`. Every figure is the CPU time (user
// + system) of a whole process and its children, measured the same way for every tool
// (bench/peers/cpu_of.py), median of `runs`; the machine is shared, so read the ratios, which come from
// one session. No-op: a second run once everything is complete (doit: a second `doit run`).
// Needs Python 3 with dask and doit (Debian: apt-get install python3-dask python3-doit); without
// them peersAvailable() is false and `npm run bench` says so. Standalone: `node bench/peers.mjs`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dagOf } from "./dag.mjs";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const peers = join(root, "bench/peers");
const python =
  process.env.SLUICE_BENCH_PYTHON ??
  (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

export function peersAvailable() {
  return spawnSync(python, ["-c", "import dask, doit"], { stdio: "ignore" }).status === 0;
}

function cpuOf(command, env) {
  const child = spawnSync(python, [join(peers, "cpu_of.py"), ...command], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  if (child.status !== 0)
    throw new Error(`${command.join(" ")} exited ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout).cpu;
}

const sluice = (args) => [process.execPath, "packages/sluice/bin/sluice.js", ...args];
const run = ["run", "bench/workload.mjs", "--quiet"];

function measurePoint(workload, n, runs, tmp) {
  const dagFile = join(tmp, `${workload}-${n}.json`);
  writeFileSync(dagFile, JSON.stringify(dagOf(workload, n)));
  const env = { DAG: dagFile, SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: String(n) };
  const samples = {};
  const add = (name, value) => (samples[name] ??= []).push(value);
  for (let i = 0; i < runs; i++) {
    add("dask", cpuOf([python, join(peers, "dask_dag.py")], env));
    const doitDir = mkdtempSync(join(tmp, "doit-"));
    const doit = [python, "-m", "doit", "-f", join(peers, "dodo.py")];
    const doitEnv = { ...env, DOIT_OUT: join(doitDir, "out") };
    add("doit", cpuOf([...doit, "--db-file", join(doitDir, "doit.db")], doitEnv));
    add("doitNoop", cpuOf([...doit, "--db-file", join(doitDir, "doit.db")], doitEnv));
    add("memory", cpuOf(sluice([...run, "--in-memory"]), env));
    const home = mkdtempSync(join(tmp, "home-"));
    add("durable", cpuOf(sluice(run), { ...env, SLUICE_HOME: home }));
    add("noop", cpuOf(sluice(run), { ...env, SLUICE_HOME: home }));
    add(
      "preview",
      cpuOf(sluice(["preview", "bench/workload.mjs", "--json"]), { ...env, SLUICE_HOME: home }),
    );
    const batchedHome = mkdtempSync(join(tmp, "home-"));
    add(
      "batched",
      cpuOf(sluice([...run, "--durability", "batched"]), { ...env, SLUICE_HOME: batchedHome }),
    );
    for (const dir of [doitDir, home, batchedHome]) rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, median(values)]),
  );
}

export function measurePeers({ runs = 3, sizes = [100, 1000, 10000] } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "sluice-peers-"));
  try {
    const rows = [];
    for (const workload of ["w1", "w2", "w3"])
      for (const n of sizes) {
        rows.push({ workload, n, ...measurePoint(workload, n, runs, tmp) });
        process.stderr.write(`peers ${workload} N=${n} done\n`);
      }
    return rows;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The markdown table of measurePeers' rows. */
export function peersTable(rows) {
  const s = (seconds) => `${seconds.toFixed(3)} s`;
  const x = (value, base) => `${(value / base).toFixed(2)}x`;
  return [
    "| workload | N | dask-sync | doit | sluice in memory (x dask) | sluice durable (x dask) | sluice durable, batched (x dask) | doit no-op | sluice no-op (x doit's) | sluice preview (x doit's no-op) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.n} | ${s(r.dask)} | ${s(r.doit)} | ${s(r.memory)} (${x(r.memory, r.dask)}) | ${s(r.durable)} (${x(r.durable, r.dask)}) | ${s(r.batched)} (${x(r.batched, r.dask)}) | ${s(r.doitNoop)} | ${s(r.noop)} (${x(r.noop, r.doitNoop)}) | ${s(r.preview)} (${x(r.preview, r.doitNoop)}) |`,
    ),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!peersAvailable()) {
    process.stderr.write(
      `${python} cannot import dask and doit: apt-get install python3-dask python3-doit\n`,
    );
    process.exit(2);
  }
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const sizes = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
  console.log(peersTable(measurePeers({ runs, sizes })));
}
