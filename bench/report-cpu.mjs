// Preloaded into benchmarked processes (node --import): writes the CPU time (user + system, in
// microseconds) the process used when it exits.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.SLUICE_BENCH_CPU_FILE;
  if (!file) return;
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  writeFileSync(file, String(userCPUTime + systemCPUTime));
});
