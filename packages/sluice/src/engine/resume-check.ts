/**
 * The one check before a run is resumed, for pipeline runs (CLI, server) and Arazzo runs alike: the run
 * exists, has not succeeded and has no live owner. (Which secrets must be given again differs: params of
 * a pipeline, inputs of a workflow; each caller asks for its own.)
 */
import { SluiceError } from "../core/index.js";
import type { RunRecord } from "../store/index.js";
import { isOrphaned, ownedError, ownerName } from "./owner.js";

/**
 * The run, when it may be resumed; otherwise a `not-found` or `conflict` error saying why, with
 * `startAgain` (how to start a new run instead) when it already succeeded.
 */
export function checkResumable(
  runId: string,
  run: RunRecord | undefined,
  startAgain: string,
): RunRecord {
  if (!run) throw new SluiceError("not-found", `No run ${runId}. List runs with: sluice runs`);
  if (run.status === "succeeded") {
    throw new SluiceError(
      "conflict",
      `Run ${runId} already succeeded (run by process ${ownerName(run)}); there is nothing to resume. ${startAgain}`,
      { runId, details: { owner: ownerName(run) } },
    );
  }
  if ((run.status === "running" || run.status === "queued") && run.executor === "workers")
    throw new SluiceError(
      "conflict",
      `Run ${runId} is still running on the stack's workers; wait for it to end, or cancel it first: sluice cancel ${runId}`,
      { runId },
    );
  if ((run.status === "running" || run.status === "queued") && !isOrphaned(run))
    throw ownedError(run);
  return run;
}
