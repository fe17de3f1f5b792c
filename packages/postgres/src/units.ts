/**
 * The units a step shares with the workers (sluice's fan-out.ts): its map items or dynamic children,
 * as `dispatch_units` rows and a graphile-worker job each on the step's queue. A worker takes a unit by
 * moving its token on; its result is recorded only with that token, so a unit given to another worker
 * after its holder went past its lease is recorded once. The step's own job publishes, takes units
 * too, offers again those held by workers gone past their lease, and gathers the results.
 */
import type { ClaimedUnit, DispatchedFlow, FanOut, UnitInput, UnitResult } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

/** A unit job's payload. */
export interface UnitJobPayload {
  run: string;
  step: string;
  key: string;
  flow: string;
  version: string;
  hash: string;
}

/** The graphile-worker task that runs units of steps of `queue`. */
export function unitTaskOf(queue: string): string {
  return `sluice-unit:${queue}`;
}

/** The fan-out of one run's steps on this worker. */
export function unitFanOut(
  store: PostgresStore,
  schema: string,
  context: {
    runId: string;
    workerId: string;
    flow: DispatchedFlow;
    /** The queue of the step whose units these are. */
    queue: string;
    /** A unit held by a worker whose heartbeat is older than this is offered again. */
    leaseMs: number;
  },
): FanOut {
  const { runId, workerId, flow } = context;
  return {
    async clear(step) {
      await store.query("DELETE FROM dispatch_units WHERE run_id = $1 AND step = $2", [
        runId,
        step,
      ]);
    },

    async publish(step, units) {
      // One statement: the rows and their jobs together.
      await store.query(
        `WITH units AS (
           INSERT INTO dispatch_units (run_id, step, key, input, state)
           SELECT $1, $2, k, i, 'open' FROM unnest($3::text[], $4::text[]) AS t(k, i)
           ON CONFLICT (run_id, step, key) DO UPDATE SET input = excluded.input, state = 'open',
             token = dispatch_units.token + 1, worker_id = NULL, result = NULL
           RETURNING key
         )
         SELECT count(${schema}.add_job(
           $5::text,
           json_build_object('run', $1::text, 'step', $2::text, 'key', key, 'flow', $6::text,
             'version', $7::text, 'hash', $8::text),
           max_attempts := 1, flags := ARRAY['snapshot:' || $8::text]))
         FROM units`,
        [
          runId,
          step,
          units.map((unit) => unit.key),
          units.map((unit) => JSON.stringify(unit.input)),
          unitTaskOf(context.queue),
          flow.name,
          flow.version,
          flow.hash,
        ],
      );
    },

    async claim(step) {
      const rows = await store.query<{ key: string; token: number; input: string }>(
        // A scalar subquery (evaluated once): as a joined one it could be scanned again per row,
        // taking a unit each time.
        `UPDATE dispatch_units SET state = 'running', token = token + 1, worker_id = $3
         WHERE run_id = $1 AND step = $2 AND key = (
           SELECT key FROM dispatch_units WHERE run_id = $1 AND step = $2 AND state = 'open'
           LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING key, token, input`,
        [runId, step, workerId],
        "sluice_claim_unit",
      );
      const row = rows[0];
      return row && claimed(step, row);
    },

    finish: (unit, result) => finishUnit(store, runId, unit, result),

    async unfinished(step) {
      const rows = await store.query<{ open: string }>(
        `WITH offered AS (
           UPDATE dispatch_units u SET state = 'open', worker_id = NULL
           WHERE u.run_id = $1 AND u.step = $2 AND u.state = 'running' AND u.worker_id <> $3
             AND NOT EXISTS (SELECT 1 FROM workers w
                             WHERE w.worker_id = u.worker_id AND w.heartbeat_at >= $4)
           RETURNING 1
         )
         SELECT count(*) AS open FROM dispatch_units
         WHERE run_id = $1 AND step = $2 AND state <> 'done'`,
        [runId, step, workerId, Date.now() - context.leaseMs],
        "sluice_unfinished_units",
      );
      return Number(rows[0]!.open);
    },

    async results(step) {
      const rows = await store.query<{ key: string; result: string }>(
        "SELECT key, result FROM dispatch_units WHERE run_id = $1 AND step = $2 AND state = 'done'",
        [runId, step],
      );
      return new Map(rows.map((row) => [row.key, JSON.parse(row.result) as UnitResult]));
    },
  };
}

/** A worker takes the unit of its job, unless it was taken or has ended already (undefined). */
export async function claimUnit(
  store: PostgresStore,
  job: UnitJobPayload,
  workerId: string,
): Promise<ClaimedUnit | undefined> {
  const rows = await store.query<{ key: string; token: number; input: string }>(
    `UPDATE dispatch_units SET state = 'running', token = token + 1, worker_id = $4
     WHERE run_id = $1 AND step = $2 AND key = $3 AND state = 'open'
     RETURNING key, token, input`,
    [job.run, job.step, job.key, workerId],
    "sluice_claim_unit_job",
  );
  const row = rows[0];
  return row && claimed(job.step, row);
}

/** Records a unit's end with its token; false when the unit is not this claim's any more. */
export async function finishUnit(
  store: PostgresStore,
  runId: string,
  unit: ClaimedUnit,
  result: UnitResult,
): Promise<boolean> {
  const rows = await store.query(
    `UPDATE dispatch_units SET state = 'done', result = $5, worker_id = NULL
     WHERE run_id = $1 AND step = $2 AND key = $3 AND token = $4 AND state = 'running'
     RETURNING 1`,
    [runId, unit.step, unit.key, unit.token, JSON.stringify(result)],
    "sluice_finish_unit",
  );
  return rows.length > 0;
}

function claimed(step: string, row: { key: string; token: number; input: string }): ClaimedUnit {
  return { step, key: row.key, token: row.token, input: JSON.parse(row.input) as UnitInput };
}
