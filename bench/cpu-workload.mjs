// The thread-pool benchmark's pipeline: 8 independent CPU-bound steps (a fixed amount of arithmetic
// each, so the work is the same whatever runs it) and a join. SLUICE_BENCH_ISOLATE=1 marks them
// isolate: "thread"; otherwise the same pipeline runs them on the main thread.
import { pipeline, step } from "sluice";

const isolate = process.env.SLUICE_BENCH_ISOLATE === "1" ? "thread" : undefined;
const ROUNDS = Number(process.env.SLUICE_BENCH_ROUNDS ?? 15_000_000);

export function crunch(seed) {
  let x = seed;
  for (let i = 0; i < ROUNDS; i++) x = (x * 1103515245 + 12345) % 2147483647;
  return x;
}

const parts = Array.from({ length: 8 }, (_, i) =>
  step(`part${i}`, { isolate, run: () => crunch(i + 1) }),
);
const total = step("total", {
  inputs: Object.fromEntries(parts.map((p) => [p.name, p])),
  run: (values) => Object.values(values).filter((v) => typeof v === "number").length,
});

export default pipeline("bench-cpu", { steps: [total] });
