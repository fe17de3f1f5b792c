/**
 * The rules a run's steps move by, in one place: which upstream outcome skips a step, what follows a
 * failed attempt (retry, fallback or failure), when a map's items are enough, and how a run ends. Pure
 * (no store, no clock, no I/O), so the in-process engine and the workers' completion transaction
 * (@sluice/postgres) decide the same way.
 */
import type { GraphNode, NormalizedRetry, Reason, RunStatus, StepStatus } from "../core/index.js";
import { retryDelay } from "./retry.js";

/** What a rule needs to know of an upstream step. */
export interface UpstreamOutcome {
  readonly status: StepStatus;
  readonly reason: Reason;
}

/**
 * Why the step cannot run after its upstream, if it cannot: an upstream failed or was cancelled (or was
 * skipped for that) → `upstream-failed`; an upstream read as a required input was skipped by its
 * condition → `condition-false`. An `after` dependency, or one read only through `optional()` inputs,
 * does not pass its condition's skip on.
 */
export function blockedBy(
  node: GraphNode,
  upstream: (index: number) => UpstreamOutcome,
): "upstream-failed" | "condition-false" | undefined {
  let conditionSkip = false;
  for (const dep of node.deps) {
    const { status, reason } = upstream(dep);
    if (status === "failed" || status === "cancelled") return "upstream-failed";
    if (status === "skipped") {
      if (reason === "upstream-failed") return "upstream-failed";
      if (
        !node.afterOnly.has(dep) &&
        !node.inputs.every((input) => input.from !== dep || input.optional)
      )
        conditionSkip = true;
    }
  }
  return conditionSkip ? "condition-false" : undefined;
}

/** What follows a failed attempt. */
export type AfterFailure =
  | { readonly next: "retry"; readonly delayMs: number }
  | { readonly next: "fallback" }
  | { readonly next: "fail" };

/**
 * After attempt `attempt` (1-based) failed: another attempt after a delay while the policy allows one
 * and the error is retryable; else the step's `onFailure` fallback if it has one; else the step fails.
 */
export function afterFailedAttempt(
  retry: NormalizedRetry,
  hasFallback: boolean,
  attempt: number,
  error: { readonly retryable?: boolean },
  random: () => number = Math.random,
): AfterFailure {
  if (attempt < retry.attempts && error.retryable)
    return { next: "retry", delayMs: retryDelay(retry, attempt, random) };
  return hasFallback ? { next: "fallback" } : { next: "fail" };
}

/** Whether a map step's items are enough for the step to succeed (an empty map always is). */
export function mapSucceeds(successes: number, total: number, minSuccessRatio: number): boolean {
  return total === 0 || successes / total >= minSuccessRatio;
}

/** How a run ends, once none of its steps is running: a store that refused a write or a failed step fails it. */
export function runOutcome(end: {
  readonly storeFailed: boolean;
  readonly cancelled: boolean;
  readonly anyFailed: boolean;
}): RunStatus {
  if (end.storeFailed) return "failed";
  if (end.cancelled) return "cancelled";
  return end.anyFailed ? "failed" : "succeeded";
}
