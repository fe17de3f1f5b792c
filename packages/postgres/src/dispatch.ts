/**
 * Runs dispatched to workers: the run's state machine kept in the database, each step a graphile-worker
 * job. Every change is one transaction:
 * - dispatch: the run's record, its steps' first records, its dispatch rows and the jobs of its ready steps;
 * - start: a worker takes a step's next attempt (its token);
 * - complete (step-end.ts): the step's record and completions, fenced by the token (a late finisher of
 *   an attempt the sweep gave to another worker is refused), its now-ready dependents' jobs, and the
 *   run's end once no step is left (run-end.ts);
 * - cancel: the steps not started end cancelled; workers running the others hear of it (worker.ts).
 * The counters follow the engine's ready queue (engine.ts); what a step's outcome is, is decided by the
 * engine's own rules (executeStepJob, transitions.ts).
 */
import type { PoolClient } from "pg";
import { makeWorkerUtils, Logger } from "graphile-worker";
import {
  SluiceError,
  type DispatchedRun,
  type PlannedStepData,
  type RunRecord,
  type StepRunRecord,
} from "sluice/internal";
import { splitSchema } from "./connect.js";
import type { PostgresStore } from "./postgres-store.js";
import { takeRunSlots } from "./run-slots.js";
import { finishIfDone, finishRun } from "./run-end.js";
import {
  INSERT_RUN,
  lockedRun,
  replaceRun,
  runValues,
  stepValues,
  upsertSteps,
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
  const { flow, plan } = run;
  const runId = run.record.runId;
  const limits = run.limits ?? [];
  const steps = plan.steps;
  const ready = steps.filter((s) => s.remaining === 0);
  if (!run.adopt && !run.resume && limits.length === 0 && steps.length > 0) {
    // The common case in one statement (one round trip, committed on its own): the run's record,
    // its steps' records, its dispatch rows and its ready steps' jobs.
    await store.query(
      `WITH new_run AS (${INSERT_RUN}), records AS (${upsertSteps(10)}),
         dispatched AS (${INSERT_DISPATCH_RUN(16)}), rows AS (${INSERT_DISPATCH_STEPS(22)}),
         jobs AS (${queueJobs(schema, 26)})
       SELECT count(*) FROM jobs`,
      [
        ...runValues(run.record),
        ...stepValues(plan.records),
        ...dispatchRunValues(run, false),
        ...dispatchStepValues(run),
        ...jobValues(ready),
      ],
    );
    return;
  }
  await store.transaction(async (client) => {
    // A run that cannot take its run limits' slots waits in line, queued, its ready steps without jobs.
    const waitingOn = await takeRunSlots(client, runId, limits);
    const record: RunRecord =
      waitingOn === undefined ? run.record : { ...run.record, status: "queued", waitingOn };
    if (run.adopt) await replaceQueued(client, record, run.adopt.claim);
    else if (run.resume) await replaceEnded(client, record);
    else await client.query(INSERT_RUN, runValues(record));
    if (plan.records.length > 0) await writeSteps(client, plan.records);
    await client.query(INSERT_DISPATCH_RUN(1), dispatchRunValues(run, waitingOn !== undefined));
    await client.query(INSERT_DISPATCH_STEPS(2), [runId, ...dispatchStepValues(run)]);
    if (waitingOn === undefined && ready.length > 0)
      await client.query(
        `SELECT count(*) FROM (${queueJobs(schema, 5, "$1", "$2", "$3", "$4")}) j`,
        [runId, flow.name, flow.version, flow.hash, ...jobValues(ready)],
      );
    if (steps.length === 0) await finishRun(client, schema, runId, false);
  });
}

/** The dispatch_runs row, its six parameters from $`first` (dispatchRunValues). */
const INSERT_DISPATCH_RUN = (first: number) =>
  `INSERT INTO dispatch_runs (run_id, flow, version, snapshot_hash, limits, waiting)
   VALUES ($${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5})`;

function dispatchRunValues(run: DispatchedRun, waiting: boolean): unknown[] {
  const limits = run.limits ?? [];
  return [
    run.record.runId,
    run.flow.name,
    run.flow.version,
    run.flow.hash,
    limits.length > 0 ? JSON.stringify(limits) : null,
    waiting,
  ];
}

/** The dispatch_steps rows of run `runIdParam`, their four arrays from $`first` (dispatchStepValues). */
const INSERT_DISPATCH_STEPS = (first: number, runIdParam = "$1") =>
  `INSERT INTO dispatch_steps (run_id, step, queue, remaining, planned, state)
   SELECT ${runIdParam}, s, q, r, p, CASE WHEN r = 0 THEN 'queued' ELSE 'blocked' END
   FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::int[], $${first + 3}::text[])
     AS t(s, q, r, p)`;

function dispatchStepValues({ plan }: DispatchedRun): unknown[] {
  return [
    plan.steps.map((s) => s.step),
    plan.steps.map((s) => s.queue),
    plan.steps.map((s) => s.remaining),
    plan.steps.map((s) => JSON.stringify(plan.planned[s.step])),
  ];
}

/**
 * A job for each of the steps and queues in the two arrays at $`first` (jobValues), of the run and
 * flow named by the other parameters (by default those of INSERT_DISPATCH_RUN at $16: its flow, version and hash).
 */
function queueJobs(
  schema: string,
  first: number,
  run = "$1",
  flow = "$17",
  version = "$18",
  hash = "$19",
): string {
  return `SELECT ${schema}.add_job(
       'sluice:' || q,
       json_build_object('run', ${run}::text, 'step', s, 'flow', ${flow}::text, 'version', ${version}::text, 'hash', ${hash}::text),
       max_attempts := 25, flags := ARRAY['snapshot:' || ${hash}::text])
     FROM unnest($${first}::text[], $${first + 1}::text[]) AS t(s, q)`;
}

function jobValues(steps: ReadonlyArray<{ step: string; queue: string }>): unknown[] {
  return [steps.map((s) => s.step), steps.map((s) => s.queue)];
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

/**
 * A run that ended (failed, cancelled) goes on: its record says running again, keeping how it was
 * triggered. (A server that resumes it records it `queued` first, under its own claim.)
 */
async function replaceEnded(client: PoolClient, record: RunRecord): Promise<void> {
  const ended = await lockedRun(client, record.runId);
  if (!ended)
    throw new SluiceError(
      "not-found",
      `No run ${record.runId} to resume. List runs with: sluice runs`,
    );
  if (ended.status === "running" || ended.status === "succeeded")
    throw new SluiceError(
      "conflict",
      `Run ${record.runId} is ${ended.status}; only a failed or cancelled run is resumed.`,
    );
  await replaceRun(client, { ...record, ...(ended.trigger ? { trigger: ended.trigger } : {}) });
}

export interface StartedStep {
  /** The attempt's token: its completion is recorded only while the token is current. */
  token: number;
  cancelled: boolean;
  /** The step as the run's plan has it. */
  planned: PlannedStepData;
  /** The records of the step's upstream steps. */
  upstream: StepRunRecord[];
  /** The run's record, when asked for. */
  run?: RunRecord;
}

/**
 * A worker takes the step's next attempt, in one statement: the token moves on, the step's record
 * says it runs, and its plan, its upstream steps' records and (with `withRun`) the run's record come
 * back. Undefined when the step is done already (a stale job).
 */
export async function startStep(
  store: PostgresStore,
  start: {
    runId: string;
    step: string;
    workerId: string;
    upstream: readonly string[];
    withRun: boolean;
    /** The graphile-worker job that runs it (a sweep deletes it when it gives the step away). */
    jobId: string;
  },
): Promise<StartedStep | undefined> {
  const rows = await store.query<{
    token: number;
    cancelled: boolean;
    planned: string;
    upstream: string[] | null;
    run: string | null;
  }>(
    `WITH started AS (
       UPDATE dispatch_steps d SET state = 'running', token = token + 1, worker_id = $3, job_id = $7
       FROM dispatch_runs r
       WHERE d.run_id = $1 AND d.step = $2 AND d.state IN ('queued', 'running') AND r.run_id = d.run_id
       RETURNING d.token, d.planned, r.cancel_requested AS cancelled
     ), shown AS (
       UPDATE step_runs SET started_at = $4, record = (record::jsonb
         || jsonb_build_object('status', 'running', 'startedAt', $4::bigint, 'attempts', 1))::text
       WHERE run_id = $1 AND step = $2 AND EXISTS (SELECT 1 FROM started)
     )
     SELECT token, cancelled, planned,
       ARRAY(SELECT record FROM step_runs WHERE run_id = $1 AND step = ANY($5)) AS upstream,
       CASE WHEN $6 THEN (SELECT record FROM runs WHERE run_id = $1) END AS run
     FROM started`,
    [
      start.runId,
      start.step,
      start.workerId,
      Date.now(),
      [...start.upstream],
      start.withRun,
      start.jobId,
    ],
    "sluice_start_step",
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    token: row.token,
    cancelled: row.cancelled,
    planned: JSON.parse(row.planned) as PlannedStepData,
    upstream: (row.upstream ?? []).map((record) => JSON.parse(record) as StepRunRecord),
    ...(row.run ? { run: JSON.parse(row.run) as RunRecord } : {}),
  };
}

/**
 * Cancels a dispatched run: its steps not started end cancelled now (their jobs, if queued, find them
 * done), the run is marked so that running steps' workers abort them, and the run ends once they have.
 * False when the run is not (or no longer) on workers.
 */
export async function cancelDispatchedRun(
  store: PostgresStore,
  schema: string,
  runId: string,
): Promise<boolean> {
  return store.transaction(async (client) => {
    const run = await client.query(
      "UPDATE dispatch_runs SET cancel_requested = true WHERE run_id = $1 RETURNING run_id",
      [runId],
    );
    if (run.rows.length === 0) return false;
    const stopped = await client.query<{ step: string }>(
      `UPDATE dispatch_steps SET state = 'done', outcome = 'cancelled'
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
    await finishIfDone(client, schema, runId);
    return true;
  });
}
