// Benchmark pipelines (bench/dag.mjs: W1 chain, W2 fan-out/fan-in, W3 random layers), trivial step
// bodies (1 + the sum of the inputs). Shape from the environment:
// SLUICE_BENCH_WORKLOAD = w1 | w2 | w3, SLUICE_BENCH_N = number of steps.
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

const steps = [];
dag.names.forEach((name, index) => {
  const inputs = Object.fromEntries(dag.deps[index].map((dep) => [`i${dep}`, steps[dep]]));
  steps.push(step(name, { inputs, run: sumPlusOne }));
});

export default pipeline(`bench-${workload}`, {
  steps: dag.sinks.map((index) => steps[index]),
  concurrency: 8,
});
