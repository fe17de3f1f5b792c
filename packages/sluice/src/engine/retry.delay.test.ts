import { describe, expect, it } from "vitest";
import type { NormalizedRetry } from "../core/index.js";
import { retryDelay } from "./retry.js";

const policy: NormalizedRetry = {
  attempts: 10,
  backoff: "exponential",
  delayMs: 100,
  maxDelayMs: 1000,
  jitter: false,
};
const delays = (p: NormalizedRetry, attempts: number[], random?: () => number) =>
  attempts.map((n) => retryDelay(p, n, random));

describe("retryDelay", () => {
  it("doubles the delay after each failed attempt with exponential backoff", () => {
    expect(delays({ ...policy, maxDelayMs: 100_000 }, [1, 2, 3, 4, 5])).toEqual([
      100, 200, 400, 800, 1600,
    ]);
  });

  it("grows the delay by delayMs after each failed attempt with linear backoff", () => {
    expect(
      delays({ ...policy, backoff: "linear", delayMs: 150, maxDelayMs: 100_000 }, [1, 2, 3, 4]),
    ).toEqual([150, 300, 450, 600]);
  });

  it("keeps the delay constant with fixed backoff", () => {
    expect(delays({ ...policy, backoff: "fixed", delayMs: 250 }, [1, 2, 3, 9])).toEqual([
      250, 250, 250, 250,
    ]);
  });

  it("caps every kind of backoff at maxDelayMs", () => {
    expect(delays(policy, [4, 5, 6, 30])).toEqual([800, 1000, 1000, 1000]);
    expect(delays({ ...policy, backoff: "linear", maxDelayMs: 250 }, [1, 2, 3, 50])).toEqual([
      100, 200, 250, 250,
    ]);
    expect(delays({ ...policy, backoff: "fixed", delayMs: 500, maxDelayMs: 300 }, [1, 2])).toEqual([
      300, 300,
    ]);
    expect(retryDelay({ ...policy, maxDelayMs: 30_000 }, 2_000)).toBe(30_000);
  });

  it("gives no delay when delayMs is 0", () => {
    expect(delays({ ...policy, delayMs: 0 }, [1, 5])).toEqual([0, 0]);
  });

  it("with jitter waits between half (random 0) and all (random 1) of the delay", () => {
    const jittered = { ...policy, jitter: true };
    expect(retryDelay(jittered, 3, () => 0)).toBe(200);
    expect(retryDelay(jittered, 3, () => 1)).toBe(400);
    expect(retryDelay(jittered, 3, () => 0.5)).toBe(300);
    expect(retryDelay({ ...jittered, backoff: "linear" }, 2, () => 0)).toBe(100);
  });

  it("applies jitter to the capped delay, so it never exceeds maxDelayMs", () => {
    const jittered = { ...policy, jitter: true };
    expect(retryDelay(jittered, 20, () => 1)).toBe(1000);
    expect(retryDelay(jittered, 20, () => 0)).toBe(500);
  });

  it("stays within the bounds for random values in between", () => {
    const jittered = { ...policy, jitter: true };
    for (let i = 0; i < 200; i++) {
      const delay = retryDelay(jittered, 4);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});
