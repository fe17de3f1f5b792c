// Benchmarks of issue 16 (flows of flows, schedules, limits), each beside its own baseline measured in
// the same session:
// - runFlow latency: a parent's runFlow step start → the child's first step start, beside a plain
//   server trigger's POST → first step start (both on one `sluice server`, bench/flows-workspace);
// - an idle scheduler with 1000 schedules: the CPU share of one core a `sluice scheduler` uses over a
//   minute in which none is due;
// - limits on W3 N=1000, durable: CPU with every step under a concurrency key (a limit that never
//   binds, and one of 8, as many as the run's body slots) and the flow under maxConcurrentRuns, beside
//   the same run without limits.
// Standalone: `node bench/flows.mjs` prints the figures; bench/run.mjs imports measureFlows().
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.mjs";
import { startServer } from "./server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "packages/sluice/bin/sluice.js");
const workspace = join(root, "bench/flows-workspace");

async function json(url, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitDone(base, runId) {
  for (;;) {
    const light = await json(`${base}/runs/${runId}/light`);
    if (!light.running) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const firstStart = (run) =>
  Math.min(...run.steps.filter((s) => s.startedAt).map((s) => Date.parse(s.startedAt)));

/** Plain trigger → first step, and runFlow step start → child's first step, alternated on one server. */
export async function measureRunFlowLatency({ triggers = 40 } = {}) {
  const home = mkdtempSync(join(os.tmpdir(), "sluice-bench-flows-"));
  const { child, url } = await startServer(home, { cwd: workspace, args: ["--insecure-local"] });
  const base = `${url}/api/projects/bench`;
  try {
    const plain = [];
    const nested = [];
    for (let i = 0; i < triggers + 5; i++) {
      const sent = Date.now();
      const direct = await json(`${base}/flows/child/runs`, {
        method: "POST",
        body: JSON.stringify({ params: { n: i } }),
      });
      await waitDone(base, direct.runId);
      const directRun = await json(`${base}/runs/${direct.runId}`);

      const parent = await json(`${base}/flows/parent/runs`, {
        method: "POST",
        body: JSON.stringify({ params: { n: 100_000 + i } }),
      });
      await waitDone(base, parent.runId);
      const parentRun = await json(`${base}/runs/${parent.runId}`);
      const childRun = await json(`${base}/runs/${parentRun.children[0].runId}`);
      const stepStart = Date.parse(parentRun.steps.find((s) => s.name === "child").startedAt);
      if (i < 5) continue; // the first runs warm the code paths
      plain.push(firstStart(directRun) - sent);
      nested.push(firstStart(childRun) - stepStart);
    }
    return { plainMs: median(plain), runFlowMs: median(nested), triggers };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

/** CPU time (user + system, ms) of process `pid`, from /proc. */
function cpuMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (100/s)
}

/** A `sluice scheduler` with `count` schedules none of which is due: its CPU share over `windowMs`. */
export async function measureIdleScheduler({ count = 1000, windowMs = 65_000 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "sluice-bench-sched-"));
  // Every schedule fires on 1 January only (a different minute each): none is due while this runs.
  const schedules = Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    flow: "child",
    cron: `${i % 60} ${Math.floor(i / 60) % 24} 1 1 *`,
    timezone: i % 2 === 0 ? "UTC" : "America/New_York",
    params: { n: i },
  }));
  writeFileSync(
    join(dir, "sluice.config.json"),
    JSON.stringify({ project: "bench", pipelines: [join(workspace, "flows.ts")], schedules }),
  );
  const child = spawn(process.execPath, [bin, "scheduler"], {
    cwd: dir,
    env: { ...process.env, SLUICE_HOME: join(dir, "home") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    await new Promise((resolve, reject) => {
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        if (stderr.includes("Ctrl-C stops it")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`scheduler exited ${code}: ${stderr}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 2000)); // its first pass over the schedules
    const before = cpuMsOf(child.pid);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const cpuMs = cpuMsOf(child.pid) - before;
    return { schedules: count, windowMs, cpuMs, coreShare: cpuMs / windowMs };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds of one durable W3 N=1000 run (a fresh home) with these limits. */
function cpuOfLimitedRun(tmp, limits) {
  const home = mkdtempSync(join(tmp, "home-"));
  const cpuFile = join(tmp, "cpu");
  const result = spawnSync(
    process.execPath,
    ["--import", "./bench/report-cpu.mjs", bin, "run", "bench/workload.mjs", "--quiet"],
    {
      cwd: root,
      env: {
        ...process.env,
        SLUICE_HOME: home,
        SLUICE_BENCH_WORKLOAD: "w3",
        SLUICE_BENCH_N: "1000",
        SLUICE_BENCH_CPU_FILE: cpuFile,
        ...(limits === undefined
          ? {}
          : { SLUICE_BENCH_LIMITS: "1", SLUICE_BENCH_LIMIT: String(limits) }),
      },
      encoding: "utf8",
    },
  );
  if (result.status !== 0) throw new Error(`W3 run failed: ${result.stderr}`);
  rmSync(home, { recursive: true, force: true });
  return Number(readFileSync(cpuFile, "utf8")) / 1e6;
}

/** W3 N=1000 durable: no limits, a limit that never binds (1000), and a limit of 8; interleaved. */
export function measureLimits({ runs = 7 } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "sluice-bench-limits-"));
  try {
    const samples = { none: [], loose: [], tight: [] };
    for (let i = 0; i < runs; i++) {
      samples.none.push(cpuOfLimitedRun(tmp, undefined));
      samples.loose.push(cpuOfLimitedRun(tmp, 1000));
      samples.tight.push(cpuOfLimitedRun(tmp, 8));
    }
    return {
      runs,
      noneS: median(samples.none),
      looseS: median(samples.loose),
      tightS: median(samples.tight),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function measureFlows({ runs = 7 } = {}) {
  return {
    latency: await measureRunFlowLatency(),
    scheduler: await measureIdleScheduler(),
    limits: measureLimits({ runs }),
  };
}

/** The markdown tables of measureFlows' figures. */
export function flowsTables({ latency, scheduler, limits }) {
  const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  return [
    "| runFlow step start → child's first step (median) | server trigger → first step (median) | ratio (target ≤ 2x) |",
    "|---:|---:|---:|",
    `| ${latency.runFlowMs.toFixed(1)} ms | ${latency.plainMs.toFixed(1)} ms | ${(latency.runFlowMs / latency.plainMs).toFixed(2)}x |`,
    "",
    "| idle `sluice scheduler` | CPU over the window | share of one core (target ≤ 1%) |",
    "|---|---:|---:|",
    `| ${scheduler.schedules} cron schedules, none due, ${(scheduler.windowMs / 1000).toFixed(0)} s | ${scheduler.cpuMs} ms | ${(scheduler.coreShare * 100).toFixed(2)}% |`,
    "",
    `| W3 N=1000 durable, CPU (median of ${limits.runs}) | no limits | limit that never binds (x) | every step under a limit of 8 (x) |`,
    "|---|---:|---:|---:|",
    `| sluice run | ${limits.noneS.toFixed(3)} s | ${limits.looseS.toFixed(3)} s (+${pct(limits.looseS, limits.noneS)}) | ${limits.tightS.toFixed(3)} s (+${pct(limits.tightS, limits.noneS)}) |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await measureFlows({ runs: Number(process.env.BENCH_RUNS ?? 7) });
  process.stdout.write(`${flowsTables(figures)}\n`);
}
