import type { RunDetail } from "@sluice/client";
import { describe, expect, it } from "vitest";
import { applyEvent, needsRead } from "./live-run.js";

const run = {
  runId: "r",
  status: "running",
  steps: [
    {
      name: "load",
      status: "pending",
      reason: "missing-output",
      cached: false,
      attempts: 0,
      startedAt: null,
      finishedAt: null,
    },
    {
      name: "train",
      status: "pending",
      reason: "missing-output",
      cached: false,
      attempts: 0,
      startedAt: null,
      finishedAt: null,
    },
  ],
} as unknown as RunDetail;

describe("a run kept current from its events", () => {
  it("moves a step through waiting, running and its end, leaving the others", () => {
    let now = applyEvent(run, {
      type: "step:waiting",
      project: "p",
      runId: "r",
      step: "load",
      waitingOn: "limit gpu 1/1",
    });
    expect(now.steps[0]).toMatchObject({ status: "waiting", waitingOn: "limit gpu 1/1" });
    now = applyEvent(now, {
      type: "step:start",
      project: "p",
      runId: "r",
      step: "load",
      attempt: 2,
    });
    expect(now.steps[0]).toMatchObject({ status: "running", attempts: 2 });
    now = applyEvent(now, {
      type: "step:end",
      project: "p",
      runId: "r",
      step: "load",
      result: {
        name: "load",
        status: "succeeded",
        reason: "missing-output",
        cached: false,
        attempts: 2,
        durationMs: 12,
      },
    });
    expect(now.steps[0]).toMatchObject({ status: "succeeded", attempts: 2, durationMs: 12 });
    expect(now.steps[0]!.waitingOn).toBeUndefined();
    expect(now.steps[1]).toBe(run.steps[1]);
    expect(run.steps[0]!.status).toBe("pending"); // the run given is not changed
  });

  it("leaves the run alone for events of no known step, and asks for a read on run events", () => {
    expect(applyEvent(run, { type: "step:log", project: "p", runId: "r", step: "nope" })).toBe(run);
    expect(needsRead({ type: "run:end", project: "p" })).toBe(true);
    expect(needsRead({ type: "snapshot", project: "p" })).toBe(true);
    expect(needsRead({ type: "step:end", project: "p" })).toBe(false);
  });
});
