// `npm run bench`: the pipeline workloads of shared/DESIGN.md ("Benchmarks"), whole-process, through
// the real CLI. Prints a table and writes bench/RESULTS.md. BENCH_RUNS sets runs per point (default 5).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = [100, 1000, 10000];
const workloads = { w1: "chain of N steps", w2: "one root, N-2 independent, one join", w3: "10 layers of N/10, two seeded-random parents each" };
const tmp = mkdtempSync(join(os.tmpdir(), "sluice-bench-"));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One whole `sluice run` process: wall time in ms and peak RSS in MB. */
function runOnce(workload, n) {
  const rssFile = join(tmp, "rss");
  const env = { ...process.env, SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: String(n), SLUICE_BENCH_RSS_FILE: rssFile };
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--import", "./bench/report-rss.mjs", "bin/sluice.js", "run", "bench/workload.mjs", "--quiet"], { cwd: root, env, encoding: "utf8" });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${workload} N=${n} exited ${child.status}: ${child.stderr}`);
  return { wallMs, rssMb: Number(readFileSync(rssFile, "utf8")) / 1024 };
}

function noopRerun(workload, n) {
  const env = { ...process.env, SLUICE_BENCH_WORKLOAD: workload, SLUICE_BENCH_N: String(n) };
  const child = spawnSync(process.execPath, ["bench/noop-rerun.mjs"], { cwd: root, env, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`no-op rerun ${workload} N=${n} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

const rows = [];
for (const workload of Object.keys(workloads)) {
  const medians = {};
  for (const n of sizes) {
    runOnce(workload, n); // warm the file system cache
    const samples = Array.from({ length: runs }, () => runOnce(workload, n));
    const wallMs = median(samples.map((s) => s.wallMs));
    const rssMb = Math.max(...samples.map((s) => s.rssMb));
    medians[n] = wallMs;
    const noop = noopRerun(workload, n);
    rows.push({ workload, n, wallMs, rssMb, rerunMs: noop.rerunMs, previewMs: noop.previewMs });
    process.stderr.write(`${workload} N=${n}: ${wallMs.toFixed(0)} ms\n`);
  }
  for (const row of rows.filter((r) => r.workload === workload)) {
    row.marginalMs = (medians[10000] - medians[1000]) / 9000;
  }
}
rmSync(tmp, { recursive: true, force: true });

const header = "| workload | N | wall (median) | marginal ms/step (1k→10k) | peak RSS | no-op rerun (in-process) | preview of complete (in-process) |";
const lines = [header, "|---|---:|---:|---:|---:|---:|---:|"];
for (const row of rows) {
  lines.push(
    `| ${row.workload} | ${row.n} | ${(row.wallMs / 1000).toFixed(3)} s | ${row.marginalMs.toFixed(4)} | ${row.rssMb.toFixed(0)} MB | ${row.rerunMs.toFixed(0)} ms | ${row.previewMs.toFixed(0)} ms |`,
  );
}
const table = lines.join("\n");
process.stdout.write(`${table}\n`);

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
const doc = `# Benchmark results

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.

Store: in-memory (the default of this version). Whole process: \`sluice run bench/workload.mjs --quiet\`
through the compiled CLI, median of ${runs} runs after one warm-up; peak RSS is the largest of those runs.
Marginal ms/step is (median at N=10000 − median at N=1000) / 9000. The no-op rerun and preview columns time,
inside one process, a second run (and a preview) once every step is complete.

Workloads (trivial step bodies): ${Object.entries(workloads).map(([k, v]) => `${k} = ${v}`).join("; ")}.

${table}
`;
writeFileSync(join(root, "bench", "RESULTS.md"), doc);
