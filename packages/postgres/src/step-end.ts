/**
 * A dispatched step's end (dispatch.ts), committed by the worker that ran it: one statement fenced by
 * the attempt's token, which also queues the dependents it made ready and may hand one of them to the
 * same worker; and the give-back of such a step when its end could not be recorded.
 */
import type { Completion, PlannedStepData, StepRunRecord } from "sluice/internal";
import type { StartedStep } from "./dispatch.js";
import type { PostgresStore } from "./postgres-store.js";
import { finishIfDone } from "./run-end.js";
import {
  artifactValues,
  completionCtes,
  completionValues,
  stepValues,
  upsertArtifacts,
  upsertSteps,
  type ArtifactRow,
} from "./record-writes.js";

/** A dependent the completing worker goes on with itself (see completeStep's `continueOn`). */
export interface ContinuedStep extends StartedStep {
  step: string;
}

/**
 * Commits the step's end in one statement: its record, completions and artifacts, the jobs of the
 * dependents it made ready and, when it counted none down, a look at whether the run has ended.
 * "fenced" (nothing written) when the attempt is no longer this worker's. No row is updated by every
 * completion of a run (a hot row serializes them and costs PostgreSQL a new row version each time):
 * the run's end is found from its open steps.
 *
 * With `continueOn`, one dependent made ready (of a queue the worker serves) is not queued: its
 * attempt is taken for this worker in the same statement and comes back as `next`, so a chain does
 * not go through the queue at every step. It is held like any running step: a sweep gives it a job.
 */
export async function completeStep(
  store: PostgresStore,
  schema: string,
  end: {
    runId: string;
    token: number;
    record: StepRunRecord;
    completions: readonly Completion[];
    /** Artifacts the step made, written with its end (a stack whose artifacts are in the database). */
    artifacts?: readonly ArtifactRow[];
    /** The steps that read this one (those the run does not run have no row and are passed over). */
    dependents: readonly string[];
    continueOn?: {
      workerId: string;
      queues: readonly string[];
      /** The steps a dependent reads (their records come back with it). */
      upstreamOf: (step: string) => readonly string[];
    };
  },
): Promise<{ status: "recorded" | "fenced"; next?: ContinuedStep }> {
  const { runId, record, continueOn } = end;
  // One statement, committed on its own: fenced, it writes nothing.
  const rows = await store.query<{
    counted_down: boolean;
    next: { step: string; token: number; planned: string; upstream: string[] | null } | null;
  }>(
    stepDone(schema),
    [
      runId,
      record.step,
      end.token,
      record.status,
      [...end.dependents],
      continueOn ? [...continueOn.queues] : [],
      continueOn?.workerId ?? null,
      Date.now(),
      continueOn ? JSON.stringify(continuable(end.dependents, continueOn.upstreamOf)) : "{}",
      ...stepValues([record]),
      ...completionValues(end.completions),
      ...artifactValues(end.artifacts ?? []),
    ],
    `sluice_step_done_${schema}`,
  );
  const row = rows[0];
  if (!row) return { status: "fenced" };
  // A dependent counted down is still open, so the run goes on. A completion that counted none down
  // (the last step of a branch) looks whether the run has ended: after its commit, under the run's
  // row lock, with what every completion committed by then. (Not from the statement's own snapshot:
  // a completion committed while it ran would be missed, and the last one to commit must see it.)
  if (!row.counted_down) await store.transaction((client) => finishIfDone(client, schema, runId));
  if (!row.next) return { status: "recorded" };
  return {
    status: "recorded",
    next: {
      step: row.next.step,
      token: row.next.token,
      cancelled: false,
      planned: JSON.parse(row.next.planned) as PlannedStepData,
      // Read as the statement began: this step's own record is the one it wrote.
      upstream: (row.next.upstream ?? []).map((text) => {
        const upstream = JSON.parse(text) as StepRunRecord;
        return upstream.step === record.step ? record : upstream;
      }),
    },
  };
}

/**
 * The dependents a worker may go on with, with the steps each reads (their records come back with
 * it): not a join of many steps, whose list would be sent with every one of its upstream's ends.
 */
function continuable(
  dependents: readonly string[],
  upstreamOf: (step: string) => readonly string[],
): Record<string, readonly string[]> {
  const names: Record<string, readonly string[]> = {};
  for (const dependent of dependents) {
    const upstream = upstreamOf(dependent);
    if (upstream.length <= MOST_UPSTREAM_CONTINUED) names[dependent] = upstream;
  }
  return names;
}

const MOST_UPSTREAM_CONTINUED = 32;

/**
 * A step's end, one statement: the step done with its outcome (only with the current token), its
 * record ($10-$15), completions ($16-$26) and artifacts ($27-$31) written (likewise), each
 * dependent's count down (an index lookup each, by name) and a job for those with nothing left to wait
 * for (unless the run was cancelled), except the one the worker goes on with ($7: its id; taken as a
 * step starts, shown running, its upstream records read by the names in $9); and whether it
 * counted a dependent down. No row back: fenced.
 */
function stepDone(schema: string): string {
  const recorded = "EXISTS (SELECT 1 FROM mine)";
  return `WITH mine AS (
      UPDATE dispatch_steps SET state = 'done', outcome = $4, worker_id = NULL
      WHERE run_id = $1 AND step = $2 AND token = $3 AND state = 'running'
      RETURNING step
    ), step_record AS (
      ${upsertSteps(10, recorded)}
    ), ${completionCtes("completion", 16, recorded)}, artifact_rows AS (
      ${upsertArtifacts(27, recorded)}
    ), pick AS (
      SELECT d.step FROM dispatch_steps d JOIN dispatch_runs r ON r.run_id = d.run_id
      WHERE $7::text IS NOT NULL AND d.run_id = $1 AND d.step = ANY($5) AND d.state = 'blocked'
        AND d.remaining = 1 AND d.queue = ANY($6) AND $9::jsonb ? d.step AND NOT r.cancel_requested
      ORDER BY d.step LIMIT 1
    ), ready AS (
      UPDATE dispatch_steps d SET remaining = d.remaining - 1,
        state = CASE WHEN d.remaining > 1 THEN d.state
                     WHEN d.step IN (SELECT step FROM pick) THEN 'running' ELSE 'queued' END,
        token = CASE WHEN d.remaining = 1 AND d.step IN (SELECT step FROM pick)
                     THEN d.token + 1 ELSE d.token END,
        worker_id = CASE WHEN d.remaining = 1 AND d.step IN (SELECT step FROM pick)
                         THEN $7::text ELSE d.worker_id END
      WHERE d.run_id = $1 AND d.step = ANY($5) AND d.state = 'blocked'
        AND EXISTS (SELECT 1 FROM mine)
      RETURNING d.step, d.queue, d.state, d.token, d.planned
    ), shown AS (
      UPDATE step_runs SET started_at = $8, record = (record::jsonb
        || jsonb_build_object('status', 'running', 'startedAt', $8::bigint, 'attempts', 1))::text
      WHERE run_id = $1 AND step IN (SELECT step FROM ready WHERE state = 'running')
    ), jobs AS (
      SELECT ${schema}.add_job(
        'sluice:' || ready.queue,
        json_build_object('run', $1::text, 'step', ready.step, 'flow', r.flow,
          'version', r.version, 'hash', r.snapshot_hash),
        max_attempts := 25, flags := ARRAY['snapshot:' || r.snapshot_hash])
      FROM ready JOIN dispatch_runs r ON r.run_id = $1
      WHERE ready.state = 'queued' AND NOT r.cancel_requested
    )
    SELECT
      EXISTS (SELECT 1 FROM ready) AS counted_down,
      (SELECT count(*) FROM jobs) AS queued,
      (SELECT json_build_object('step', ready.step, 'token', ready.token, 'planned', ready.planned,
         'upstream', ARRAY(SELECT s.record FROM step_runs s WHERE s.run_id = $1
                           AND s.step = ANY (ARRAY(
                             SELECT jsonb_array_elements_text($9::jsonb -> ready.step)))))
       FROM ready WHERE ready.state = 'running') AS next
    FROM mine`;
}

/**
 * Gives a running step's attempt back to the queue (the token moves on, a new job): for a step a
 * worker went on with itself, which has no job of its own to be tried again, when its end could not be
 * recorded (a lost connection). False when the attempt is no longer this one.
 */
export async function requeueStep(
  store: PostgresStore,
  schema: string,
  attempt: { runId: string; step: string; token: number },
): Promise<boolean> {
  const rows = await store.query<{ queued: string }>(
    `WITH released AS (
       UPDATE dispatch_steps SET state = 'queued', token = token + 1, worker_id = NULL, job_id = NULL
       WHERE run_id = $1 AND step = $2 AND token = $3 AND state = 'running'
       RETURNING run_id, step, queue
     )
     SELECT count(${schema}.add_job(
       'sluice:' || released.queue,
       json_build_object('run', released.run_id, 'step', released.step, 'flow', r.flow,
         'version', r.version, 'hash', r.snapshot_hash),
       max_attempts := 25, flags := ARRAY['snapshot:' || r.snapshot_hash])) AS queued
     FROM released JOIN dispatch_runs r ON r.run_id = released.run_id`,
    [attempt.runId, attempt.step, attempt.token],
  );
  return Number(rows[0]?.queued ?? 0) > 0;
}
