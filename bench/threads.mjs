// Thread-pool benchmark of issue 6: bench/cpu-workload.mjs (8 CPU-bound steps) whole process, on the
// main thread and with isolate: "thread"; speedup = median in-process / median threads.
// Standalone: `node bench/threads.mjs` prints the figures; bench/run.mjs imports measureThreads().
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function timeRun(isolate) {
  const home = mkdtempSync(join(os.tmpdir(), "sluice-bench-threads-"));
  try {
    const started = process.hrtime.bigint();
    const child = spawnSync(
      process.execPath,
      ["packages/sluice/bin/sluice.js", "run", "bench/cpu-workload.mjs", "--quiet"],
      {
        cwd: root,
        env: { ...process.env, SLUICE_HOME: home, SLUICE_BENCH_ISOLATE: isolate ? "1" : "0" },
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
      },
    );
    if (child.status !== 0)
      throw new Error(`cpu benchmark run exited ${child.status}: ${child.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export function measureThreads({ runs = 5 } = {}) {
  const inProcess = [];
  const threads = [];
  // Interleaved, so that a noisy minute affects both alike.
  for (let i = 0; i < runs; i++) {
    inProcess.push(timeRun(false));
    threads.push(timeRun(true));
  }
  const a = median(inProcess);
  const b = median(threads);
  return { cores: os.availableParallelism(), inProcessMs: a, threadsMs: b, speedup: a / b };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(
    `${JSON.stringify(measureThreads({ runs: Number(process.env.BENCH_RUNS ?? 5) }), null, 2)}\n`,
  );
}
