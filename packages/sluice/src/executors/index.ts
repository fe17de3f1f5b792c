/** Executors: where a step body runs: in-process, or in worker threads (`isolate: "thread"`); queue workers come later. */
export type { Executor, StepCall } from "./executor.js";
export { InProcessExecutor } from "./in-process.js";
export { AttemptControl } from "./attempt-control.js";
export { parallelMap, ThreadExecutor } from "./thread-pool.js";
export type { StepLocation } from "./thread-pool.js";
