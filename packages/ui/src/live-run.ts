// A run's full status kept current from its live events, without asking the server again for each: a
// step's start, wait, retry and end change that step; what the events do not carry (a run's start, end
// or queueing) is answered by `needsRead`, and the page then reads the run once.
import type { RunDetail, ServerEvent, StepRun } from "@sluice/client";

/** Whether the page should read the run again for this event (the events carry too little). */
export function needsRead(event: ServerEvent): boolean {
  return event.type === "snapshot" || event.type.startsWith("run:");
}

/** The run with this event applied to its step (unchanged for other events). */
export function applyEvent(run: RunDetail, event: ServerEvent): RunDetail {
  const name = typeof event.step === "string" ? event.step : undefined;
  if (name === undefined) return run;
  const index = run.steps.findIndex((step) => step.name === name);
  if (index < 0) return run;
  const step = run.steps[index]!;
  let next: StepRun | undefined;
  if (event.type === "step:start")
    next = {
      ...step,
      status: "running",
      attempts: Number(event.attempt ?? step.attempts),
      startedAt: step.startedAt ?? new Date().toISOString(),
    };
  else if (event.type === "step:waiting")
    next = { ...step, status: "waiting", waitingOn: String(event.waitingOn ?? "") };
  else if (event.type === "step:end") {
    const result = event.result as Partial<StepRun> & { durationMs?: number };
    next = {
      ...step,
      status: result.status ?? step.status,
      reason: result.reason ?? step.reason,
      cached: result.cached ?? step.cached,
      attempts: result.attempts ?? step.attempts,
      ...(result.durationMs === undefined ? {} : { durationMs: result.durationMs }),
      ...(result.error ? { error: result.error } : {}),
      finishedAt: new Date().toISOString(),
    };
    delete next.waitingOn;
  }
  if (!next) return run;
  const steps = run.steps.slice();
  steps[index] = next;
  return { ...run, steps };
}
