import type { GraphNode, Reason, SerializedError, StepStatus } from "../core/index.js";
import type { ArtifactRef } from "../artifacts/index.js";
import type { PlannedStep } from "../planner/index.js";
import type { StepRunRecord } from "../store/index.js";
import type { StepResult } from "./result.js";

/** What a run knows of one of its steps while it runs. */
export interface StepState {
  readonly node: GraphNode;
  readonly planned: PlannedStep;
  status: StepStatus;
  reason: Reason;
  cached: boolean;
  attempts: number;
  /** Dependencies not finished yet; the step is ready at 0. */
  remaining: number;
  finished: boolean;
  startedAt?: number;
  finishedAt?: number;
  cacheKey?: string;
  /** The cache key of the completion its output is (the step instance that made it); none for a fallback value. */
  completionKey?: string;
  ref?: ArtifactRef;
  /** Hashes of the output's fields that consumers read one by one. */
  fieldHashes?: Record<string, string>;
  text?: string;
  value?: unknown;
  hasValue: boolean;
  loading?: Promise<unknown>;
  fallback?: boolean;
  error?: SerializedError;
  /** While `waiting`: the limit it waits for. */
  waitingOn?: string;
}

/** The step as the run store records it. */
export function recordOf(runId: string, state: StepState): StepRunRecord {
  return {
    runId,
    step: state.node.name,
    identity: state.planned.identity,
    status: state.status,
    reason: state.reason,
    cached: state.cached,
    attempts: state.attempts,
    fallback: state.fallback,
    cacheKey: state.cacheKey,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    durationMs: durationOf(state),
    output: state.ref,
    error: state.error,
    ...(state.waitingOn === undefined ? {} : { waitingOn: state.waitingOn }),
  };
}

/** The step as the run's result reports it. */
export function resultOf(state: StepState): StepResult {
  const result: { -readonly [K in keyof StepResult]: StepResult[K] } = {
    name: state.node.name,
    status: state.status,
    reason: state.reason,
    cached: state.cached,
    attempts: state.attempts,
    durationMs: durationOf(state),
    identity: state.planned.identity,
  };
  if (state.fallback) result.fallback = true;
  if (state.cacheKey !== undefined) result.cacheKey = state.cacheKey;
  if (state.ref !== undefined) result.output = state.ref;
  if (state.error !== undefined) result.error = state.error;
  return result;
}

function durationOf(state: StepState): number {
  return state.startedAt !== undefined && state.finishedAt !== undefined
    ? state.finishedAt - state.startedAt
    : 0;
}
