/**
 * The workers of a stack, as the database knows them: registered at start, a heartbeat while alive
 * (which also tells a worker which of its runs were cancelled), gone at stop (handing its running
 * steps back when it stops at once). Any worker sweeps those
 * past their lease: their graphile-worker jobs are unlocked and their steps' attempts given up (the
 * token moves on, so a finisher that was only slow is refused), and the steps run again elsewhere.
 */
import type { PoolClient } from "pg";
import type { WorkerInfo } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

/** A worker as the database records it (sluice's WorkerInfo). */
export type WorkerRecord = WorkerInfo;

/** What a worker registers as: itself, what it serves and the flows it has. */
export type WorkerRegistration = Omit<
  WorkerRecord,
  "startedAt" | "heartbeatAt" | "stopping" | "running"
> & { startedAt: number };

/**
 * Proves the worker alive (registering it again if a sweep removed it meanwhile: a worker that was only
 * slow stays listed, with the ids its jobs are locked under); returns which of `runIds` were cancelled.
 */
export async function beat(
  store: PostgresStore,
  worker: WorkerRegistration,
  now: { graphileIds: readonly string[]; runIds: readonly string[]; stopping: boolean },
): Promise<string[]> {
  await store.query(
    `INSERT INTO workers (worker_id, host, pid, queues, concurrency, flows, started_at, heartbeat_at,
       graphile_ids, stopping)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at,
       graphile_ids = excluded.graphile_ids, stopping = excluded.stopping`,
    [
      worker.workerId,
      worker.host,
      worker.pid,
      worker.queues,
      worker.concurrency,
      JSON.stringify(worker.flows),
      worker.startedAt,
      Date.now(),
      now.graphileIds,
      now.stopping,
    ],
    "sluice_worker_beat",
  );
  if (now.runIds.length === 0) return [];
  const rows = await store.query<{ run_id: string }>(
    "SELECT run_id FROM dispatch_runs WHERE run_id = ANY($1) AND cancel_requested",
    [now.runIds],
  );
  return rows.map((row) => row.run_id);
}

/** Sweeps the workers whose last heartbeat is before `deadline`; returns lines saying what it did. */
export async function sweepWorkers(
  store: PostgresStore,
  schema: string,
  deadline: number,
): Promise<string[]> {
  return store.transaction(async (client) => {
    const dead = await client.query<{ worker_id: string; host: string; graphile_ids: string[] }>(
      "DELETE FROM workers WHERE heartbeat_at < $1 RETURNING worker_id, host, graphile_ids",
      [deadline],
    );
    if (dead.rows.length === 0) return [];
    const lines = await releaseSteps(
      client,
      schema,
      dead.rows,
      (worker, step) =>
        `worker ${worker} stopped answering (no heartbeat within its lease); step "${step}" runs again on another worker.`,
    );
    return [
      ...dead.rows.map(
        (row) => `swept worker ${row.worker_id} on ${row.host}: no heartbeat within its lease.`,
      ),
      ...lines,
    ];
  });
}

/**
 * A worker stopping at once (a second SIGTERM) hands its steps back: their attempts are given up
 * (the token moves on) and their jobs unlocked, so other workers take them now, not after a lease.
 */
export async function handBack(
  store: PostgresStore,
  schema: string,
  worker: { workerId: string; graphileIds: readonly string[] },
): Promise<string[]> {
  return store.transaction(async (client) => {
    await client.query("DELETE FROM workers WHERE worker_id = $1", [worker.workerId]);
    return releaseSteps(
      client,
      schema,
      [{ worker_id: worker.workerId, graphile_ids: [...worker.graphileIds] }],
      (id, step) => `worker ${id} stopped; step "${step}" runs again on another worker.`,
    );
  });
}

/** Gives up the running steps of these workers and unlocks their jobs; a log line in each run says so. */
async function releaseSteps(
  client: PoolClient,
  schema: string,
  workers: ReadonlyArray<{ worker_id: string; graphile_ids: string[] }>,
  say: (worker: string, step: string) => string,
): Promise<string[]> {
  const ids = workers.flatMap((row) => row.graphile_ids);
  if (ids.length > 0) await client.query(`SELECT ${schema}.force_unlock_workers($1)`, [ids]);
  // Each released step gets a new job, and its old one is deleted: a worker that was only slow would
  // otherwise complete (delete) the old job after its attempt was refused, leaving the step no job;
  // and an old job unlocked beside a new one would run the step twice.
  const steps = await client.query<{ run_id: string; step: string; worker_id: string }>(
    `WITH released AS (
       UPDATE dispatch_steps s SET state = 'queued', token = token + 1, worker_id = NULL, job_id = NULL
       FROM (SELECT run_id, step, worker_id, job_id FROM dispatch_steps
             WHERE worker_id = ANY($1) AND state = 'running' FOR UPDATE) old
       WHERE s.run_id = old.run_id AND s.step = old.step
       RETURNING s.run_id, s.step, s.queue, old.worker_id, old.job_id
     ), gone AS (
       SELECT ${schema}.complete_jobs(ARRAY(SELECT job_id FROM released WHERE job_id IS NOT NULL))
     ), requeued AS (
       SELECT ${schema}.add_job(
         'sluice:' || released.queue,
         json_build_object('run', released.run_id, 'step', released.step, 'flow', r.flow,
           'version', r.version, 'hash', r.snapshot_hash),
         max_attempts := 25, flags := ARRAY['snapshot:' || r.snapshot_hash])
       FROM released JOIN dispatch_runs r ON r.run_id = released.run_id
     )
     SELECT run_id, step, worker_id, (SELECT count(*) FROM gone) AS deleted,
       (SELECT count(*) FROM requeued) AS queued
     FROM released`,
    [workers.map((row) => row.worker_id)],
  );
  const now = Date.now();
  const logs = steps.rows.map((row) => ({
    runId: row.run_id,
    step: row.step,
    time: now,
    level: "warn",
    message: say(row.worker_id, row.step),
  }));
  if (logs.length > 0)
    await client.query(
      `INSERT INTO logs (run_id, step, record) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      [logs.map((l) => l.runId), logs.map((l) => l.step), logs.map((l) => JSON.stringify(l))],
    );
  return logs.map((log) => `run ${log.runId}: ${log.message}`);
}

export async function unregisterWorker(store: PostgresStore, workerId: string): Promise<void> {
  await store.query("DELETE FROM workers WHERE worker_id = $1", [workerId]);
}

/** The live workers, with the steps each runs now. */
export async function listWorkers(store: PostgresStore): Promise<WorkerRecord[]> {
  const rows = await store.query<{
    worker_id: string;
    host: string;
    pid: number;
    queues: string[];
    concurrency: number;
    flows: string;
    started_at: string;
    heartbeat_at: string;
    stopping: boolean;
    running: string[] | null;
  }>(
    // A step it runs, or whose map items or dynamic children (units) it runs some of.
    `SELECT w.*, (SELECT array_agg(DISTINCT r.entry ORDER BY r.entry) FROM (
                    SELECT d.run_id || '/' || d.step AS entry FROM dispatch_steps d
                    WHERE d.worker_id = w.worker_id AND d.state = 'running'
                    UNION
                    SELECT u.run_id || '/' || u.step FROM dispatch_units u
                    WHERE u.worker_id = w.worker_id AND u.state = 'running') r) AS running
     FROM workers w ORDER BY w.host, w.started_at`,
  );
  return rows.map((row) => ({
    workerId: row.worker_id,
    host: row.host,
    pid: row.pid,
    queues: row.queues,
    concurrency: row.concurrency,
    flows: JSON.parse(row.flows) as WorkerRecord["flows"],
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    stopping: row.stopping,
    running: row.running ?? [],
  }));
}
