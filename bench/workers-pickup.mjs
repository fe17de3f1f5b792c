// The pickup of sluice's workers, measured as bench/graphile.mjs measures graphile-worker's: from a
// warm process (the pipeline loaded, the stack open), the time from enqueueing a one-step run to its
// step's recorded start on an idle worker, median of `samples`. Run by bench/workers.mjs in the bench
// workspace (SLUICE_STACK, SLUICE_BENCH_WORKLOAD=w1, SLUICE_BENCH_N=1); prints the median in ms.
import { homeStores } from "sluice/internal";
import { median } from "./median.mjs";

const pipeline = (await import("./workload.mjs")).default;
const samples = Number(process.argv[2] ?? 20);
const { runs } = await homeStores();
const latencies = [];
for (let i = 0; i < samples + 1; i++) {
  const sent = Date.now();
  const runId = await pipeline.enqueue({ forceAll: true });
  let step;
  for (;;) {
    const found = await runs.getRun(runId);
    step = found?.steps[0];
    if (found && found.run.status !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The first enqueue of the process prepares its statements: not a pickup.
  if (i > 0) latencies.push(step.startedAt - sent);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the worker idle again, listening
}
process.stdout.write(`${median(latencies)}\n`);
process.exit(0);
