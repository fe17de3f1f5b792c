/**
 * Garbage collection on PostgreSQL, by the same rule as the SQLite store: delete these runs (steps,
 * logs, metrics, catalog entries) and the completions they made, except the newest valid completion of
 * each step instance and any completion a kept run used; then the stored artifacts nothing names.
 * One transaction; a dry run rolls it back and says what would go.
 */
import type { PoolClient } from "pg";
import type { PostgresStore } from "./postgres-store.js";

export interface Collected {
  runs: number;
  completions: number;
  artifacts: Array<{ hash: string; inline: boolean }>;
}

export async function collectGarbage(
  store: PostgresStore,
  runIds: readonly string[],
  dryRun: boolean,
): Promise<Collected> {
  const work = async (client: PoolClient): Promise<Collected> => {
    await client.query("CREATE TEMP TABLE gc_runs (run_id text PRIMARY KEY) ON COMMIT DROP");
    await client.query("INSERT INTO gc_runs SELECT DISTINCT unnest($1::text[])", [[...runIds]]);
    const completions = await client.query(
      `DELETE FROM completions WHERE run_id IN (SELECT run_id FROM gc_runs) AND cache_key NOT IN (
         SELECT c.cache_key FROM completions c WHERE c.invalidated_at IS NULL AND c.created_at = (
           SELECT max(d.created_at) FROM completions d WHERE d.pipeline = c.pipeline AND d.step = c.step
             AND d.identity = c.identity AND d.invalidated_at IS NULL)
         UNION SELECT cache_key FROM step_runs
           WHERE cache_key IS NOT NULL AND run_id NOT IN (SELECT run_id FROM gc_runs))`,
    );
    await client.query(
      `DELETE FROM datasets WHERE run_id IN (SELECT run_id FROM gc_runs)
         AND hash NOT IN (SELECT output_hash FROM completions)`,
    );
    for (const table of ["logs", "metrics", "step_runs"])
      await client.query(`DELETE FROM ${table} WHERE run_id IN (SELECT run_id FROM gc_runs)`);
    const runs = await client.query(
      "DELETE FROM runs WHERE run_id IN (SELECT run_id FROM gc_runs)",
    );
    const orphans = await client.query<{ hash: string }>(
      `DELETE FROM artifacts WHERE hash NOT IN (SELECT output_hash FROM completions)
         AND hash NOT IN (SELECT value FROM completion_links WHERE kind = 'field')
         AND hash NOT IN (SELECT output_hash FROM step_runs WHERE output_hash IS NOT NULL)
       RETURNING hash`,
    );
    return {
      runs: runs.rowCount ?? 0,
      completions: completions.rowCount ?? 0,
      artifacts: orphans.rows.map((row) => ({ hash: row.hash, inline: true })),
    };
  };
  if (!dryRun) return store.transaction(work);
  let found: Collected | undefined;
  await store
    .transaction(async (client) => {
      found = await work(client);
      throw DRY_RUN;
    })
    .catch((error: unknown) => {
      if (error !== DRY_RUN) throw error;
    });
  return found!;
}

const DRY_RUN = Symbol("dry run");
