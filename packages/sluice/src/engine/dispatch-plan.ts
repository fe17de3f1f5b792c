/**
 * A planned run as a stack's workers take it (@sluice/postgres): every planned step's first record
 * (a complete step succeeded and cached, the others pending), and for each step that must run, its
 * queue and how many of its upstream steps must finish before it is ready. Pure: the
 * counters are what the engine's ready queue keeps in memory (engine.ts), kept in the database instead.
 */
import type { PipelineGraph } from "../core/index.js";
import type { Plan, PlannedStep } from "../planner/index.js";
import type { StepRunRecord } from "../store/index.js";

/** The queue of steps that name none. */
export const DEFAULT_QUEUE = "default";

export interface DispatchedStep {
  step: string;
  queue: string;
  /** Upstream steps of this run not finished yet: the step is ready at 0. */
  remaining: number;
}

/** What a worker needs of a planned step: the plan without its params (they may hold secrets). */
export type PlannedStepData = Omit<PlannedStep, "params">;

export interface DispatchPlan {
  records: StepRunRecord[];
  steps: DispatchedStep[];
  /** The steps to run, as planned, by name. */
  planned: Record<string, PlannedStepData>;
}

export function dispatchPlan(runId: string, graph: PipelineGraph, plan: Plan): DispatchPlan {
  const toRun = new Set<number>();
  for (const planned of plan.steps) if (planned.status !== "complete") toRun.add(planned.index);
  const records: StepRunRecord[] = [];
  const steps: DispatchedStep[] = [];
  const plannedByName: Record<string, PlannedStepData> = {};
  for (const planned of plan.steps) {
    const complete = planned.status === "complete";
    records.push({
      runId,
      step: planned.name,
      identity: planned.identity,
      status: complete ? "succeeded" : "pending",
      reason: planned.reason,
      cached: complete,
      attempts: 0,
      cacheKey: planned.cacheKey,
      durationMs: 0,
      output: planned.completion?.output,
    });
    if (complete) continue;
    const node = graph.nodes[planned.index]!;
    const { params: _secretsMaybe, ...data } = planned;
    plannedByName[planned.name] = data;
    steps.push({
      step: planned.name,
      queue: node.def.queue ?? DEFAULT_QUEUE,
      remaining: node.deps.filter((dep) => toRun.has(dep)).length,
    });
  }
  return { records, steps, planned: plannedByName };
}
