/**
 * Follows a run that other processes execute (a run dispatched to a stack's workers) from its records:
 * its steps' changes and log lines become the same events a run in this process emits, so the CLI's
 * live view, `pipeline.run()` and the server show it alike; a cancel of the caller's signal cancels the
 * run; the result is read back once it has ended.
 */
import { SluiceError, type PipelineGraph } from "../core/index.js";
import type { RunRecord, StepRunRecord } from "../store/index.js";
import type { SluiceEventListener } from "./events.js";
import { sleep } from "./retry.js";
import { RunResult, type StepResult } from "./result.js";
import { readOutputs, type OutputLoader } from "./step-inputs.js";
import type { StepState } from "./step-state.js";
import type { Stores } from "./execute-options.js";

export interface FollowOptions {
  stores: Stores;
  runId: string;
  graph: PipelineGraph;
  onEvent?: SluiceEventListener;
  /** Aborted: the run is cancelled (`cancel`), and followed to its end. */
  signal?: AbortSignal;
  cancel: () => Promise<unknown>;
  /** @defaultValue "all" */
  loadOutputs?: "all" | "ran";
  /** How often the run's record is read (whether it ended). @defaultValue 200 */
  pollMs?: number;
}

/**
 * How often its steps and logs are read for the events: every poll for a small run; for a large one
 * less often (reading 10,000 step records five times a second would load the database more than
 * the workers do), at most every 2 s.
 */
function detailEveryMs(graph: PipelineGraph, pollMs: number): number {
  return Math.min(2_000, Math.max(pollMs, graph.nodes.length / 5));
}

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * An abort reason that stops following a dispatched run without cancelling it (a server that stops:
 * the run goes on on the workers). A run in this process ends cancelled whatever the reason.
 */
export function stopFollowing(message: string): SluiceError {
  return new SluiceError("cancelled", message, { details: { stopFollowing: true } });
}

function onlyStopsFollowing(reason: unknown): boolean {
  return (
    SluiceError.is(reason) &&
    (reason.details as { stopFollowing?: boolean } | undefined)?.stopFollowing === true
  );
}

export async function followRun(options: FollowOptions): Promise<RunResult> {
  const { stores, runId, onEvent } = options;
  const pollMs = options.pollMs ?? 200;
  const detailMs = detailEveryMs(options.graph, pollMs);
  let detailAt = 0;
  const seen = new Map<string, string>();
  let logsSeen = 0;
  let started = false;
  let cancelling: Promise<unknown> | undefined;
  const emit: SluiceEventListener = (event) => {
    try {
      onEvent?.(event);
    } catch {
      // A listener's bug must not stop the following.
    }
  };
  for (;;) {
    const stopping = options.signal?.aborted === true && onlyStopsFollowing(options.signal.reason);
    if (options.signal?.aborted && !stopping)
      cancelling ??= options.cancel().catch(() => undefined);
    const run = await stores.runs.findRun(runId);
    if (!run) throw new Error(`Run ${runId} is not in the store.`);
    const ended = ENDED.has(run.status) || stopping;
    if (ended || (onEvent && Date.now() - detailAt >= detailMs)) {
      detailAt = Date.now();
      const detail = await stores.runs.getRun(runId);
      const steps = detail?.steps ?? [];
      if (onEvent) {
        if (!started) {
          started = true;
          emit({
            type: "run:start",
            runId,
            pipeline: run.pipeline,
            steps: steps.map((step) => ({
              name: step.step,
              status: step.status === "succeeded" && step.cached ? "complete" : "pending",
              reason: step.reason,
              deps: depsOf(options.graph, step.step),
            })),
          });
        }
        for (const step of steps) {
          const before = seen.get(step.step);
          if (before === step.status) continue;
          seen.set(step.step, step.status);
          if (step.status === "running")
            emit({ type: "step:start", runId, step: step.step, attempt: step.attempts || 1 });
          else if (ENDED.has(step.status) || step.status === "skipped")
            emit({ type: "step:end", runId, step: step.step, result: resultOfRecord(step) });
        }
        const logs = await stores.runs.readLogs(runId);
        for (const log of logs.slice(logsSeen))
          emit({
            type: "step:log",
            runId,
            step: log.step ?? "",
            level: log.level,
            message: log.message,
            time: log.time,
            ...(log.data === undefined ? {} : { data: log.data }),
          });
        logsSeen = logs.length;
      }
      if (ended) {
        const result = await resultOf(options, run, steps);
        emit({ type: "run:end", runId, result });
        return result;
      }
    }
    await sleep(pollMs, new AbortController().signal);
  }
}

function depsOf(graph: PipelineGraph, step: string): string[] {
  const node = graph.byName.get(step);
  return node ? node.deps.map((dep) => graph.nodes[dep]!.name) : [];
}

function resultOfRecord(step: StepRunRecord): StepResult {
  return {
    name: step.step,
    status: step.status,
    reason: step.reason,
    cached: step.cached,
    attempts: step.attempts,
    durationMs: step.durationMs ?? 0,
    identity: step.identity,
    ...(step.fallback ? { fallback: true } : {}),
    ...(step.cacheKey === undefined ? {} : { cacheKey: step.cacheKey }),
    ...(step.output === undefined ? {} : { output: step.output }),
    ...(step.error === undefined ? {} : { error: step.error }),
  };
}

async function resultOf(
  options: FollowOptions,
  run: RunRecord,
  records: readonly StepRunRecord[],
): Promise<RunResult> {
  const states: StepState[] = [];
  for (const record of records) {
    const node = options.graph.byName.get(record.step);
    if (!node || record.status !== "succeeded" || !record.output) continue;
    states.push({
      node,
      planned: undefined as never, // not read: only the outcome and output are
      status: record.status,
      reason: record.reason,
      cached: record.cached,
      attempts: record.attempts,
      remaining: 0,
      finished: true,
      ref: record.output,
      hasValue: false,
    });
  }
  const loader: OutputLoader = {
    runId: run.runId,
    artifacts: options.stores.artifacts,
    completions: options.stores.completions,
  };
  const { outputs, texts } =
    options.loadOutputs === "ran"
      ? { outputs: {}, texts: new Map<string, string>() }
      : await readOutputs(states, loader, "all");
  const steps: Record<string, StepResult> = {};
  for (const record of records) steps[record.step] = resultOfRecord(record);
  const failed = records.find((record) => record.status === "failed");
  return new RunResult({
    runId: run.runId,
    pipeline: run.pipeline,
    status: run.status,
    outputs,
    outputTexts: texts,
    steps,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? Date.now(),
    ...(failed?.error ? { firstFailure: { step: failed.step, error: failed.error } } : {}),
  });
}
