/**
 * The HTTP API's JSON shapes, as plain types for the typed client: no zod, no server code.
 * The server's zod schemas (@sluice/server, src/wire.ts) are the source of truth: each type here has the name
 * of one schema and equals its `z.infer` type, which test/types/wire-matches-zod.ts checks.
 */

/** The same object type written out flat: `Flat<A & B>` is what zod infers for `A.extend(B)`. */
type Flat<T> = { [K in keyof T]: T[K] };

/** ISO 8601 time (UTC). */
type Timestamp = string;

/** A run's status (core/vocabulary.ts: RUN_STATUSES). */
type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** A step's status in a run (core/vocabulary.ts: STEP_STATUSES). */
type StepStatus =
  "pending" | "waiting" | "running" | "succeeded" | "skipped" | "failed" | "cancelled";

/** Why the planner ran or skipped a step (core/vocabulary.ts: REASONS). */
type Reason =
  | "missing-output"
  | "params-changed"
  | "code-changed"
  | "upstream-changed"
  | "input-data-changed"
  | "upstream-schema-changed"
  | "forced"
  | "reset"
  | "items-failed"
  | "complete"
  | "upstream-failed"
  | "condition-false"
  | "cancelled";

/** A log line's level (core/vocabulary.ts: LOG_LEVELS). */
type LogLevel = "debug" | "info" | "warn" | "error";

/** How an artifact is stored. */
type ArtifactKind = "json" | "blob" | "records" | "table" | "parquet";

/** A table's column. */
type Column = { name: string; type: string };

/** One hop of an artifact's lineage. */
type LineageLink = {
  depth: number;
  pipeline: string;
  step: string;
  artifact: string;
  runId: string;
  /** The instance one link nearer the start this one was reached from. */
  via: { pipeline: string; step: string; runId: string };
};

/** Every error response has this shape. */
export type ErrorBody = {
  error: {
    /** One of sluice's error codes, e.g. invalid-request, unauthorized, not-found. */
    code: string;
    message: string;
    step?: string;
    runId?: string;
    details?: Record<string, unknown>;
  };
};

/** A run's or a step's error. */
export type SerializedErrorBody = {
  code: string;
  message: string;
  step?: string;
  runId?: string;
  /** Only in the CLI's local output: the server never sends stacks. */
  stack?: string;
  details?: Record<string, unknown>;
};

/** A project and how many flows it has. */
export type Project = { key: string; flows: number };

export type ProjectList = { projects: Project[] };

/** A step of a flow's graph. */
export type FlowStep = {
  name: string;
  deps: string[];
  params: string[];
  fingerprint: string;
  description?: string;
  /** map: runs over items; dynamic: expands at run time; flow: starts a run of a flow. */
  kind: "step" | "map" | "dynamic" | "flow";
  /** The deps that only order this step (`after`): no data passes. */
  after?: string[];
  /** The sub-pipeline (`use()`) the step comes from, outermost first ("outer.inner"). */
  group?: string;
};

/** A flow in a list of flows. */
export type FlowSummary = {
  project: string;
  name: string;
  version: string;
  hash: string;
  description?: string;
  steps: number;
};

export type FlowList = { flows: FlowSummary[] };

/** A flow: its graph, its params' JSON Schema and its versions. */
export type FlowDetail = {
  project: string;
  name: string;
  version: string;
  hash: string;
  description?: string;
  graph: { steps: FlowStep[] };
  /** JSON Schema of the params a run takes. */
  paramsSchema: Record<string, unknown>;
  /** Registered versions, newest first. */
  versions: { version: string; hash: string; registeredAt: Timestamp }[];
};

/** What started a run: a person or script (manual), the API, a schedule's tick, a parent run's `runFlow` step, an event. */
export type RunTrigger = {
  kind: "manual" | "api" | "schedule" | "parent" | "event";
  parentRunId?: string;
  parentStep?: string;
  scheduleId?: string;
  /** The tick a schedule fired for (ms since the epoch). */
  tickAt?: number;
  /** kind "event": the upstream run whose end started this one. */
  upstreamRunId?: string;
};

/** A schedule of the workspace config, with its state. */
export type ScheduleView = {
  id: string;
  flow: string;
  /** A cron pattern, read in `timezone`; or null for an interval schedule. */
  cron: string | null;
  /** An interval schedule's period; null for a cron schedule. */
  everyMs: number | null;
  /** An event trigger: the upstream flow and the ends of its runs that start this flow. */
  on: { flow: string; status: Array<"succeeded" | "failed" | "cancelled"> } | null;
  timezone: string;
  overlap: "skip" | "queue" | "cancel-previous" | "allow";
  catchUp: "none" | "latest" | "all";
  enabled: boolean;
  paused: boolean;
  nextTickAt: Timestamp | null;
  lastTick: {
    tickAt: Timestamp;
    outcome: "started" | "skipped" | null;
    runId: string | null;
  } | null;
};

export type ScheduleList = { schedules: ScheduleView[] };

/** A worker of a stack whose runs go to workers (`sluice worker`). */
export type WorkerView = {
  workerId: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  flows: { name: string; version: string; hash: string }[];
  startedAt: Timestamp;
  heartbeatAt: Timestamp;
  stopping: boolean;
  /** The steps it runs now, as `run/step`. */
  running: string[];
};

export type WorkerList = { workers: WorkerView[] };

/** What a tick fired now (`POST .../schedules/{id}/trigger`) did. */
export type TickResult = {
  scheduleId: string;
  tickAt: Timestamp;
  outcome: "started" | "skipped" | "queued" | "taken";
  runId?: string;
};

/** A run that a `runFlow` step of another run started. */
export type ChildRun = { runId: string; pipeline: string; status: RunStatus; parentStep?: string };

/** A run in a list of runs, without its steps. */
export type RunSummary = {
  runId: string;
  project: string;
  pipeline: string;
  status: RunStatus;
  running: boolean;
  reason?: string;
  params: Record<string, unknown>;
  /** The params as the steps saw them, defaults included (secrets masked). */
  effectiveParams?: Record<string, unknown>;
  targets?: string[];
  flow?: { version: string; hash: string };
  /** The context (dev, prod...) whose params the run took. */
  context?: string;
  /** An Arazzo workflow's run (`sluice arazzo run`): its steps are HTTP calls; absent for a flow's run. */
  kind?: "arazzo";
  trigger?: RunTrigger;
  /** The run whose `runFlow` step started this one (trigger.parentRunId). */
  parentRunId?: string;
  /** What a queued run waits for: `limit runs of flow "train" 1/1`. */
  waitingOn?: string;
  startedAt: Timestamp;
  finishedAt: Timestamp | null;
  durationMs: number | null;
  error?: SerializedErrorBody;
};

export type RunList = { runs: RunSummary[] };

/** A step's output artifact. */
export type OutputRef = { hash: string; kind: ArtifactKind; size: number };

/** A step of a run. */
export type StepRun = {
  name: string;
  identity: string;
  status: StepStatus;
  reason: Reason;
  cached: boolean;
  attempts: number;
  fallback?: boolean;
  cacheKey?: string;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  durationMs?: number;
  output?: OutputRef;
  error?: SerializedErrorBody;
  /** What a waiting step waits for: `limit gpu 2/2`. */
  waitingOn?: string;
  /**
   * An Arazzo step's last HTTP exchange: secrets masked, bodies capped at 64 KiB, each success
   * criterion's result.
   */
  http?: {
    request: { method: string; url: string; headers: Record<string, string>; body?: string };
    response?: { status: number; headers: Record<string, string>; body?: string };
    criteria: { condition: string; type: string; held: boolean }[];
    error?: string;
  };
};

/** A run with its steps. */
export type RunDetail = Flat<
  RunSummary & {
    firstFailure?: { step?: string; error: SerializedErrorBody };
    steps: StepRun[];
    /** The runs its `runFlow` steps started, oldest first. */
    children?: ChildRun[];
  }
>;

/** What a poller needs: cheap to ask for often. */
export type LightStatus = {
  runId: string;
  status: RunStatus;
  running: boolean;
  finishedAt: Timestamp | null;
  outcome: RunStatus | null;
};

/** The body of a request to start a run (unknown keys are refused). */
export type TriggerRequest = {
  /** The run's parameters, validated by the flow's schemas. */
  params?: Record<string, unknown>;
  /** Run only if this is the loaded version (label or hash). */
  version?: string;
  targets?: string[];
  force?: string[];
  forceAll?: boolean;
  /** A context of the workspace (dev, prod...) whose params the run takes; `params` win. */
  context?: string;
  /** The run (and its runFlow step) that starts this one: recorded as trigger kind "parent". */
  parent?: { runId: string; step: string };
};

/** The run a trigger started (or found). */
export type TriggerResponse = Flat<
  RunSummary & {
    /** False when the Idempotency-Key named an earlier run. */
    created: boolean;
  }
>;

/** A line of a run's log. */
export type LogLine = {
  runId: string;
  step?: string;
  time: Timestamp;
  level: LogLevel;
  message: string;
  data?: unknown;
};

export type LogList = { runId: string; logs: LogLine[] };

/** A step's output in the catalog. */
export type Dataset = {
  /** pipeline/step */
  dataset: string;
  hash: string;
  pipeline: string;
  step: string;
  runId: string;
  tag: "dataset" | "model" | "metrics";
  kind: ArtifactKind;
  size: number;
  rows?: number;
  columns?: Column[];
  createdAt: Timestamp;
};

export type DatasetList = { datasets: Dataset[] };

/** A dataset's columns and row count. */
export type DatasetSchema = {
  dataset: string;
  artifact: string;
  tag: string;
  kind: string;
  rows: number | null;
  columns: Column[];
};

/** The first rows of a dataset. */
export type DatasetRows = { dataset: string; rows: Record<string, unknown>[]; total: number };

/** An artifact and the steps that made it. */
export type ArtifactMeta = {
  hash: string;
  kind: ArtifactKind;
  size: number;
  madeBy: { pipeline: string; step: string; runId: string }[];
};

/** A run's artifacts, by step. */
export type ArtifactList = {
  runId: string;
  artifacts: { step: string; hash: string; kind: string; size: number }[];
};

/** An artifact's makers (with their inputs), and what is upstream and downstream of it. */
export type Lineage = {
  artifact: string;
  madeBy: { pipeline: string; step: string; runId: string; inputs: Record<string, string> }[];
  upstream: LineageLink[];
  downstream: LineageLink[];
};

/** A run's metrics. */
export type RunMetrics = {
  runId: string;
  /** By step, then metric name; a cached step shows the run that computed it. */
  metrics: Record<string, Record<string, number>>;
};

/** The server's health check. */
export type Health = { ok: boolean; version: string };

/** Who the caller is: its project, and whether its key may act (a UI hides what it may not do). */
export type Whoami = {
  project: string;
  readOnly: boolean;
  /** "none": a server started with --insecure-local. */
  auth: "api-key" | "none";
  keyId?: string;
  name?: string;
};

/** What a preview takes: the params a run would get, and what to target or force. */
export type PreviewRequest = {
  params?: Record<string, unknown>;
  targets?: string[];
  force?: string[];
  forceAll?: boolean;
  /** A context of the workspace whose params the run would take; `params` win. */
  context?: string;
};

/** A step of a preview: its plan status and the reason. */
export type PreviewStep = {
  name: string;
  status: "pending" | "complete" | "dynamic";
  reason: Reason;
  deps: string[];
  /** The params it declares (secrets masked). */
  params: Record<string, unknown>;
  conditions?: string[];
  itemsFailed?: number;
  /** A runFlow step: the flow whose run it starts. */
  runsFlow?: string;
  /** Its cache key, known when every upstream step is complete. */
  cacheKey?: string;
  /** What the cache key is made of: code fingerprint, params hash, each input's content hash once known. */
  keyInputs?: { code: string; params: string; inputs?: Record<string, string> };
  /** A dataset step's output columns, derived before the run (DuckDB recipes). */
  columns?: Array<{ name: string; type: string }>;
};

/** What a run with some params would do, and why. */
export type FlowPreview = {
  flow: string;
  version: string;
  hash: string;
  /** With a context: each param it sets, beside its default (secrets masked). */
  context?: {
    name: string;
    source: string;
    params: Array<{ param: string; value: unknown; default?: unknown; required?: true }>;
  };
  steps: PreviewStep[];
};

/** A reset of a step and its downstream for some params (dryRun: only say what). */
export type ResetRequest = { step: string; params?: Record<string, unknown>; dryRun?: boolean };

/** What a reset invalidated (or would). */
export type ResetResult = { steps: string[]; invalidated: number; dryRun: boolean };

/** A step's side in a comparison (null: it did not run in that run). */
type ComparedStep = {
  status: string;
  cached: boolean;
  cacheKey: string | null;
  output: string | null;
} | null;

/** Two runs compared: params, metrics with deltas (b - a), and the steps that differed. */
export type RunComparison = {
  a: RunSummary;
  b: RunSummary;
  definition: {
    a: { version: string; hash: string } | null;
    b: { version: string; hash: string } | null;
    same: boolean;
  };
  params: { name: string; a: unknown; b: unknown }[];
  metrics: {
    step: string;
    name: string;
    a: number | null;
    b: number | null;
    delta: number | null;
  }[];
  steps: { step: string; a: ComparedStep; b: ComparedStep }[];
};

/**
 * An event of the server-sent streams: `snapshot` (a run's light status, first), `run:waiting`,
 * `run:start`, `step:waiting`, `step:start`, `step:retry`, `step:log`, `step:end`, `run:end`
 * (with `status`, `success` and `firstFailure`); each with the run's `runId` and `project`.
 */
export type ServerEvent = { type: string; project: string; runId?: string } & Record<
  string,
  unknown
>;

/** Where a model version stands. */
export type ModelStage = "staging" | "production" | "archive";

/** A registered model version. */
export type Model = {
  project: string;
  name: string;
  version: string;
  /** Absent until promoted. */
  stage?: ModelStage;
  /** The run that made it. */
  runId: string;
  pipeline: string;
  step: string;
  artifact: { hash: string; kind: ArtifactKind; size: number };
  /** The run's params (secrets masked). */
  params: Record<string, unknown>;
  /** The run's metrics by step and name. */
  metrics: Record<string, Record<string, number>>;
  /** The definition that made it: version label and snapshot hash. */
  flow: { version: string; hash: string };
  /** Lineage: the content hash of each input of the step that made it. */
  inputs: Record<string, string>;
  /** Each promotion: the stage, who (the API key's name or id) and when (ISO 8601). */
  promotions: Array<{ stage: ModelStage; by: string; at: string }>;
  createdAt: string;
};

/** Every registered model version, by name then newest first. */
export type ModelList = { models: Model[] };

/** A promotion of a model version to a stage. */
export type PromoteRequest = { stage: ModelStage };
