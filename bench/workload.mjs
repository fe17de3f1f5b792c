// Benchmark pipelines (bench/dag.mjs: W1 chain, W2 fan-out/fan-in, W3 random layers), trivial step
// bodies (1 + the sum of the inputs). Shape from the environment:
// SLUICE_BENCH_WORKLOAD = w1 | w2 | w3, SLUICE_BENCH_N = number of steps. SLUICE_BENCH_LIMITS=1 puts
// every step under a concurrency limit of 8 (key "bench", as many as the run's body slots) and the
// pipeline under maxConcurrentRuns 4: what limits cost when they hold.
import { pipeline, step } from "sluice";
import { dagOf } from "./dag.mjs";

const workload = process.env.SLUICE_BENCH_WORKLOAD ?? "w3";
const n = Number(process.env.SLUICE_BENCH_N ?? 100);
const dag = dagOf(workload, n);

const sumPlusOne = (args) => {
  let sum = 1;
  for (const name in args) if (name !== "params") sum += args[name];
  return sum;
};

const limited = process.env.SLUICE_BENCH_LIMITS === "1";
const concurrency = limited
  ? { key: "bench", limit: Number(process.env.SLUICE_BENCH_LIMIT ?? 8) }
  : undefined;

const steps = [];
dag.names.forEach((name, index) => {
  const inputs = Object.fromEntries(dag.deps[index].map((dep) => [`i${dep}`, steps[dep]]));
  steps.push(step(name, { inputs, run: sumPlusOne, ...(concurrency ? { concurrency } : {}) }));
});

export default pipeline(`bench-${workload}`, {
  steps: dag.sinks.map((index) => steps[index]),
  concurrency: 8,
  ...(limited ? { maxConcurrentRuns: 4 } : {}),
});
