/**
 * Runs dispatched to workers: the run's state machine kept in the database, each step a graphile-worker
 * job. Every change is one transaction:
 * - dispatch: the run's record, its steps' first records, its dispatch rows and the jobs of its ready steps;
 * - start: a worker takes a step's next attempt (its token);
 * - complete: the step's record and completions, fenced by the token (a late finisher of an attempt the
 *   sweep gave to another worker is refused), its now-ready dependents' jobs, and the run's end once
 *   no step is left;
 * - cancel: the steps not started end cancelled; workers running the others hear of it (worker.ts).
 * The counters follow the engine's ready queue (engine.ts); what a step's outcome is, is decided by the
 * engine's own rules (executeStepJob, transitions.ts).
 */
import type { PoolClient } from "pg";
import { makeWorkerUtils, Logger } from "graphile-worker";
import {
  SluiceError,
  runOutcome,
  type Completion,
  type DispatchedFlow,
  type DispatchedRun,
  type DispatchPlan,
  type RunRecord,
  type SerializedError,
  type StepRunRecord,
} from "sluice/internal";
import { splitSchema } from "./connect.js";
import type { PostgresStore } from "./postgres-store.js";
import {
  INSERT_RUN,
  lockedRun,
  replaceRun,
  runValues,
  writeCompletions,
  writeSteps,
} from "./record-writes.js";

/** A step job's payload. */
export interface StepJobPayload {
  run: string;
  step: string;
  flow: string;
  version: string;
  hash: string;
}

/** The job flag naming the snapshot a step needs: a worker that refused it once forbids the flag (worker.ts). */
export function snapshotFlag(hash: string): string {
  return `snapshot:${hash}`;
}

/** The graphile-worker task that runs steps of `queue`. */
export function taskOf(queue: string): string {
  return `sluice:${queue}`;
}

/** Where graphile-worker keeps its jobs: beside sluice's tables (`<schema>_jobs`), else its own default. */
export function queueSchema(url: string): string {
  const { schema } = splitSchema(url);
  return schema === undefined ? "graphile_worker" : `${schema}_jobs`;
}

const quiet = new Logger(() => () => undefined);
const installed = new Map<string, Promise<void>>();

/** Creates or migrates graphile-worker's tables (once per process and database). */
export function installQueue(store: PostgresStore, schema: string): Promise<void> {
  const key = `${store.where}#${schema}`;
  let done = installed.get(key);
  if (!done) {
    done = (async () => {
      const utils = await makeWorkerUtils({ pgPool: store.pool, schema, logger: quiet });
      try {
        await utils.migrate();
      } finally {
        await utils.release();
      }
    })();
    done.catch(() => installed.delete(key));
    installed.set(key, done);
  }
  return done;
}

/** Records the run and queues its ready steps, in one transaction. */
export async function dispatchRun(
  store: PostgresStore,
  schema: string,
  run: DispatchedRun,
): Promise<void> {
  try {
    await writeDispatch(store, schema, run);
  } catch (error) {
    // The queue's tables are made on first use (a worker's start makes them too): not checked on every dispatch.
    if (!queueMissing(error)) throw error;
    await installQueue(store, schema);
    await writeDispatch(store, schema, run);
  }
}

/** Whether an error says graphile-worker's schema or functions are not there yet. */
function queueMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "3F000" || code === "42883" || code === "42P01";
}

async function writeDispatch(
  store: PostgresStore,
  schema: string,
  run: DispatchedRun,
): Promise<void> {
  const { record, flow, plan } = run;
  const runId = record.runId;
  await store.transaction(async (client) => {
    if (run.adopt) await replaceQueued(client, record, run.adopt.claim);
    else await client.query(INSERT_RUN, runValues(record));
    if (plan.records.length > 0) await writeSteps(client, plan.records);
    await client.query(
      `INSERT INTO dispatch_runs (run_id, flow, version, snapshot_hash, plan, steps_left)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [runId, flow.name, flow.version, flow.hash, JSON.stringify(plan.planned), plan.steps.length],
    );
    const steps = plan.steps;
    await client.query(
      `INSERT INTO dispatch_steps (run_id, step, queue, remaining, dependents, state)
       SELECT $1, s, q, r, ARRAY(SELECT json_array_elements_text(d::json)),
              CASE WHEN r = 0 THEN 'queued' ELSE 'blocked' END
       FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS t(s, q, r, d)`,
      [
        runId,
        steps.map((s) => s.step),
        steps.map((s) => s.queue),
        steps.map((s) => s.remaining),
        steps.map((s) => JSON.stringify(s.dependents)),
      ],
    );
    const ready = steps.filter((s) => s.remaining === 0);
    await addJobs(client, schema, flow, runId, ready);
    if (steps.length === 0) await finishRun(client, runId, { cancelled: false, failed: 0 });
  });
}

/** The queued run a trigger recorded under `claim` becomes the dispatched run (keeping when and how it was triggered). */
async function replaceQueued(client: PoolClient, record: RunRecord, claim: string): Promise<void> {
  const queued = await lockedRun(client, record.runId);
  if (!queued || queued.claim !== claim)
    throw new SluiceError(
      "superseded",
      `Run ${record.runId} is no longer the queued run this process recorded; it is not dispatched again.`,
    );
  await replaceRun(client, {
    ...record,
    startedAt: queued.startedAt,
    ...(queued.trigger ? { trigger: queued.trigger } : {}),
  });
}

async function addJobs(
  client: PoolClient,
  schema: string,
  flow: DispatchedFlow,
  runId: string,
  steps: ReadonlyArray<{ step: string; queue: string }>,
): Promise<void> {
  if (steps.length === 0) return;
  await client.query(
    `SELECT count(${schema}.add_job(
       'sluice:' || q,
       json_build_object('run', $1::text, 'step', s, 'flow', $2::text, 'version', $3::text, 'hash', $4::text),
       max_attempts := 25, flags := ARRAY['snapshot:' || $4::text]))
     FROM unnest($5::text[], $6::text[]) AS t(s, q)`,
    [
      runId,
      flow.name,
      flow.version,
      flow.hash,
      steps.map((s) => s.step),
      steps.map((s) => s.queue),
    ],
  );
}

/** A worker takes the step's next attempt: its token, or undefined when the step is done (a stale job). */
export async function startStep(
  store: PostgresStore,
  runId: string,
  step: string,
  workerId: string,
): Promise<{ token: number; cancelled: boolean } | undefined> {
  const rows = await store.query<{ token: number; cancelled: boolean }>(
    `UPDATE dispatch_steps d SET state = 'running', token = token + 1, worker_id = $3
     FROM dispatch_runs r
     WHERE d.run_id = $1 AND d.step = $2 AND d.state IN ('queued', 'running') AND r.run_id = d.run_id
     RETURNING d.token, r.cancel_requested AS cancelled`,
    [runId, step, workerId],
    "sluice_start_step",
  );
  return rows[0];
}

/** What the run's plan holds for its steps to run (see dispatchPlan), read once per run by a worker. */
export async function dispatchedRun(
  store: PostgresStore,
  runId: string,
): Promise<{ flow: DispatchedFlow; planned: DispatchPlan["planned"] } | undefined> {
  const rows = await store.query<{
    flow: string;
    version: string;
    snapshot_hash: string;
    plan: string;
  }>("SELECT flow, version, snapshot_hash, plan FROM dispatch_runs WHERE run_id = $1", [runId]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    flow: { name: row.flow, version: row.version, hash: row.snapshot_hash },
    planned: JSON.parse(row.plan) as DispatchPlan["planned"],
  };
}

/**
 * Commits the step's end: its record and completions, the jobs of the dependents it made ready and,
 * when it was the run's last step, the run's end. "fenced" (nothing written) when the attempt is no
 * longer this worker's.
 */
export async function completeStep(
  store: PostgresStore,
  schema: string,
  end: { runId: string; token: number; record: StepRunRecord; completions: readonly Completion[] },
): Promise<"recorded" | "fenced"> {
  const { runId, record } = end;
  return store.transaction(async (client) => {
    const mine = await client.query<{ dependents: string[] }>(
      {
        name: "sluice_fence_step",
        text: `UPDATE dispatch_steps SET state = 'done', worker_id = NULL
               WHERE run_id = $1 AND step = $2 AND token = $3 AND state = 'running'
               RETURNING dependents`,
      },
      [runId, record.step, end.token],
    );
    if (mine.rows.length === 0) return "fenced";
    await writeSteps(client, [record]);
    if (end.completions.length > 0) await writeCompletions(client, [...end.completions]);
    const dependents = mine.rows[0]!.dependents;
    if (dependents.length > 0) await queueReady(client, schema, runId, dependents);
    const failed = record.status === "failed" ? 1 : 0;
    const failure = failed ? JSON.stringify(record.error ?? null) : null;
    const left = await client.query<{
      steps_left: number;
      failed: number;
      cancel_requested: boolean;
    }>(
      {
        name: "sluice_step_done",
        text: `UPDATE dispatch_runs SET steps_left = steps_left - 1, failed = failed + $2,
                 first_failure = COALESCE(first_failure, $3)
               WHERE run_id = $1 RETURNING steps_left, failed, cancel_requested`,
      },
      [runId, failed, failure],
    );
    const run = left.rows[0];
    if (run && run.steps_left === 0)
      await finishRun(client, runId, { cancelled: run.cancel_requested, failed: run.failed });
    return "recorded";
  });
}

/** Counts the step done for each dependent; those with nothing left to wait for are queued (unless the run was cancelled). */
async function queueReady(
  client: PoolClient,
  schema: string,
  runId: string,
  dependents: string[],
): Promise<void> {
  await client.query(
    {
      name: `sluice_queue_ready_${schema}`,
      text: `WITH ready AS (
               UPDATE dispatch_steps d SET remaining = d.remaining - 1,
                 state = CASE WHEN d.remaining = 1 THEN 'queued' ELSE d.state END
               WHERE d.run_id = $1 AND d.step = ANY($2) AND d.state = 'blocked'
               RETURNING d.step, d.queue, d.state
             )
             SELECT count(${schema}.add_job(
               'sluice:' || ready.queue,
               json_build_object('run', $1::text, 'step', ready.step, 'flow', r.flow,
                 'version', r.version, 'hash', r.snapshot_hash),
               max_attempts := 25, flags := ARRAY['snapshot:' || r.snapshot_hash]))
             FROM ready JOIN dispatch_runs r ON r.run_id = $1
             WHERE ready.state = 'queued' AND NOT r.cancel_requested`,
    },
    [runId, dependents],
  );
}

/** Records the run's end (by the engine's rule) and drops its dispatch rows. */
async function finishRun(
  client: PoolClient,
  runId: string,
  end: { cancelled: boolean; failed: number },
): Promise<void> {
  const current = await lockedRun(client, runId);
  const failure = await client.query<{ first_failure: string | null }>(
    "SELECT first_failure FROM dispatch_runs WHERE run_id = $1",
    [runId],
  );
  await client.query("DELETE FROM dispatch_steps WHERE run_id = $1", [runId]);
  await client.query("DELETE FROM dispatch_runs WHERE run_id = $1", [runId]);
  if (!current) return;
  const status = runOutcome({
    storeFailed: false,
    cancelled: end.cancelled,
    anyFailed: end.failed > 0,
  });
  const finishedAt = Date.now();
  const error = failure.rows[0]?.first_failure
    ? (JSON.parse(failure.rows[0].first_failure) as SerializedError | null)
    : null;
  const next: RunRecord = {
    ...current,
    status,
    finishedAt,
    durationMs: finishedAt - current.startedAt,
  };
  if (status === "cancelled") next.reason = "cancelled";
  if (error) next.error = error;
  await replaceRun(client, next);
}

/**
 * Cancels a dispatched run: its steps not started end cancelled now (their jobs, if queued, find them
 * done), the run is marked so that running steps' workers abort them, and the run ends once they have.
 * False when the run is not (or no longer) on workers.
 */
export async function cancelDispatchedRun(store: PostgresStore, runId: string): Promise<boolean> {
  return store.transaction(async (client) => {
    const run = await client.query<{ steps_left: number; failed: number }>(
      "SELECT steps_left, failed FROM dispatch_runs WHERE run_id = $1 FOR UPDATE",
      [runId],
    );
    if (run.rows.length === 0) return false;
    const stopped = await client.query<{ step: string }>(
      `UPDATE dispatch_steps SET state = 'done'
       WHERE run_id = $1 AND state IN ('blocked', 'queued') RETURNING step`,
      [runId],
    );
    const steps = stopped.rows.map((row) => row.step);
    if (steps.length > 0) {
      const records = await client.query<{ record: string }>(
        "SELECT record FROM step_runs WHERE run_id = $1 AND step = ANY($2)",
        [runId, steps],
      );
      await writeSteps(
        client,
        records.rows.map(({ record }) => ({
          ...(JSON.parse(record) as StepRunRecord),
          status: "cancelled",
          reason: "cancelled",
        })),
      );
    }
    const left = run.rows[0]!.steps_left - steps.length;
    await client.query(
      "UPDATE dispatch_runs SET cancel_requested = true, steps_left = $2 WHERE run_id = $1",
      [runId, left],
    );
    if (left === 0)
      await finishRun(client, runId, { cancelled: true, failed: run.rows[0]!.failed });
    return true;
  });
}
