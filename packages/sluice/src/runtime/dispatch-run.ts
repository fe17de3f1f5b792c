/**
 * A pipeline run on a stack with workers: planned here like any run, then dispatched (its record, its
 * steps' first records and the jobs of its ready steps, in one transaction) for `sluice worker`s to
 * execute, and followed from the store until it ends. Nothing of the run lives in this process.
 */
import { maskParams, effectiveParams, type PipelineGraph } from "../core/index.js";
import {
  dispatchPlan,
  followRun,
  newRunId,
  type DispatchedFlow,
  type LimitSlot,
  type RunDispatcher,
  type RunResult,
  type SluiceEventListener,
  type Stores,
} from "../engine/index.js";
import type { Plan } from "../planner/index.js";
import type { RunRecord } from "../store/index.js";
import type { RunOptions } from "./pipeline-options.js";

export interface PlannedRun {
  graph: PipelineGraph;
  plan: Plan;
  paramsByNode: Array<Record<string, unknown>>;
  stores: Stores;
  flow: DispatchedFlow;
  source?: { file: string; exportName?: string };
  /** Run limits (the flow's maxConcurrentRuns, a workspace's cap) the run waits for on the workers. */
  limits?: readonly LimitSlot[];
}

/** Records the run and queues it for the workers; returns its id at once. */
export async function enqueueRun(
  planned: PlannedRun,
  dispatcher: RunDispatcher,
  options: Omit<RunOptions, "params"> & { params?: Record<string, unknown> },
): Promise<string> {
  const { graph, plan, paramsByNode, flow } = planned;
  const runId = options.runId ?? newRunId();
  const given = options.params ?? {};
  const record: RunRecord = {
    runId,
    pipeline: graph.pipeline,
    status: "running",
    params: maskParams(given, graph.secretParams),
    effectiveParams: maskParams(effectiveParams(paramsByNode), graph.secretParams),
    startedAt: Date.now(),
    executor: "workers",
    flow: { version: flow.version, hash: flow.hash },
    trigger: options.trigger ?? { kind: "manual" },
    ...(options.targets ? { targets: [...options.targets] } : {}),
    ...(planned.source ? { source: planned.source } : {}),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.context === undefined ? {} : { context: options.context }),
  };
  await dispatcher.dispatch({
    record,
    flow,
    plan: dispatchPlan(runId, graph, plan),
    ...(options.adopt ? { adopt: options.adopt } : {}),
    ...(options.resume ? { resume: true } : {}),
    ...(planned.limits?.length ? { limits: planned.limits } : {}),
  });
  return runId;
}

/** Dispatches the run and follows it to its end (a cancel of `signal` cancels it on the workers). */
export async function runOnWorkers(
  planned: PlannedRun,
  dispatcher: RunDispatcher,
  options: Omit<RunOptions, "params" | "onEvent"> & {
    params?: Record<string, unknown>;
    onEvent?: SluiceEventListener;
  },
): Promise<RunResult> {
  const runId = await enqueueRun(planned, dispatcher, options);
  return followRun({
    stores: planned.stores,
    runId,
    graph: planned.graph,
    onEvent: options.onEvent,
    signal: options.signal,
    cancel: () => dispatcher.cancel(runId),
    loadOutputs: options.loadOutputs,
  });
}
