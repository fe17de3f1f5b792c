// Map benchmark of issue 6: a map of N trivial items (bench/map-workload.mjs), whole process, durable
// (fresh home per sample); marginal ms/item = (median at 10000 − median at 1000) / 9000.
// Standalone: `node bench/map.mjs` prints the figures; bench/run.mjs imports measureMap().
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function timeRun(items) {
  const home = mkdtempSync(join(os.tmpdir(), "sluice-bench-map-"));
  try {
    const started = process.hrtime.bigint();
    const child = spawnSync(
      process.execPath,
      ["packages/sluice/bin/sluice.js", "run", "bench/map-workload.mjs", "--quiet"],
      {
        cwd: root,
        env: { ...process.env, SLUICE_HOME: home, SLUICE_BENCH_ITEMS: String(items) },
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
      },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0)
      throw new Error(`map benchmark run exited ${child.status}: ${child.stderr}`);
    return ms;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export function measureMap({ runs = 5 } = {}) {
  const result = {};
  for (const n of [1000, 10000]) {
    timeRun(n); // warm the file system cache
    result[n] = median(Array.from({ length: runs }, () => timeRun(n)));
  }
  return {
    oneThousandMs: result[1000],
    tenThousandMs: result[10000],
    marginalMs: (result[10000] - result[1000]) / 9000,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(
    `${JSON.stringify(measureMap({ runs: Number(process.env.BENCH_RUNS ?? 5) }), null, 2)}\n`,
  );
}
