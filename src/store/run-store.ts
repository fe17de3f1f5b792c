import type { MaybePromise } from "../core/index.js";
import type { Completion, LogRecord, RunFilter, RunRecord, StepRunRecord } from "./records.js";

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
  /** Newest first. */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  appendLogs(logs: readonly LogRecord[]): MaybePromise<void>;
  /** Oldest first; `tail` keeps the last N. */
  readLogs(runId: string, options?: { step?: string; tail?: number }): Promise<LogRecord[]>;
}

/** Which step instances are complete, by cache key. */
export interface CompletionStore {
  putCompletion(completion: Completion): MaybePromise<void>;
  findCompletion(cacheKey: string): MaybePromise<Completion | undefined>;
  /** The newest completion of this pipeline's step, whatever its params: what "why it runs" compares with. */
  latestCompletion(pipeline: string, step: string): MaybePromise<Completion | undefined>;
  /** Forgets these completions (reset, or an output found missing): their steps run again. */
  deleteCompletions(cacheKeys: readonly string[]): MaybePromise<void>;
}
