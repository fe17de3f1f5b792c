// Benchmark pipelines (W1 chain, W2 fan-out/fan-in, W3 random layers), trivial step bodies. Shape from the environment:
// SLUICE_BENCH_WORKLOAD = w1 (chain) | w2 (root, N-2 independent, join) | w3 (10 layers, 2 seeded-random parents each)
// SLUICE_BENCH_N = number of steps.
import { pipeline, step } from "sluice";

const workload = process.env.SLUICE_BENCH_WORKLOAD ?? "w3";
const n = Number(process.env.SLUICE_BENCH_N ?? 100);

function chain(count) {
  let previous = step("s0", { run: () => 0 });
  for (let i = 1; i < count; i++) {
    const upstream = previous;
    previous = step(`s${i}`, { inputs: { x: upstream }, run: ({ x }) => x + 1 });
  }
  return [previous];
}

function fanOutIn(count) {
  const root = step("root", { run: () => 1 });
  const middle = [];
  for (let i = 0; i < count - 2; i++)
    middle.push(step(`m${i}`, { inputs: { x: root }, run: ({ x }) => x + 1 }));
  const inputs = Object.fromEntries(middle.map((s) => [s.name, s]));
  const join = step("join", { inputs, run: (args) => Object.keys(args).length });
  return [join];
}

/** Mulberry32: a small seeded PRNG, so every run builds the same graph. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function layers(count) {
  const next = random(42);
  const width = Math.max(1, Math.floor(count / 10));
  let previous = [];
  const all = [];
  for (let layer = 0; layer < 10; layer++) {
    const current = [];
    for (let i = 0; i < width; i++) {
      const name = `l${layer}_${i}`;
      if (layer === 0) {
        current.push(step(name, { run: () => i }));
      } else {
        const a = previous[Math.floor(next() * previous.length)];
        const b = previous[Math.floor(next() * previous.length)];
        current.push(step(name, { inputs: { a, b }, run: ({ a, b }) => a + b }));
      }
    }
    all.push(...current);
    previous = current;
  }
  return all;
}

const build = { w1: chain, w2: fanOutIn, w3: layers }[workload];
if (!build) throw new Error(`SLUICE_BENCH_WORKLOAD must be w1, w2 or w3, got ${workload}`);
export default pipeline(`bench-${workload}`, { steps: build(n), concurrency: 8 });
