/**
 * The fences of the runs this process writes (sluice's RunFences), checked in a PostgreSQL write
 * transaction with the runs' rows locked, so a takeover commits before or after the batch, never during.
 */
import type { PoolClient } from "pg";
import type { RunFences, RunRecord } from "sluice/internal";

export async function checkFences(fences: RunFences, client: PoolClient): Promise<void> {
  const runIds = fences.fencedRuns();
  if (runIds.length === 0) return;
  const rows = await client.query<{ run_id: string; record: string }>(
    "SELECT run_id, record FROM runs WHERE run_id = ANY($1) FOR UPDATE",
    [runIds],
  );
  for (const row of rows.rows) fences.check(row.run_id, JSON.parse(row.record) as RunRecord);
}
