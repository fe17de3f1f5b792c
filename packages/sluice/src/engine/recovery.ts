import type { RunStore, StepRunRecord } from "../store/index.js";
import { isOrphaned, ownerName } from "./owner.js";

/**
 * Marks every run whose owner is provably dead (owner.ts) as `failed` with reason `crashed` (never
 * left `running`): its running steps fail with code `crashed`, its pending ones are cancelled.
 * The mark is a compare-and-set on the run's claim, so a run claimed meanwhile is left alone, and it
 * drops the claim, so a dead-looking owner that wakes up has its writes refused. Finished steps keep
 * their outputs, so resuming redoes none of them. Returns the runs marked.
 */
export async function recoverCrashedRuns(
  runs: RunStore,
  now: number = Date.now(),
): Promise<string[]> {
  const marked: string[] = [];
  const live = [
    ...(await runs.listRuns({ status: "running" })),
    ...(await runs.listRuns({ status: "queued" })),
  ];
  for (const run of live) {
    if (!isOrphaned(run, now)) continue;
    const owner = ownerName(run);
    const claimed = await runs.casRun(run.runId, run.claim, {
      status: "failed",
      reason: "crashed",
      finishedAt: now,
      durationMs: now - run.startedAt,
      claim: undefined,
      error: run.error ?? {
        code: "crashed",
        message: `The process that ran this run (${owner}) died; resume it with: sluice resume ${run.runId}`,
      },
    });
    if (!claimed) continue;
    const detail = await runs.getRun(run.runId);
    const fixes: StepRunRecord[] = [];
    for (const step of detail?.steps ?? []) {
      // A waiting step that had started (a runFlow step waiting on its child) was running.
      if (step.status === "running" || (step.status === "waiting" && step.startedAt)) {
        fixes.push({
          ...step,
          status: "failed",
          finishedAt: now,
          error: { code: "crashed", message: `The process running this step (${owner}) died.` },
        });
      } else if (step.status === "pending" || step.status === "waiting") {
        fixes.push({ ...step, status: "cancelled", reason: "cancelled" });
      }
    }
    if (fixes.length > 0) {
      const written = runs.putSteps(fixes);
      if (written instanceof Promise) await written;
    }
    marked.push(run.runId);
  }
  return marked;
}
