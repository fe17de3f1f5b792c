/**
 * How records map to the SQLite store's rows and back: one place per table, so a column added by a
 * migration is added here once.
 */
import type {
  Completion,
  CompletionSummary,
  DatasetRecord,
  LogRecord,
  MetricRecord,
  RunRecord,
  StepRunRecord,
  StoredRef,
} from "../records.js";

export type Row = Record<string, unknown>;

/** The runs table's columns and the named parameters of runParams(), for INSERT statements. */
export const RUN_COLUMNS = `(run_id, pipeline, status, reason, params, targets, source, started_at, finished_at, duration_ms, error, owner_pid, owner_host, heartbeat_at, checkpoint, project, flow, owner_started, claim, effective_params, trigger, parent_run_id, waiting_on, context)
  VALUES (@run_id, @pipeline, @status, @reason, @params, @targets, @source, @started_at, @finished_at, @duration_ms, @error, @owner_pid, @owner_host, @heartbeat_at, @checkpoint, @project, @flow, @owner_started, @claim, @effective_params, @trigger, @parent_run_id, @waiting_on, @context)`;

export function runParams(run: RunRecord) {
  return {
    run_id: run.runId,
    pipeline: run.pipeline,
    status: run.status,
    reason: run.reason ?? null,
    params: JSON.stringify(run.params ?? {}),
    targets: run.targets ? JSON.stringify(run.targets) : null,
    source: run.source === undefined ? null : JSON.stringify(run.source),
    started_at: run.startedAt,
    finished_at: run.finishedAt ?? null,
    duration_ms: run.durationMs ?? null,
    error: run.error ? JSON.stringify(run.error) : null,
    owner_pid: run.ownerPid ?? null,
    owner_host: run.ownerHost ?? null,
    heartbeat_at: run.heartbeatAt ?? null,
    checkpoint: run.checkpoint === undefined ? null : JSON.stringify(run.checkpoint),
    project: run.project ?? null,
    flow: run.flow === undefined ? null : JSON.stringify(run.flow),
    owner_started: run.ownerStartedAt ?? null,
    claim: run.claim ?? null,
    effective_params:
      run.effectiveParams === undefined ? null : JSON.stringify(run.effectiveParams),
    trigger: run.trigger === undefined ? null : JSON.stringify(run.trigger),
    parent_run_id: run.trigger?.parentRunId ?? null,
    waiting_on: run.waitingOn ?? null,
    context: run.context ?? null,
  };
}

export function runFromRow(row: Row): RunRecord {
  const run: RunRecord = {
    runId: row.run_id as string,
    pipeline: row.pipeline as string,
    status: row.status as RunRecord["status"],
    params: JSON.parse(row.params as string),
    startedAt: row.started_at as number,
  };
  if (row.reason !== null) run.reason = row.reason as string;
  if (row.targets !== null) run.targets = JSON.parse(row.targets as string);
  if (row.source !== null) run.source = JSON.parse(row.source as string);
  if (row.finished_at !== null) run.finishedAt = row.finished_at as number;
  if (row.duration_ms !== null) run.durationMs = row.duration_ms as number;
  if (row.error !== null) run.error = JSON.parse(row.error as string);
  if (row.owner_pid !== null) run.ownerPid = row.owner_pid as number;
  if (row.owner_host !== null) run.ownerHost = row.owner_host as string;
  if (row.heartbeat_at !== null) run.heartbeatAt = row.heartbeat_at as number;
  if (row.checkpoint !== null) run.checkpoint = JSON.parse(row.checkpoint as string);
  if (row.project !== null) run.project = row.project as string;
  if (row.flow !== null) run.flow = JSON.parse(row.flow as string);
  if (row.owner_started !== null) run.ownerStartedAt = row.owner_started as number;
  if (row.claim !== null) run.claim = row.claim as string;
  if (row.effective_params !== null && row.effective_params !== undefined)
    run.effectiveParams = JSON.parse(row.effective_params as string);
  if (row.trigger !== null && row.trigger !== undefined)
    run.trigger = JSON.parse(row.trigger as string);
  if (row.waiting_on !== null && row.waiting_on !== undefined)
    run.waitingOn = row.waiting_on as string;
  if (row.context !== null && row.context !== undefined) run.context = row.context as string;
  return run;
}

export function stepParams(step: StepRunRecord) {
  return {
    run_id: step.runId,
    step: step.step,
    identity: step.identity,
    status: step.status,
    reason: step.reason,
    cached: step.cached ? 1 : 0,
    attempts: step.attempts,
    fallback: step.fallback ? 1 : null,
    cache_key: step.cacheKey ?? null,
    started_at: step.startedAt ?? null,
    finished_at: step.finishedAt ?? null,
    duration_ms: step.durationMs ?? null,
    output: step.output ? JSON.stringify(step.output) : null,
    error: step.error ? JSON.stringify(step.error) : null,
    http: step.http ? JSON.stringify(step.http) : null,
    waiting_on: step.waitingOn ?? null,
  };
}

export function stepFromRow(row: Row): StepRunRecord {
  const step: StepRunRecord = {
    runId: row.run_id as string,
    step: row.step as string,
    identity: row.identity as string,
    status: row.status as StepRunRecord["status"],
    reason: row.reason as StepRunRecord["reason"],
    cached: row.cached === 1,
    attempts: row.attempts as number,
  };
  if (row.fallback === 1) step.fallback = true;
  if (row.cache_key !== null) step.cacheKey = row.cache_key as string;
  if (row.started_at !== null) step.startedAt = row.started_at as number;
  if (row.finished_at !== null) step.finishedAt = row.finished_at as number;
  if (row.duration_ms !== null) step.durationMs = row.duration_ms as number;
  if (row.output !== null) step.output = JSON.parse(row.output as string);
  if (row.error !== null) step.error = JSON.parse(row.error as string);
  if (row.http !== null && row.http !== undefined) step.http = JSON.parse(row.http as string);
  if (row.waiting_on !== null && row.waiting_on !== undefined)
    step.waitingOn = row.waiting_on as string;
  return step;
}

export type SummaryRow = [
  string,
  string,
  string,
  string,
  StoredRef["kind"],
  number,
  string | null,
  number,
  number | null,
  number | null,
];

export function summaryFromRow([
  cacheKey,
  step,
  paramsHash,
  hash,
  kind,
  size,
  fieldHashes,
  createdAt,
  invalidatedAt,
  itemsFailed,
]: SummaryRow): CompletionSummary {
  const summary: CompletionSummary = {
    cacheKey,
    step,
    paramsHash,
    output: { hash, kind, size },
    createdAt,
  };
  if (fieldHashes !== null) summary.fieldHashes = JSON.parse(fieldHashes);
  if (invalidatedAt !== null) summary.invalidatedAt = invalidatedAt;
  if (itemsFailed !== null) summary.itemsFailed = itemsFailed;
  return summary;
}

export function completionFromRow(row: Row): Completion {
  const completion: Completion = {
    cacheKey: row.cache_key as string,
    pipeline: row.pipeline as string,
    step: row.step as string,
    identity: row.identity as string,
    codeHash: row.code_hash as string,
    paramsHash: row.params_hash as string,
    inputHashes: JSON.parse(row.input_hashes as string),
    output: {
      hash: row.output_hash as string,
      kind: row.output_kind as Completion["output"]["kind"],
      size: row.output_size as number,
    },
    runId: row.run_id as string,
    createdAt: row.created_at as number,
  };
  if (row.invalidated_at !== null && row.invalidated_at !== undefined)
    completion.invalidatedAt = row.invalidated_at as number;
  if (row.field_hashes !== null && row.field_hashes !== undefined)
    completion.fieldHashes = JSON.parse(row.field_hashes as string);
  if (row.items_failed !== null && row.items_failed !== undefined)
    completion.itemsFailed = row.items_failed as number;
  if (row.input_keys !== null && row.input_keys !== undefined)
    completion.inputKeys = JSON.parse(row.input_keys as string);
  return completion;
}

export function completionParams(completion: Completion) {
  return {
    cache_key: completion.cacheKey,
    pipeline: completion.pipeline,
    step: completion.step,
    identity: completion.identity,
    code_hash: completion.codeHash,
    params_hash: completion.paramsHash,
    input_hashes: JSON.stringify(completion.inputHashes),
    input_keys: completion.inputKeys ? JSON.stringify(completion.inputKeys) : null,
    field_hashes: completion.fieldHashes ? JSON.stringify(completion.fieldHashes) : null,
    output_hash: completion.output.hash,
    output_kind: completion.output.kind,
    output_size: completion.output.size,
    run_id: completion.runId,
    created_at: completion.createdAt,
    items_failed: completion.itemsFailed ?? null,
  };
}

export function datasetFromRow(row: Row): DatasetRecord {
  const entry: DatasetRecord = {
    hash: row.hash as string,
    pipeline: row.pipeline as string,
    step: row.step as string,
    runId: row.run_id as string,
    tag: row.tag as DatasetRecord["tag"],
    kind: row.kind as DatasetRecord["kind"],
    size: row.size as number,
    createdAt: row.created_at as number,
  };
  if (row.rows !== null) entry.rows = row.rows as number;
  if (row.columns !== null) entry.columns = JSON.parse(row.columns as string);
  return entry;
}

export function datasetParams(entry: DatasetRecord) {
  return {
    hash: entry.hash,
    pipeline: entry.pipeline,
    step: entry.step,
    run_id: entry.runId,
    tag: entry.tag,
    kind: entry.kind,
    size: entry.size,
    rows: entry.rows ?? null,
    columns: entry.columns ? JSON.stringify(entry.columns) : null,
    created_at: entry.createdAt,
  };
}

export function logParams(log: LogRecord) {
  return {
    run_id: log.runId,
    step: log.step ?? null,
    time: log.time,
    level: log.level,
    message: log.message,
    data: log.data === undefined ? null : safeJson(log.data),
  };
}

export function logFromRow(row: Row): LogRecord {
  const log: LogRecord = {
    runId: row.run_id as string,
    time: row.time as number,
    level: row.level as LogRecord["level"],
    message: row.message as string,
  };
  if (row.step !== null) log.step = row.step as string;
  if (row.data !== null) log.data = JSON.parse(row.data as string);
  return log;
}

export function metricFromRow(row: Row, runId: string): MetricRecord {
  return {
    runId,
    step: row.step as string,
    name: row.name as string,
    value: row.value as number,
    time: row.time as number,
  };
}

export type ArtifactRow = {
  kind: "json" | "blob" | "records" | "table" | "parquet";
  size: number;
  inline?: string;
};

export function artifactFromRow(row: Row): ArtifactRow {
  const artifact: ArtifactRow = {
    kind: row.kind as ArtifactRow["kind"],
    size: row.size as number,
  };
  if (row.inline !== null) artifact.inline = row.inline as string;
  return artifact;
}

export function artifactParams(row: { hash: string } & ArtifactRow, createdAt: number) {
  return {
    hash: row.hash,
    kind: row.kind,
    size: row.size,
    inline: row.inline ?? null,
    created_at: createdAt,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return JSON.stringify(String(value));
  }
}
