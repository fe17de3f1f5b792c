import { SluiceError, serializeError, type RunStatus } from "../core/index.js";
import type { StepRunRecord } from "../store/index.js";
import { RunResult, type StepResult } from "./result.js";
import type { RunState } from "./run-state.js";
import { recordOf, resultOf } from "./step-state.js";
import { readOutputs } from "./step-inputs.js";
import { runOutcome } from "./transitions.js";

/**
 * Ends the run: steps that never ran are recorded cancelled, every queued write is waited for, the
 * outputs the result holds are read back, the run's end is recorded, and its result made and announced.
 */
export async function finishRun(run: RunState): Promise<RunResult> {
  const { stores } = run.options;
  run.closed = true;
  run.recording.stopHeartbeat();
  clearTimeout(run.graceTimer);
  const leftovers: StepRunRecord[] = [];
  for (const state of run.ordered) {
    if (state.finished) continue;
    state.status = "cancelled";
    state.reason = "cancelled";
    state.finished = true;
    leftovers.push(recordOf(run.runId, state));
  }
  try {
    if (leftovers.length > 0) await stores.runs.putSteps(leftovers);
    await run.logs.flush();
  } catch (error) {
    run.storeError ??= error;
  }
  await run.threads?.close();
  // Every queued write of this run is committed (or has failed) before the run is reported finished.
  await run.recording.settle();
  const { outputs, texts, unreadable } = await readOutputs(
    run.ordered,
    run.loader,
    run.options.loadOutputs ?? "all",
  );
  // A run never reports an output it could not read (missing, or failing its hash check): that step failed.
  for (const { state, error } of unreadable) {
    state.error = run.serialized(error);
    run.firstFailure ??= { step: state.node.name, error: state.error };
  }
  if (unreadable.length > 0) {
    await Promise.resolve(
      stores.runs.putSteps(unreadable.map(({ state }) => recordOf(run.runId, state))),
    ).catch((error: unknown) => (run.storeError ??= error));
  }
  const anyFailed = run.ordered.some((state) => state.status === "failed");
  let status: RunStatus = runOutcome({
    storeFailed: run.storeError !== undefined,
    cancelled: run.cancelled,
    anyFailed,
  });
  const finishedAt = Date.now();
  // A run another process took over (superseded) is theirs to record.
  const superseded = SluiceError.is(run.storeError) && run.storeError.code === "superseded";
  try {
    await run.recording.finish(
      superseded
        ? undefined
        : {
            status,
            reason: status === "cancelled" ? "cancelled" : undefined,
            finishedAt,
            durationMs: finishedAt - run.startedAt,
            error: run.firstFailure?.error,
          },
    );
  } catch (error) {
    // The end could not be recorded (a full disk): the result still says what happened, and once this
    // process is gone the run reads as crashed (resumable) instead of running.
    run.storeError ??= error;
    run.firstFailure ??= { error: serializeError(error) };
    status = "failed";
  }
  const steps: Record<string, StepResult> = {};
  for (const state of run.ordered) steps[state.node.name] = resultOf(state);
  const result = new RunResult({
    runId: run.runId,
    pipeline: run.options.graph.pipeline,
    status,
    outputs,
    outputTexts: texts,
    steps,
    startedAt: run.startedAt,
    finishedAt,
    firstFailure: run.firstFailure,
  });
  run.emit("run:end", { runId: run.runId, result });
  return result;
}
