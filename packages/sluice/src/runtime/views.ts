/**
 * The JSON views of runs, steps, logs and datasets (lineage.ts: lineage): one shape for `sluice ... --json`
 * and for the HTTP API (the client's types come from core/wire.ts, which describes these).
 */
import {
  arrowToRecords,
  decodeValue,
  isParquetDataset,
  parquetRecords,
  type ArtifactRef,
} from "../artifacts/index.js";
import { canonicalJson, SluiceError } from "../core/index.js";
import type { wire } from "@sluice/client";
import { ownerName, shownRun } from "../engine/index.js";
import type { SluiceHome } from "./home.js";
import {
  DEFAULT_PROJECT,
  type CompletionStore,
  type DatasetRecord,
  type LogRecord,
  type RunRecord,
  type RunStore,
  type StepRunRecord,
} from "../store/index.js";

const iso = (time: number | undefined) =>
  time === undefined ? null : new Date(time).toISOString();

/**
 * Every view shows a run whose owner is provably dead as `failed (crashed)` (and its running steps as
 * failed), before any writing command records it so: a reader never writes.
 */
export function runJson(stored: RunRecord) {
  const run = shownRun(stored);
  const running = isRunning(run);
  return {
    runId: run.runId,
    project: run.project ?? DEFAULT_PROJECT,
    pipeline: run.pipeline,
    status: run.status,
    running,
    ...(run.reason ? { reason: run.reason } : {}),
    params: run.params,
    ...(run.effectiveParams ? { effectiveParams: run.effectiveParams } : {}),
    ...(run.targets ? { targets: run.targets } : {}),
    ...(run.flow ? { flow: run.flow } : {}),
    ...(run.context ? { context: run.context } : {}),
    ...(run.source?.kind === "arazzo" ? { kind: "arazzo" as const } : {}),
    ...(run.trigger ? { trigger: run.trigger } : {}),
    ...(run.trigger?.parentRunId ? { parentRunId: run.trigger.parentRunId } : {}),
    ...(run.status === "queued" && run.waitingOn ? { waitingOn: run.waitingOn } : {}),
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: running ? null : iso(run.finishedAt),
    durationMs: running ? null : (run.durationMs ?? null),
    ...(run.error ? { error: run.error } : {}),
  };
}

export function stepJson(step: StepRunRecord) {
  const { runId: _runId, step: name, waitingOn, ...rest } = step;
  return {
    name,
    ...rest,
    ...(step.status === "waiting" && waitingOn ? { waitingOn } : {}),
    startedAt: iso(step.startedAt),
    finishedAt: iso(step.finishedAt),
  };
}

/** The step that failed first (a crash only when nothing else failed), or the run's own error. */
export function firstFailureOf(run: RunRecord, steps: readonly StepRunRecord[]) {
  const failed =
    steps.find((step) => step.status === "failed" && step.error && step.error.code !== "crashed") ??
    steps.find((step) => step.status === "failed");
  if (failed) return { step: failed.step, error: failed.error! };
  return run.error ? { step: undefined, error: run.error } : undefined;
}

/** A run's full status, first failure first (as `sluice show --json` prints it). */
export function runDetailJson(
  stored: RunRecord,
  stepRecords: readonly StepRunRecord[],
  children: readonly RunRecord[] = [],
) {
  const run = shownRun(stored);
  const steps = run === stored ? stepRecords : stepRecords.map((step) => crashedStep(step, run));
  const firstFailure = firstFailureOf(run, steps);
  return {
    ...(firstFailure ? { firstFailure } : {}),
    ...runJson(run),
    steps: steps.map(stepJson),
    ...(children.length > 0 ? { children: children.map(childJson) } : {}),
  };
}

/** A child run as its parent's detail lists it. */
function childJson(stored: RunRecord) {
  const run = shownRun(stored);
  return {
    runId: run.runId,
    pipeline: run.pipeline,
    status: run.status,
    ...(run.trigger?.parentStep ? { parentStep: run.trigger.parentStep } : {}),
  };
}

/** A step of a run shown as crashed, as the next writing command will record it. */
function crashedStep(step: StepRunRecord, run: RunRecord): StepRunRecord {
  if (step.status === "running" || (step.status === "waiting" && step.startedAt))
    return {
      ...step,
      status: "failed",
      error: {
        code: "crashed",
        message: `The process running this step (${ownerName(run)}) died.`,
      },
    };
  if (step.status === "pending" || step.status === "waiting")
    return { ...step, status: "cancelled", reason: "cancelled" };
  return step;
}

/** The lightweight status a poller asks for: is it still running, and how did it end. */
export function lightStatusJson(stored: RunRecord) {
  const run = shownRun(stored);
  const running = isRunning(run);
  return {
    runId: run.runId,
    status: run.status,
    running,
    finishedAt: running ? null : iso(run.finishedAt),
    outcome: running ? null : run.status,
  };
}

/**
 * A queued or running run has not finished: a resumed run's record may still hold its earlier end for a
 * moment (until its new owner clears it), which no view shows.
 */
function isRunning(run: RunRecord): boolean {
  return run.status === "running" || run.status === "queued";
}

export function logJson(log: LogRecord) {
  return { ...log, time: new Date(log.time).toISOString() };
}

export function datasetJson(entry: DatasetRecord) {
  return {
    dataset: `${entry.pipeline}/${entry.step}`,
    ...entry,
    createdAt: new Date(entry.createdAt).toISOString(),
  };
}

export function schemaJson(entry: DatasetRecord) {
  return {
    dataset: `${entry.pipeline}/${entry.step}`,
    artifact: entry.hash,
    tag: entry.tag,
    kind: entry.kind,
    rows: entry.rows ?? null,
    columns: entry.columns ?? [],
  };
}

/** The one dataset `query` names ("pipeline/step", a step, or an artifact hash prefix), among `allowed` pipelines when given. */
export async function findDataset(
  home: SluiceHome,
  query: string,
  allowed?: ReadonlySet<string>,
): Promise<DatasetRecord> {
  const entries = (await home.catalog.findDatasets(query)).filter(
    (e) => allowed === undefined || allowed.has(e.pipeline),
  );
  if (entries.length === 0) {
    const known = (await home.catalog.listDatasets())
      .filter((e) => allowed === undefined || allowed.has(e.pipeline))
      .map((e) => `${e.pipeline}/${e.step}`);
    throw new SluiceError(
      "not-found",
      `No dataset "${query}". Name it as pipeline/step, a step, or an artifact hash prefix.${known.length > 0 ? ` Known: ${known.slice(0, 10).join(", ")}.` : ""}`,
    );
  }
  const names = new Set(entries.map((e) => `${e.pipeline}/${e.step}`));
  if (names.size > 1)
    throw new SluiceError(
      "invalid-usage",
      `"${query}" names several datasets (${[...names].join(", ")}); name one as pipeline/step.`,
    );
  return entries[0]!;
}

/** The first `n` rows of a tabular dataset, and how many it has. */
export async function datasetRows(
  home: SluiceHome,
  entry: DatasetRecord,
  n: number,
): Promise<{ rows: Array<Record<string, unknown>>; total: number }> {
  const encoded = await home.artifacts.get({
    hash: entry.hash,
    kind: entry.kind,
    size: entry.size,
  } as ArtifactRef);
  if (!encoded)
    throw new SluiceError(
      "not-found",
      `The stored data of ${entry.pipeline}/${entry.step} (artifact ${entry.hash.slice(0, 12)}) is missing or corrupted. Run the pipeline again to recompute it.`,
    );
  const value = await decodeValue(encoded);
  if (isParquetDataset(value))
    return { rows: await parquetRecords(value, n), total: value.info?.rows ?? entry.rows ?? 0 };
  const records = entry.kind === "table" ? arrowToRecords(value as never) : value;
  if (!Array.isArray(records)) {
    const files = (value as { files?: Array<{ path?: unknown }> } | null)?.files;
    if (entry.columns && Array.isArray(files))
      throw new SluiceError(
        "invalid-usage",
        `${entry.pipeline}/${entry.step} is read in place from ${files.map((f) => String(f.path)).join(", ")}; sluice stores its schema (sluice schema), not its rows. Look at the files, or at the rows of a recipe that reads it.`,
      );
    throw new SluiceError(
      "invalid-usage",
      `${entry.pipeline}/${entry.step} is not tabular (a ${entry.tag}); only datasets have rows.`,
    );
  }
  return { rows: records.slice(0, n) as Array<Record<string, unknown>>, total: records.length };
}

/** What lineage starts from: a hash prefix (12 to 63 hex digits) as the whole hash it names, anything else as given. */
export async function lineageQuery(
  home: SluiceHome,
  query: string,
  allowed?: ReadonlySet<string>,
): Promise<string> {
  return HEX.test(query) && query.length >= MIN_HASH_PREFIX && query.length < 64
    ? artifactOfPrefix(home, query, allowed)
    : query;
}

/** The fewest hex digits that name an artifact: as many as the CLI prints. */
export const MIN_HASH_PREFIX = 12;
const HEX = /^[0-9a-f]{1,64}$/;
/** More candidates than this are not counted one by one. */
const MAX_CANDIDATES = 100;

/** The artifact a hash or a unique prefix of it (at least 12 hex digits) names, among the outputs of `allowed` pipelines. */
export async function artifactOfPrefix(
  home: SluiceHome,
  prefix: string,
  allowed?: ReadonlySet<string>,
): Promise<string> {
  if (!HEX.test(prefix))
    throw new SluiceError(
      "invalid-request",
      `"${prefix}" is not an artifact hash: give its hex digits (lowercase), at least the first ${MIN_HASH_PREFIX}.`,
    );
  if (prefix.length < MIN_HASH_PREFIX)
    throw new SluiceError(
      "invalid-request",
      `"${prefix}" has ${prefix.length} hex digits: an artifact hash prefix needs at least ${MIN_HASH_PREFIX} (as sluice prints them), or give all 64.`,
    );
  const hashes = await home.outputs.outputHashesWithPrefix(prefix, {
    pipelines: allowed === undefined ? undefined : [...allowed],
    limit: MAX_CANDIDATES + 1,
  });
  if (hashes.length === 0)
    throw new SluiceError(
      "not-found",
      `No artifact ${prefix}${allowed === undefined ? "" : " made by a flow of this project"}.`,
    );
  return oneArtifact(prefix, hashes);
}

function oneArtifact(prefix: string, hashes: readonly string[]): string {
  if (hashes.length === 1) return hashes[0]!;
  const count =
    hashes.length > MAX_CANDIDATES ? `more than ${MAX_CANDIDATES}` : String(hashes.length);
  throw new SluiceError(
    "conflict",
    `The prefix ${prefix} matches ${count} artifacts; give more hex digits of the hash (up to all 64).`,
    { details: { prefix, candidates: hashes.length } },
  );
}

/** The stores a view reads: runs, and completions (to find the run that computed a cached output). */
export interface RecordStores {
  runs: RunStore;
  completions: CompletionStore;
}

/** Metrics by step and name. */
export type RunMetrics = Record<string, Record<string, number>>;

/**
 * The metrics of each run, by step and name. A step reused from the cache shows the metrics of the
 * run that computed its output: the output, and so what was measured of it, is the same.
 */
export async function metricsOfRuns(
  store: RecordStores,
  runIds: readonly string[],
): Promise<Map<string, RunMetrics>> {
  const sources = new Map<string, Array<{ step: string; from: string }>>();
  for (const runId of runIds) {
    const found = await store.runs.getRun(runId);
    const list: Array<{ step: string; from: string }> = [];
    for (const step of found?.steps ?? []) {
      let from = runId;
      if (step.cached && step.cacheKey) {
        const completion = await store.completions.findCompletion(step.cacheKey);
        if (completion) from = completion.runId;
      }
      list.push({ step: step.step, from });
    }
    sources.set(runId, list);
  }
  const needed = [...new Set([...sources.values()].flatMap((list) => list.map((s) => s.from)))];
  const recorded = new Map<string, RunMetrics>();
  for (const metric of await store.runs.readMetrics(needed))
    ((recorded.get(metric.runId) ?? recorded.set(metric.runId, {}).get(metric.runId)!)[
      metric.step
    ] ??= {})[metric.name] = metric.value;
  const result = new Map<string, RunMetrics>();
  for (const [runId, list] of sources) {
    const metrics: RunMetrics = {};
    for (const { step, from } of list) {
      const values = recorded.get(from)?.[step];
      if (values) metrics[step] = { ...values };
    }
    result.set(runId, metrics);
  }
  return result;
}

type StepSide = {
  status: string;
  cached: boolean;
  cacheKey: string | null;
  output: string | null;
} | null;

/** A run's params as its steps saw them: defaulted ones included (runs recorded before that: as given). */
const paramsSeen = (run: {
  params: Record<string, unknown>;
  effectiveParams?: Record<string, unknown>;
}): Record<string, unknown> => ({ ...run.params, ...run.effectiveParams });

/**
 * Whether a step differs between two runs: when both know its cache key, exactly when the keys differ
 * (code, params or input data); else when it ran in one run only or ended otherwise. A map item or
 * dynamic child (`score[3]`, `sweep/x`) whose step has one key in both runs is covered by that key.
 */
function stepDiffers(
  step: string,
  a: StepSide,
  b: StepSide,
  sides: (step: string) => [StepSide, StepSide],
): boolean {
  if (a?.cacheKey && b?.cacheKey) return a.cacheKey !== b.cacheKey;
  const parent = /^([^[/]+)[[/]/.exec(step)?.[1];
  if (parent !== undefined) {
    const [pa, pb] = sides(parent);
    if (pa?.cacheKey && pa.cacheKey === pb?.cacheKey) return false;
  }
  return a === null || b === null || a.status !== b.status;
}

/** A run as compared: its full status (as `sluice show --json` and the API give it) and its metrics. */
export interface ComparedRun {
  detail: wire.RunDetail;
  metrics: RunMetrics;
}

/** What differs between two runs in the local store: params, metrics, the definition they ran, and which steps differed. */
export async function compareRuns(store: RecordStores, a: string, b: string) {
  const [left, right] = await Promise.all([store.runs.getRun(a), store.runs.getRun(b)]);
  for (const [id, found] of [
    [a, left],
    [b, right],
  ] as const)
    if (!found) throw new SluiceError("not-found", `No run ${id}. List runs with: sluice runs`);
  const metrics = await metricsOfRuns(store, [a, b]);
  const compared = (found: NonNullable<typeof left>, id: string): ComparedRun => ({
    detail: runDetailJson(found.run, found.steps) as wire.RunDetail,
    metrics: metrics.get(id)!,
  });
  return diffRuns(compared(left!, a), compared(right!, b));
}

/** What differs between two runs, from their views: the same diff for the local store and a server. */
export function diffRuns(left: ComparedRun, right: ComparedRun) {
  const [pa, pb] = [paramsSeen(left.detail), paramsSeen(right.detail)];
  const params = [...new Set([...Object.keys(pa), ...Object.keys(pb)])]
    .filter((name) => canonicalJson(pa[name] ?? null) !== canonicalJson(pb[name] ?? null))
    .map((name) => ({ name, a: pa[name] ?? null, b: pb[name] ?? null }));
  const ma = left.metrics;
  const mb = right.metrics;
  const metricRows: Array<{
    step: string;
    name: string;
    a: number | null;
    b: number | null;
    delta: number | null;
  }> = [];
  for (const step of [...new Set([...Object.keys(ma), ...Object.keys(mb)])]) {
    for (const name of [
      ...new Set([...Object.keys(ma[step] ?? {}), ...Object.keys(mb[step] ?? {})]),
    ]) {
      const va = ma[step]?.[name] ?? null;
      const vb = mb[step]?.[name] ?? null;
      metricRows.push({
        step,
        name,
        a: va,
        b: vb,
        delta: va === null || vb === null ? null : vb - va,
      });
    }
  }
  const byName = (run: ComparedRun) =>
    new Map(
      run.detail.steps.map((r) => [
        r.name,
        {
          status: r.status,
          cached: r.cached,
          cacheKey: r.cacheKey ?? null,
          output: r.output?.hash ?? null,
        },
      ]),
    );
  const [stepsA, stepsB] = [byName(left), byName(right)];
  const sides = (step: string): [StepSide, StepSide] => [
    stepsA.get(step) ?? null,
    stepsB.get(step) ?? null,
  ];
  const names = [...new Set([...stepsA.keys(), ...stepsB.keys()])];
  const steps = names
    .map((step) => ({ step, a: sides(step)[0], b: sides(step)[1] }))
    .filter(({ step, a: sa, b: sb }) => stepDiffers(step, sa, sb, sides));
  return {
    a: summaryOf(left.detail),
    b: summaryOf(right.detail),
    definition: {
      a: left.detail.flow ?? null,
      b: right.detail.flow ?? null,
      same: left.detail.flow?.hash === right.detail.flow?.hash,
    },
    params,
    metrics: metricRows,
    steps,
  };
}

/** A run's summary (what `runJson` gives) from its full status. */
function summaryOf(detail: wire.RunDetail): wire.RunSummary {
  const { firstFailure: _firstFailure, steps: _steps, ...summary } = detail;
  return summary;
}
