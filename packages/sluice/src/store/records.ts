import type { LogLevel, Reason, RunStatus, SerializedError, StepStatus } from "../core/index.js";

/** A stored output's address, as the artifacts folder defines it (kept structural to avoid a layer edge). */
export interface StoredRef {
  readonly hash: string;
  readonly kind: "json" | "blob" | "records" | "table" | "parquet";
  readonly size: number;
}

/** A catalog entry: a step output that is a dataset, a model or metrics. */
export interface DatasetRecord {
  hash: string;
  pipeline: string;
  step: string;
  runId: string;
  /** What the step said it is (dataset(), model(), metrics()), or "dataset" for tabular data. */
  tag: "dataset" | "model" | "metrics";
  kind: StoredRef["kind"];
  size: number;
  rows?: number;
  columns?: Array<{ name: string; type: string }>;
  createdAt: number;
}

/** What started a run. */
export interface RunTrigger {
  kind: "manual" | "api" | "schedule" | "parent" | "event";
  /** kind "parent": the run whose `runFlow` step started this one, and that step. */
  parentRunId?: string;
  parentStep?: string;
  /** kind "schedule": the schedule and the tick it fired for (ms since the epoch). */
  scheduleId?: string;
  tickAt?: number;
  /** kind "event": the upstream run whose end started this one (scheduleId names the trigger). */
  upstreamRunId?: string;
}

export interface RunRecord {
  runId: string;
  pipeline: string;
  status: RunStatus;
  /** Why a run ended as it did when the status alone does not say (e.g. `crashed`). */
  reason?: string;
  /** The params the run was given (secrets masked). */
  params: Record<string, unknown>;
  /**
   * Every param its steps declare, as they saw it: given or defaulted (secrets masked). What `sluice
   * compare` compares; absent for runs recorded before sluice kept it.
   */
  effectiveParams?: Record<string, unknown>;
  targets?: string[];
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  error?: SerializedError;
  /**
   * Where the run's definition came from, so it can be resumed from the CLI: a pipeline module and its
   * export, or (kind "arazzo") an Arazzo document and its workflow.
   */
  source?: { file: string; exportName?: string; kind?: "pipeline" | "arazzo" };
  /** Where an interrupted run continues: state a runner keeps for resuming (JSON), if it keeps any. */
  checkpoint?: unknown;
  /** The project the run belongs to; runs recorded without one belong to DEFAULT_PROJECT. */
  project?: string;
  /** The registered flow version the run was triggered from (by the server or `sluice trigger`). */
  flow?: { version: string; hash: string };
  /** The context (dev, prod...) whose params the run took, if it was given one. */
  context?: string;
  /** What started it; absent for runs recorded before sluice kept it (and for plain `sluice run`s, "manual"). */
  trigger?: RunTrigger;
  /** The process that owns a running run, and its last sign of life: how a crashed run is told from a live one. */
  ownerPid?: number;
  ownerHost?: string;
  /** When the owner process started (ms since the epoch): a pid reused by a later process is another owner. */
  ownerStartedAt?: number;
  heartbeatAt?: number;
  /**
   * The current claim on the run (a random token, new at every claim): who may write its records. A
   * claim is taken by compare-and-set (RunStore.casRun); a superseded owner's writes are refused.
   */
  claim?: string;
  /** What a `queued` run waits on: `limit runs of flow "train" 1/1`. */
  waitingOn?: string;
  /**
   * "workers": the run was dispatched to its stack's workers (`sluice worker`). No process owns it: it
   * goes on while its steps are in the database's queue, and a worker's death costs only its steps.
   */
  executor?: "workers";
}

export interface StepRunRecord {
  runId: string;
  step: string;
  identity: string;
  status: StepStatus;
  reason: Reason;
  cached: boolean;
  attempts: number;
  fallback?: boolean;
  cacheKey?: string;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  output?: StoredRef;
  error?: SerializedError;
  /** An HTTP step's last exchange (Arazzo): what was sent, what came back, and each criterion's result. */
  http?: HttpExchange;
  /** What a `waiting` step waits on: `limit gpu 2/2`. */
  waitingOn?: string;
}

/** An HTTP call as a step record keeps it: secrets masked, bodies capped (see arazzo/exchange.ts). */
export interface HttpExchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body?: string };
  /** Each success criterion in order, with whether it held (a criterion not reached is left out). */
  criteria: Array<{ condition: string; type: string; held: boolean }>;
  /** Why no response arrived, when none did. */
  error?: string;
}

export interface LogRecord {
  runId: string;
  step?: string;
  time: number;
  level: LogLevel;
  message: string;
  data?: unknown;
}

/** A numeric metric a step recorded in a run (`ctx.metric()`, or a field of a `metrics()` output). */
export interface MetricRecord {
  runId: string;
  step: string;
  name: string;
  value: number;
  time: number;
}

/**
 * The proof that a step instance is complete: an output stored for its cache key (d6tflow: complete
 * when its output exists), with what went into the key so the planner can say why a step reruns.
 */
export interface Completion {
  cacheKey: string;
  pipeline: string;
  step: string;
  identity: string;
  codeHash: string;
  paramsHash: string;
  /** Content hash of each input value, by input name. */
  inputHashes: Record<string, string>;
  /**
   * The cache key of the completion each input value came from, by input name: the step instance
   * that made it. Lineage follows these (two steps can make the same bytes, so a content hash does
   * not say which one an input came from). Absent for inputs with no completion (a fallback value).
   */
  inputKeys?: Record<string, string>;
  /** Content hashes of the output's fields that consumers read one by one (`.out("x")`), by field. */
  fieldHashes?: Record<string, string>;
  output: StoredRef;
  runId: string;
  createdAt: number;
  /** Set by a reset: the output is kept for lineage but no longer makes the step complete. */
  invalidatedAt?: number;
  /**
   * A map step's output in which this many items failed (within its minSuccessRatio): stored and
   * readable, but it does not make the step complete, so the next run retries those items.
   */
  itemsFailed?: number;
}

/**
 * What the planner needs of a completion to tell whether a step is complete (and, for a reset, that it
 * was); the full record comes from `findCompletion`.
 */
export type CompletionSummary = Pick<
  Completion,
  | "cacheKey"
  | "step"
  | "paramsHash"
  | "output"
  | "fieldHashes"
  | "createdAt"
  | "invalidatedAt"
  | "itemsFailed"
>;

/** The project of runs recorded without one (a plain `sluice run` outside a workspace). */
export const DEFAULT_PROJECT = "default";

export interface RunFilter {
  pipeline?: string;
  /** Runs of this project (those recorded without a project are in DEFAULT_PROJECT). */
  project?: string;
  status?: RunStatus;
  /** The runs a `runFlow` step of this run started (RunRecord.trigger.parentRunId). */
  parentRunId?: string;
  /** Runs started this way (a run recorded without a trigger was started by hand: "manual"). */
  trigger?: RunTrigger["kind"];
  /** Runs started at or after this time (ms since the epoch). */
  since?: number;
  limit?: number;
}
