import { hostname } from "node:os";
import type { RunRecord, RunStore, StepRunRecord } from "../store/index.js";

/** A live run refreshes its heartbeat this often. */
export const HEARTBEAT_MS = 5_000;
/** A run whose heartbeat is older than this is dead, wherever it ran. */
export const LEASE_MS = 30_000;

const THIS_HOST = hostname();

/** Whether the process that owns a `running` run is gone: its pid is dead here, or its lease ran out. */
export function isOrphaned(run: RunRecord, now: number = Date.now()): boolean {
  // A queued run is owned too: the server that accepted it starts it at once.
  if (run.status !== "running" && run.status !== "queued") return false;
  if (run.ownerHost === THIS_HOST && run.ownerPid !== undefined && !pidAlive(run.ownerPid)) return true;
  const lastSign = run.heartbeatAt ?? run.startedAt;
  return now - lastSign > LEASE_MS;
}

/**
 * Marks every run whose process died as `failed` with reason `crashed` (never left `running`): its
 * running steps fail with code `crashed`, its pending ones are cancelled. Finished steps keep their
 * outputs, so running the pipeline again (or `sluice resume`) redoes none of them. Returns the runs marked.
 */
export async function recoverCrashedRuns(runs: RunStore, now: number = Date.now()): Promise<string[]> {
  const marked: string[] = [];
  const live = [...(await runs.listRuns({ status: "running" })), ...(await runs.listRuns({ status: "queued" }))];
  for (const run of live) {
    if (!isOrphaned(run, now)) continue;
    const detail = await runs.getRun(run.runId);
    const fixes: StepRunRecord[] = [];
    for (const step of detail?.steps ?? []) {
      if (step.status === "running") {
        fixes.push({ ...step, status: "failed", finishedAt: now, error: { code: "crashed", message: `The process running this step (pid ${run.ownerPid ?? "?"}) died.` } });
      } else if (step.status === "pending") {
        fixes.push({ ...step, status: "cancelled", reason: "cancelled" });
      }
    }
    if (fixes.length > 0) {
      const written = runs.putSteps(fixes);
      if (written instanceof Promise) await written;
    }
    await runs.updateRun(run.runId, {
      status: "failed",
      reason: "crashed",
      finishedAt: now,
      durationMs: now - run.startedAt,
      error: run.error ?? { code: "crashed", message: `The process that ran this run (pid ${run.ownerPid ?? "?"} on ${run.ownerHost ?? "?"}) died; resume it with: sluice resume ${run.runId}` },
    });
    marked.push(run.runId);
  }
  return marked;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function ownerFields(): { ownerPid: number; ownerHost: string } {
  return { ownerPid: process.pid, ownerHost: THIS_HOST };
}
