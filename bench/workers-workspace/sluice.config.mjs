// The workspace of bench/workers.mjs: the benchmark pipeline (bench/workload.mjs, shaped by
// SLUICE_BENCH_WORKLOAD and SLUICE_BENCH_N) on the stack "bench", whose runs go to workers.
export default {
  project: "bench",
  pipelines: ["../workload.mjs"],
  stacks: { bench: { store: process.env.SLUICE_BENCH_STORE ?? "", executor: "workers" } },
};
