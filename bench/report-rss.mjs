// Preloaded into benchmarked processes (node --import): writes the peak RSS in KiB when the process exits.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.SLUICE_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
