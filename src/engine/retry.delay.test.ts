import { describe, expect, it } from "vitest";
import { retryDelay } from "./retry.js";

const policy = { attempts: 5, backoff: "exponential" as const, delayMs: 100, maxDelayMs: 1000, jitter: false };

describe("retryDelay", () => {
  it("grows exponentially, linearly or not at all, capped by maxDelayMs", () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(policy, n))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3].map((n) => retryDelay({ ...policy, backoff: "linear" }, n))).toEqual([100, 200, 300]);
    expect([1, 2, 3].map((n) => retryDelay({ ...policy, backoff: "fixed" }, n))).toEqual([100, 100, 100]);
  });

  it("with jitter waits between half and all of the delay", () => {
    const jittered = { ...policy, jitter: true };
    expect(retryDelay(jittered, 3, () => 0)).toBe(200);
    expect(retryDelay(jittered, 3, () => 1)).toBe(400);
    expect(retryDelay(jittered, 3, () => 0.5)).toBe(300);
  });
});
