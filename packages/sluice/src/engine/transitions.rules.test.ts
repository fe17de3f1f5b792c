import { describe, expect, it } from "vitest";
import { optional, pipeline, step } from "../index.js";
import type { NormalizedRetry } from "../core/index.js";
import { afterFailedAttempt, blockedBy, mapSucceeds, runOutcome } from "./transitions.js";

const retry: NormalizedRetry = {
  attempts: 3,
  backoff: "fixed",
  delayMs: 100,
  maxDelayMs: 1000,
  jitter: false,
};

describe("afterFailedAttempt", () => {
  it("retries a retryable error while attempts are left, after the policy's delay", () => {
    expect(afterFailedAttempt(retry, false, 1, { retryable: true })).toEqual({
      next: "retry",
      delayMs: 100,
    });
    expect(afterFailedAttempt(retry, false, 2, { retryable: true }).next).toBe("retry");
  });

  it("fails after the last attempt, or at once for an error that is not retryable", () => {
    expect(afterFailedAttempt(retry, false, 3, { retryable: true })).toEqual({ next: "fail" });
    expect(afterFailedAttempt(retry, false, 1, { retryable: false })).toEqual({ next: "fail" });
  });

  it("falls back instead of failing when the step has onFailure", () => {
    expect(afterFailedAttempt(retry, true, 3, { retryable: true })).toEqual({ next: "fallback" });
    expect(afterFailedAttempt(retry, true, 1, { retryable: true }).next).toBe("retry");
  });
});

describe("blockedBy", () => {
  const a = step("a", { run: () => 1 });
  const b = step("b", { inputs: { a }, run: ({ a }) => a + 1 });
  const c = step("c", { inputs: { a: optional(a) }, run: () => 0 });
  const d = step("d", { after: [a], run: () => 0 });
  const graph = pipeline("rules", { steps: [a, b, c, d] }).graph();
  const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
  const upstream =
    (status: string, reason = "missing-output") =>
    () =>
      ({ status, reason }) as never;

  it("skips a step whose upstream failed, was cancelled, or was skipped for a failure", () => {
    expect(blockedBy(node("b"), upstream("failed"))).toBe("upstream-failed");
    expect(blockedBy(node("b"), upstream("cancelled"))).toBe("upstream-failed");
    expect(blockedBy(node("b"), upstream("skipped", "upstream-failed"))).toBe("upstream-failed");
    expect(blockedBy(node("d"), upstream("failed"))).toBe("upstream-failed");
  });

  it("passes a condition's skip on through a required input only", () => {
    expect(blockedBy(node("b"), upstream("skipped", "condition-false"))).toBe("condition-false");
    expect(blockedBy(node("c"), upstream("skipped", "condition-false"))).toBeUndefined();
    expect(blockedBy(node("d"), upstream("skipped", "condition-false"))).toBeUndefined();
    expect(blockedBy(node("b"), upstream("succeeded"))).toBeUndefined();
  });
});

describe("mapSucceeds and runOutcome", () => {
  it("holds a map to its minimum success ratio", () => {
    expect(mapSucceeds(9, 10, 0.9)).toBe(true);
    expect(mapSucceeds(8, 10, 0.9)).toBe(false);
    expect(mapSucceeds(0, 0, 1)).toBe(true);
  });

  it("ends a run failed on a store error or a failed step, cancelled on a cancel", () => {
    const end = { storeFailed: false, cancelled: false, anyFailed: false };
    expect(runOutcome(end)).toBe("succeeded");
    expect(runOutcome({ ...end, anyFailed: true })).toBe("failed");
    expect(runOutcome({ ...end, cancelled: true })).toBe("cancelled");
    expect(runOutcome({ ...end, cancelled: true, storeFailed: true })).toBe("failed");
  });
});
