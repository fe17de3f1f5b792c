import type { MaybePromise } from "../core/index.js";
import type {
  Completion,
  CompletionSummary,
  DatasetRecord,
  LogRecord,
  MetricRecord,
  RunFilter,
  RunRecord,
  StepRunRecord,
} from "./records.js";

/**
 * What is recorded about runs: the run, its steps and their logs. A write has happened (durably, for
 * durable stores) when the call returns or its promise resolves; hot-path methods may answer synchronously.
 */
export interface RunStore {
  createRun(run: RunRecord): Promise<void>;
  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): Promise<void>;
  /** Inserts or replaces step records, keyed by (runId, step). */
  putSteps(steps: readonly StepRunRecord[]): MaybePromise<void>;
  getRun(runId: string): Promise<{ run: RunRecord; steps: StepRunRecord[] } | undefined>;
  /** The run record alone (no steps): what a status poll needs; answered synchronously where the store can. */
  findRun(runId: string): MaybePromise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /**
   * Compare-and-set on the run's claim: applies `patch` only if the run's `claim` is still
   * `expectedClaim` (undefined: none), atomically across processes. False when another claimant was first.
   */
  casRun(
    runId: string,
    expectedClaim: string | undefined,
    patch: Partial<Omit<RunRecord, "runId">>,
  ): Promise<boolean>;
  /**
   * Fencing: while set, this store commits this process's writes (steps, logs, completions, run
   * updates) only while the run's claim is still `claim`, and refuses them with `superseded` once
   * another owner took the run. `undefined` stops fencing the run.
   */
  fenceRun(runId: string, claim: string | undefined): void;
  appendLogs(logs: readonly LogRecord[]): MaybePromise<void>;
  /**
   * Oldest first; `tail` keeps the last N. `step` keeps that step's lines and those of the instances it
   * runs inside itself: map items (`score[3]`) and dynamic children (`sweep/train`).
   */
  readLogs(runId: string, options?: { step?: string; tail?: number }): Promise<LogRecord[]>;
  /** Records metrics; a metric recorded again (same run, step and name) keeps the last value. */
  recordMetrics(metrics: readonly MetricRecord[]): MaybePromise<void>;
  /** The metrics of these runs, ordered by run id, step and name. */
  readMetrics(runIds: readonly string[]): Promise<MetricRecord[]>;
}

/**
 * A role beside RunStore: a run's checkpoint (an Arazzo run's position, outputs so far) stored together
 * with the run's pending writes, so that a resumed run never sees one without the other.
 */
export interface RunCheckpoints {
  /**
   * Calls `pending` (which hands the run's buffered step and log writes to the store), then stores the
   * checkpoint and heartbeat: all in one commit where the store can (SQLite), in that order otherwise.
   */
  commitCheckpoint(
    runId: string,
    checkpoint: unknown,
    heartbeatAt: number,
    pending: () => void,
  ): MaybePromise<void>;
}

/** Whether a run store also keeps checkpoints (both built-in stores do; a custom one may not). */
export function keepsCheckpoints(runs: RunStore): runs is RunStore & RunCheckpoints {
  return typeof (runs as Partial<RunCheckpoints>).commitCheckpoint === "function";
}

/** Which step instances are complete, by cache key. */
export interface CompletionStore {
  putCompletion(completion: Completion): MaybePromise<void>;
  /** The completion stored under this key, also when a reset invalidated it (see `invalidatedAt`). */
  findCompletion(cacheKey: string): MaybePromise<Completion | undefined>;
  /** The newest completion of this pipeline's step, whatever its params: what "why it runs" compares with. */
  latestCompletion(pipeline: string, step: string): MaybePromise<Completion | undefined>;
  /** Forgets these completions (an output found missing or corrupted): their steps run again. */
  deleteCompletions(cacheKeys: readonly string[]): MaybePromise<void>;
  /**
   * Invalidates completions (reset): by cache key, and every completion of the given step instances.
   * They no longer make a step complete but stay readable with `invalidatedAt`, so the planner can say
   * `reset`. Returns how many were invalidated.
   */
  invalidateCompletions(
    pipeline: string,
    target: {
      cacheKeys?: readonly string[];
      instances?: ReadonlyArray<{ step: string; identity: string }>;
    },
  ): MaybePromise<number>;
  /**
   * A summary of every completion of a pipeline (invalidated ones too): lets the planner of a large
   * graph read them in one go, and cheaply (the full record of the few it needs comes from findCompletion).
   */
  completionsOf(pipeline: string): Promise<CompletionSummary[]>;
  /** Lineage: the completions whose output is this artifact, or has it as one field's hash (the step runs that made it). */
  producersOf(hash: string): Promise<Completion[]>;
  /** Lineage: the completions that read this artifact as an input (whichever step instance made it). */
  consumersOf(hash: string): Promise<Completion[]>;
  /** Lineage: the completions made from this completion's output (their `inputKeys` name its cache key), oldest first. */
  consumersOfInstance(cacheKey: string): Promise<Completion[]>;
}

/** The catalog of datasets, models and metrics that steps produced. */
export interface DatasetCatalog {
  recordDataset(entry: DatasetRecord): MaybePromise<void>;
  /** The newest entry of each pipeline's step, newest first. */
  listDatasets(filter?: { pipeline?: string }): Promise<DatasetRecord[]>;
  /**
   * Entries matching `query`: "pipeline/step", a step name, or an artifact hash prefix (at least 6
   * characters); newest first.
   */
  findDatasets(query: string): Promise<DatasetRecord[]>;
}
