/** What the Pipeline's methods take and return, and the params and outputs `pipeline()` infers from its steps. */
import type { AnyStep, LogLevel, ParamsOf, Step } from "../core/index.js";
import type {
  ChildRunsTarget,
  Durability,
  LimitSlot,
  SluiceEventListener,
  Stores,
} from "../engine/index.js";
import type { Executor } from "../executors/index.js";
import type { PlanOptions } from "../planner/index.js";
import type { RunTrigger } from "../store/index.js";

export interface PipelineOptions {
  /** The steps to run; the steps they depend on are found automatically. */
  steps: readonly AnyStep[];
  /** How many step bodies may run at once. @defaultValue 8 */
  concurrency?: number;
  /**
   * "batched": steps do not wait for their inputs' records to be committed, for long chains of pure
   * steps; a crash costs the last batch of writes (at most 1000, or 200 ms), rerun on resume.
   * @defaultValue "strict"
   */
  durability?: Durability;
  /** A version label, recorded with runs. */
  version?: string;
  /**
   * At most this many runs of this pipeline (in its project) run at once, in every process on the
   * store; the others are `queued` (`waitingOn: limit runs of flow "train" 1/1`) and start in order.
   */
  maxConcurrentRuns?: number;
  description?: string;
  /** false: a step is complete when its own output exists, whatever its upstream (d6tflow's check_dependencies). @defaultValue true */
  checkDependencies?: boolean;
  /**
   * The module that defines this pipeline (`import.meta.url`): where `isolate: "thread"` steps are
   * imported again, and what `sluice resume` loads. @defaultValue the file given to sluice run
   */
  module?: string;
}

export interface ResetOptions {
  params?: Record<string, unknown>;
  stores?: Stores;
  home?: string;
  /** Only say what would be invalidated (`invalidated` then counts the outputs that would be). */
  dryRun?: boolean;
}

export interface ResetResult {
  /** The step and everything downstream of it, in execution order. */
  steps: string[];
  /** How many stored completions were invalidated (0 on a dry run). */
  invalidated: number;
  dryRun: boolean;
}

export interface PreviewOptions extends PlanOptions {
  /** Parameters by name, validated by the steps' zod schemas. */
  params?: Record<string, unknown>;
  /**
   * A context (dev, prod...) whose params the run takes, under `params` (given ones win); recorded
   * with the run. See readContexts for where contexts are defined.
   */
  context?: string;
  /** The folder contexts are looked for from, up. @defaultValue the folder of `source.file`, else the working directory */
  contextsFrom?: string;
  /** Where runs and outputs are recorded. @defaultValue the home's embedded store (see `home`) */
  stores?: Stores;
  /** The sluice home folder, when `stores` is not given. @defaultValue SLUICE_HOME, else .sluice in the workspace root */
  home?: string;
}

export interface RunOptions extends PreviewOptions {
  concurrency?: number;
  /** Overrides the pipeline's `durability`. */
  durability?: Durability;
  /** Abort it to cancel the run: running steps get it through `ctx.signal`; the run ends `cancelled`. */
  signal?: AbortSignal;
  /** Receives every event of the run (see SluiceEventMap). */
  onEvent?: SluiceEventListener;
  /** Echo steps' logs at this level and above to stderr. @defaultValue "silent" */
  logLevel?: LogLevel | "silent";
  /** Print the execution summary to stdout when the run ends. @defaultValue false */
  summary?: boolean;
  /** Where step bodies run. @defaultValue in-process */
  executor?: Executor;
  runId?: string;
  /** With `runId`: continue that run, reusing its finished steps, instead of starting a new one. */
  resume?: boolean;
  /** With `runId`: start that queued run, which this process created under `claim` (see `queueTrigger`). */
  adopt?: { claim: string };
  /** Recorded with the run so the CLI can resume it: the module file and export the pipeline came from. */
  source?: { file: string; exportName?: string };
  /** The project the run is recorded in. @defaultValue DEFAULT_PROJECT ("default") */
  project?: string;
  /** What started the run, recorded with it. @defaultValue { kind: "manual" } */
  trigger?: RunTrigger;
  /** The registered flow version this run was triggered from (set by the server). */
  flow?: { version: string; hash: string };
  /** "ran": `outputs` holds only values computed in this run, not those of complete steps read back. @defaultValue "all" */
  loadOutputs?: "all" | "ran";
  /** Limits the run waits for before it starts, besides the pipeline's maxConcurrentRuns (a workspace's or server's cap). */
  runLimits?: readonly LimitSlot[];
  /** Where runFlow steps trigger their children. @defaultValue the workspace's `server`, else this process */
  childRuns?: ChildRunsTarget;
}

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;
/**
 * What a run of these steps takes: every param of theirs and their upstream steps', typed by its zod
 * schema (none at all when no step declares one).
 */
export type PipelineParams<Steps extends readonly AnyStep[]> = FlatParams<
  UnionToIntersection<ParamsOf<Steps[number]>>
>;
type FlatParams<P> = keyof P extends never ? { [name: string]: never } : { [K in keyof P]: P[K] };
/** The final steps' outputs by step name (steps whose name is a string literal). */
export type PipelineOutputs<Steps extends readonly AnyStep[]> = {
  [
    S in Steps[number] as S extends Step<unknown, unknown, infer Name>
      ? string extends Name
        ? never
        : Name
      : never
  ]: S extends Step<infer Out, unknown> ? Out : never;
};

/** Options whose `params` are typed by the pipeline (see pipeline()). */
export type Typed<Options, Params> = Omit<Options, "params"> & { params?: Params };
