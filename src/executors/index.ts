/** Executors: where a step body runs. In-process now; worker threads and queue workers come later. */
export type { Executor, StepCall } from "./executor.js";
export { InProcessExecutor } from "./in-process.js";
export { AttemptControl } from "./attempt-control.js";
export { parallelMap, ThreadExecutor } from "./thread-pool.js";
export type { StepLocation } from "./thread-pool.js";
