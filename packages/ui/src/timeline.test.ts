import { describe, expect, it } from "vitest";
import { timelineOf } from "./timeline.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe("a run's timeline", () => {
  it("places each started step over the run's span, in start order; a running one reaches now", () => {
    const { bars, spanMs } = timelineOf(
      [
        { name: "train", status: "running", attempts: 2, startedAt: at(4), finishedAt: null },
        { name: "load", status: "succeeded", attempts: 1, startedAt: at(0), finishedAt: at(4) },
        { name: "later", status: "pending", attempts: 0, startedAt: null, finishedAt: null },
      ],
      Date.parse(at(10)),
    );
    expect(spanMs).toBe(10_000);
    expect(bars).toEqual([
      { name: "load", status: "succeeded", attempts: 1, left: 0, width: 40, durationMs: 4000 },
      { name: "train", status: "running", attempts: 2, left: 40, width: 60, durationMs: 6000 },
    ]);
  });

  it("keeps an instant step visible and inside the span", () => {
    const { bars } = timelineOf(
      [
        { name: "a", status: "succeeded", attempts: 1, startedAt: at(0), finishedAt: at(10) },
        { name: "b", status: "succeeded", attempts: 1, startedAt: at(10), finishedAt: at(10) },
      ],
      Date.parse(at(10)),
    );
    expect(bars[1]).toMatchObject({ width: 0.5, left: 99.5 });
    expect(timelineOf([], 0)).toEqual({ bars: [], spanMs: 0 });
  });
});
