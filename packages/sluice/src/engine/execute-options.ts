import type { PipelineGraph } from "../core/index.js";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Executor } from "../executors/index.js";
import type { Plan } from "../planner/index.js";
import type {
  CompletionStore,
  DatasetCatalog,
  FlowVersionStore,
  ModelRegistry,
  LimitStore,
  NotificationStore,
  RunRecord,
  RunStore,
  RunTrigger,
  TriggerStore,
} from "../store/index.js";
import type { SluiceEventListener } from "./events.js";
import type { LimitSlot } from "./limits.js";
import type { DispatchPlan } from "./dispatch-plan.js";
import type { ChildRunsTarget } from "./step-context.js";
import type { FanOut } from "./fan-out.js";

/**
 * When a step's body may run. "strict": only once its inputs' records (output, completion) are
 * committed, so no body acts on an output a crash could still lose. "batched": at once; writes are
 * committed in batches (group-commit limits), for long chains of pure steps. A crash then costs the
 * last uncommitted batch: those steps, and any step that ran on their outputs, run again on resume
 * (their side effects, if any, happen again).
 */
export type Durability = "strict" | "batched";
export const DURABILITY_MODES: readonly Durability[] = ["strict", "batched"];

/** The stores a run records into. */
export interface Stores {
  runs: RunStore;
  completions: CompletionStore;
  artifacts: ArtifactStore;
  /** Where datasets, models and metrics are catalogued, if anywhere. */
  catalog?: DatasetCatalog;
  /** Triggered runs and their idempotency keys (`runFlow` steps start child runs through it). */
  triggers?: TriggerStore;
  /** Concurrency limits shared with other processes; without it, this process's own. */
  limits?: LimitStore;
  /** The model registry: outputs tagged model() are registered there when their run succeeds. */
  models?: ModelRegistry;
  /** The registered definitions of flows, with their snapshots: every run registers its own. */
  versions?: FlowVersionStore;
  /** Where notification deliveries are recorded (runs of workspace flows with `on:` hooks). */
  notifications?: NotificationStore;
  /** A stack whose runs its workers execute (`sluice worker`): runs are dispatched there, not run here. */
  dispatcher?: RunDispatcher;
}

/** Hands runs to a stack's workers (@sluice/postgres). */
export interface RunDispatcher {
  /**
   * Records the run and queues its ready steps, at once. With `adopt`: the run is the queued one a
   * trigger recorded under that claim (a server's), which the dispatched record replaces.
   */
  dispatch(run: DispatchedRun): Promise<void>;
  /** Cancels a dispatched run; false when it is not (or no longer) on the workers. */
  cancel(runId: string): Promise<boolean>;
}

/** What a run is dispatched with. */
export interface DispatchedRun {
  record: RunRecord;
  flow: DispatchedFlow;
  plan: DispatchPlan;
  adopt?: { claim: string };
  /** The run exists and has ended (failed, cancelled): it is dispatched again under its id, its finished steps reused. */
  resume?: boolean;
  /** Run limits whose slots the run takes before its steps are queued (it waits in line, queued, until it can). */
  limits?: readonly LimitSlot[];
}

/** The flow a dispatched run's steps need: workers run them only with this snapshot loaded. */
export interface DispatchedFlow {
  name: string;
  version: string;
  hash: string;
}

export interface ExecuteOptions {
  /** Where runFlow steps trigger their children. @defaultValue the workspace's `server`, else this process */
  childRuns?: ChildRunsTarget;
  /** Run limits to hold before the run starts (it is recorded `queued` while it waits). */
  runLimits?: readonly LimitSlot[];
  graph: PipelineGraph;
  plan: Plan;
  /** Parsed params per graph node index (what each step declares). */
  paramsByNode: ReadonlyArray<Record<string, unknown>>;
  /** The params as given (secrets masked), for the run record. */
  params: Record<string, unknown>;
  /** Every param as the steps see it, defaults applied (secrets masked), for the run record. */
  effectiveParams?: Record<string, unknown>;
  /** Values of secret params, masked wherever logs or errors would show them. */
  secretValues?: readonly string[];
  targets?: readonly string[];
  stores: Stores;
  executor?: Executor;
  /** How many step bodies may run at once. */
  concurrency: number;
  /** @defaultValue "strict" */
  durability?: Durability;
  signal?: AbortSignal;
  onEvent?: SluiceEventListener;
  runId?: string;
  /** Continue the existing run `runId` (after a crash or failure) instead of creating a new one. */
  resume?: boolean;
  /** Start the queued run `runId` that this process created under `claim` (a trigger) instead of creating one. */
  adopt?: { claim: string };
  /** Which outputs the result holds: all (reading complete steps' outputs back), or only those computed in this run. @defaultValue "all" */
  loadOutputs?: "all" | "ran";
  /** Attribute console output made inside step bodies to the step's log. @defaultValue true */
  captureConsole?: boolean;
  /** Where the pipeline came from, recorded so that `sluice resume` can load it again. */
  source?: { file: string; exportName?: string };
  /** The project the run belongs to, and the registered flow version it was triggered from. */
  project?: string;
  flow?: { version: string; hash: string };
  /** The context whose params the run took, recorded with it. */
  context?: string;
  /** What started the run, recorded with it. @defaultValue { kind: "manual" } */
  trigger?: RunTrigger;
  /** On a stack's workers: map items and dynamic children are shared with the other workers through it. */
  fanOut?: FanOut;
}
