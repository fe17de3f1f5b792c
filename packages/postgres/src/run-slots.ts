/**
 * Run limits (a flow's maxConcurrentRuns, a workspace's cap) for runs dispatched to workers, held in
 * the database since no process stays with such a run. A run takes its slots as it is dispatched, in
 * the same `limit_leases` lines and by the same rule (`admitted`) as runs in one process; one that
 * cannot take all of them waits in line, recorded `queued`, its ready steps without jobs. Its slots
 * are given back when it ends, in the transaction that ends it, which also starts the runs waiting
 * in line that can now take all of theirs. A run takes all its slots or none: it never holds one
 * while waiting for another.
 */
import { hostname } from "node:os";
import type { PoolClient } from "pg";
import { admitted, type LimitSlot, type RunRecord } from "sluice/internal";
import { lockedRun, replaceRun } from "./record-writes.js";

/** A dispatched run's leases never lapse: they end with the run (a worker sweep keeps runs going). */
const NEVER = 9e15;

function holderOf(runId: string): string {
  return `run:${runId}`;
}

/**
 * Takes the run's slots, or puts it in line for them: undefined when taken, else what it waits on
 * (`limit runs of flow "train" 1/1`).
 */
export async function takeRunSlots(
  client: PoolClient,
  runId: string,
  slots: readonly LimitSlot[],
): Promise<string | undefined> {
  if (slots.length === 0) return undefined;
  const sorted = [...slots].sort((a, b) => (a.key < b.key ? -1 : 1));
  await lockKeys(
    client,
    sorted.map((slot) => slot.key),
  );
  const now = Date.now();
  const holder = holderOf(runId);
  let waitingOn: string | undefined;
  for (const slot of sorted) {
    const { held, ahead } = await lineOf(client, slot.key, holder, now);
    if (!admitted(false, held, ahead, slot.limit))
      waitingOn ??= `limit ${slot.label} ${held}/${slot.limit}`;
  }
  await client.query(
    `INSERT INTO limit_leases (key, holder, held, queued_at, expires_at, owner_host, owner_pid)
     SELECT k, $2, $3, $4, $5, $6, $7 FROM unnest($1::text[]) AS k
     ON CONFLICT (key, holder) DO UPDATE SET held = excluded.held, expires_at = excluded.expires_at`,
    [
      sorted.map((slot) => slot.key),
      holder,
      waitingOn === undefined,
      now,
      NEVER,
      hostname(),
      process.pid,
    ],
  );
  return waitingOn;
}

/**
 * Gives the ended run's slots back and starts the runs waiting in line that can now take all of
 * theirs (in the order they joined); returns those started, for their ready steps' jobs.
 */
export async function releaseRunSlots(client: PoolClient, runId: string): Promise<string[]> {
  const released = await client.query<{ key: string }>(
    "DELETE FROM limit_leases WHERE holder = $1 RETURNING key",
    [holderOf(runId)],
  );
  if (released.rows.length === 0) return [];
  const waiting = await client.query<{ run_id: string }>(
    `SELECT d.run_id FROM dispatch_runs d
     JOIN limit_leases l ON l.holder = 'run:' || d.run_id
     WHERE d.waiting AND l.key = ANY($1)
     GROUP BY d.run_id ORDER BY min(l.queued_at), d.run_id`,
    [released.rows.map((row) => row.key)],
  );
  const started: string[] = [];
  for (const { run_id } of waiting.rows)
    if (await startIfFree(client, run_id)) started.push(run_id);
  return started;
}

/** A waiting run takes all its slots if it can now, and is recorded running. */
async function startIfFree(client: PoolClient, runId: string): Promise<boolean> {
  const holder = holderOf(runId);
  const run = await client.query<{ limits: string }>(
    "SELECT limits FROM dispatch_runs WHERE run_id = $1",
    [runId],
  );
  const slots = JSON.parse(run.rows[0]?.limits ?? "[]") as LimitSlot[];
  await lockKeys(
    client,
    slots.map((slot) => slot.key),
  );
  const leases = await client.query<{ key: string; queued_at: string }>(
    "SELECT key, queued_at FROM limit_leases WHERE holder = $1",
    [holder],
  );
  const queuedAt = new Map(leases.rows.map((row) => [row.key, Number(row.queued_at)]));
  const now = Date.now();
  for (const slot of slots) {
    const { held, ahead } = await lineOf(client, slot.key, holder, now, queuedAt.get(slot.key));
    if (!admitted(false, held, ahead, slot.limit)) return false;
  }
  await client.query("UPDATE limit_leases SET held = true WHERE holder = $1", [holder]);
  await client.query("UPDATE dispatch_runs SET waiting = false WHERE run_id = $1", [runId]);
  const record = await lockedRun(client, runId);
  if (record) {
    const { waitingOn: _waitingOn, ...rest } = record;
    const running: RunRecord = { ...rest, status: "running" };
    await replaceRun(client, running);
  }
  return true;
}

/** Who holds the key's slots (besides `holder`), and how many wait ahead of it in line. */
async function lineOf(
  client: PoolClient,
  key: string,
  holder: string,
  now: number,
  queuedAt = now,
): Promise<{ held: number; ahead: number }> {
  const counts = await client.query<{ held: string; ahead: string }>(
    `SELECT
       count(*) FILTER (WHERE held AND holder <> $2) AS held,
       count(*) FILTER (WHERE NOT held AND holder <> $2
                        AND (queued_at < $4 OR (queued_at = $4 AND holder < $2))) AS ahead
     FROM limit_leases WHERE key = $1 AND expires_at >= $3`,
    [key, holder, now, queuedAt],
  );
  return { held: Number(counts.rows[0]!.held), ahead: Number(counts.rows[0]!.ahead) };
}

/**
 * The keys' locks, in key order after one lock for all run admissions: a run takes several keys at
 * once, a process one at a time (limit-tables.ts), so no two transactions wait for each other.
 */
async function lockKeys(client: PoolClient, keys: readonly string[]): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('sluice-run-slots'))");
  for (const key of [...keys].sort())
    await client.query("SELECT pg_advisory_xact_lock(hashtext('sluice-limit:' || $1))", [key]);
}
