// Start-up cost of the CLI against bare Node, as CPU time of whole processes (issue 15's targets:
// `sluice run` of a 1-step .ts pipeline in memory ≤ 1.5x `node -e 0`, `sluice --version` ≤ 1.3x).
// The three commands are interleaved, `runs` samples each, medians compared; every process preloads
// the same tiny CPU reporter (bench/report-cpu.mjs), so its cost is on both sides of each ratio.
// Standalone: `node bench/startup.mjs` prints the figures; bench/run.mjs imports measureStartup().
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const COMMANDS = {
  node: ["-e", "0"],
  version: ["packages/sluice/bin/sluice.js", "--version"],
  run: ["packages/sluice/bin/sluice.js", "run", "bench/one-step.ts", "--in-memory", "--quiet"],
};

function cpuMs(args, file) {
  const child = spawnSync(process.execPath, ["--import", "./bench/report-cpu.mjs", ...args], {
    cwd: root,
    env: { ...process.env, SLUICE_BENCH_CPU_FILE: file },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (child.status !== 0)
    throw new Error(`${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return Number(readFileSync(file, "utf8")) / 1000;
}

export function measureStartup({ runs = 10 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "sluice-bench-startup-"));
  try {
    const file = join(dir, "cpu");
    const samples = { node: [], version: [], run: [] };
    for (const args of Object.values(COMMANDS)) cpuMs(args, file); // warm the file system cache
    for (let i = 0; i < runs; i++) {
      for (const [name, args] of Object.entries(COMMANDS)) samples[name].push(cpuMs(args, file));
    }
    const nodeMs = median(samples.node);
    const versionMs = median(samples.version);
    const runMs = median(samples.run);
    return {
      runs,
      nodeMs,
      versionMs,
      runMs,
      versionRatio: versionMs / nodeMs,
      runRatio: runMs / nodeMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(
    JSON.stringify(measureStartup({ runs: Number(process.env.BENCH_RUNS ?? 10) }), null, 2),
  );
}
