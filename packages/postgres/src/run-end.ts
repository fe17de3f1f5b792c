/**
 * A dispatched run's end (dispatch.ts): found from its open steps under the run's row lock, recorded by
 * the engine's rule, its dispatch rows dropped and its run limits' slots given back, which starts the
 * runs waiting for them.
 */
import type { PoolClient } from "pg";
import { runOutcome, type RunRecord, type StepRunRecord } from "sluice/internal";
import { releaseRunSlots } from "./run-slots.js";
import { lockedRun, replaceRun } from "./record-writes.js";

/**
 * Ends the run if none of its steps is open: under the run's row lock, so that of several last
 * completions looking at once, one ends it (the others find its dispatch rows gone).
 */
export async function finishIfDone(
  client: PoolClient,
  schema: string,
  runId: string,
): Promise<void> {
  const run = await client.query<{ cancel_requested: boolean }>(
    "SELECT cancel_requested FROM dispatch_runs WHERE run_id = $1 FOR UPDATE",
    [runId],
  );
  if (run.rows.length === 0) return;
  const open = await client.query(
    "SELECT 1 FROM dispatch_steps WHERE run_id = $1 AND state <> 'done' LIMIT 1",
    [runId],
  );
  if (open.rows.length > 0) return;
  await finishRun(client, schema, runId, run.rows[0]!.cancel_requested);
}

/**
 * Records the run's end (by the engine's rule: its first failure, if any), drops its dispatch rows,
 * and gives its run limits' slots back (starting the runs waiting for them).
 */
export async function finishRun(
  client: PoolClient,
  schema: string,
  runId: string,
  cancelled: boolean,
): Promise<void> {
  const current = await lockedRun(client, runId);
  const failures = await client.query<{ record: string }>(
    `SELECT s.record FROM dispatch_steps d JOIN step_runs s ON s.run_id = d.run_id AND s.step = d.step
     WHERE d.run_id = $1 AND d.outcome = 'failed'`,
    [runId],
  );
  await client.query("DELETE FROM dispatch_steps WHERE run_id = $1", [runId]);
  await client.query("DELETE FROM dispatch_units WHERE run_id = $1", [runId]);
  await client.query("DELETE FROM dispatch_runs WHERE run_id = $1", [runId]);
  for (const started of await releaseRunSlots(client, runId))
    await queueReadySteps(client, schema, started);
  if (!current) return;
  const failed = failures.rows
    .map((row) => JSON.parse(row.record) as StepRunRecord)
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
  const status = runOutcome({ storeFailed: false, cancelled, anyFailed: failed.length > 0 });
  const finishedAt = Date.now();
  const next: RunRecord = {
    ...current,
    status,
    finishedAt,
    durationMs: finishedAt - current.startedAt,
  };
  if (status === "cancelled") next.reason = "cancelled";
  const error = failed.find((step) => step.error)?.error;
  if (error) next.error = error;
  await replaceRun(client, next);
}

/** Jobs for the run's steps that are ready (a run that waited for its run limits' slots and now starts). */
async function queueReadySteps(client: PoolClient, schema: string, runId: string): Promise<void> {
  await client.query(
    `SELECT count(${schema}.add_job(
       'sluice:' || s.queue,
       json_build_object('run', s.run_id, 'step', s.step, 'flow', r.flow, 'version', r.version,
         'hash', r.snapshot_hash),
       max_attempts := 25, flags := ARRAY['snapshot:' || r.snapshot_hash]))
     FROM dispatch_steps s JOIN dispatch_runs r ON r.run_id = s.run_id
     WHERE s.run_id = $1 AND s.state = 'queued'`,
    [runId],
  );
}
