import type { StepContext, StepLogger } from "../core/index.js";
import type { AttemptControl, Executor } from "../executors/index.js";
import type { Stores } from "./engine.js";

/** What the instances a step runs inside itself (a map's items, a dynamic step's children) need of the run. */
export interface ChildRun {
  runId: string;
  pipeline: string;
  /** The step that runs them. */
  step: string;
  stores: Stores;
  executor: Executor;
  /** The step's own attempt: aborting it cancels every child. */
  control: AttemptControl;
  /** A child's context; its logs and metrics are the step's. */
  contextOf(name: string, attempt: number, control: AttemptControl): StepContext;
  log: () => StepLogger;
}
