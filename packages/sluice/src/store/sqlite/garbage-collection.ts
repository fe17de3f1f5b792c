/** Garbage collection of the SQLite store: deleting runs and what only they kept. */
import type { SqliteStore } from "./sqlite-store.js";
import { ROSTER_CACHE_KEYS, ROSTER_OUTPUT_HASHES } from "./step-roster.js";

/** What garbage collection deleted (or would delete): runs, completions, and artifact rows to remove. */
export type Collected = {
  runs: number;
  completions: number;
  artifacts: Array<{ hash: string; inline: boolean }>;
};

/**
 * Deletes these runs (their steps, logs, catalog entries) and the completions they made, except the
 * newest valid completion of each step instance, which keeps that step complete. Then deletes the
 * artifact rows nothing references any more and returns them, so their files can be removed.
 * With `dryRun`, changes nothing and returns what would go.
 */
export function collectGarbage(
  store: SqliteStore,
  runIds: readonly string[],
  dryRun: boolean,
): Collected {
  store.flush();
  const db = store.db;
  const work = () => {
    db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS gc_runs (run_id TEXT PRIMARY KEY); DELETE FROM gc_runs;`,
    );
    const add = db.prepare(`INSERT OR IGNORE INTO gc_runs VALUES (?)`);
    for (const runId of runIds) add.run(runId);
    // Kept: the newest valid completion of each step instance, and every completion a kept run made or
    // reused (a step's identity leaves out inputs, so params a kept run used can mean another key).
    const keep = `SELECT c.cache_key FROM completions c WHERE c.invalidated_at IS NULL AND c.created_at = (
          SELECT MAX(d.created_at) FROM completions d WHERE d.pipeline = c.pipeline AND d.step = c.step AND d.identity = c.identity AND d.invalidated_at IS NULL)
        UNION SELECT cache_key FROM step_runs WHERE cache_key IS NOT NULL AND run_id NOT IN (SELECT run_id FROM gc_runs)
        UNION ${ROSTER_CACHE_KEYS} AND r.run_id NOT IN (SELECT run_id FROM gc_runs)`;
    const completions = db
      .prepare(
        `DELETE FROM completions WHERE run_id IN (SELECT run_id FROM gc_runs) AND cache_key NOT IN (${keep})`,
      )
      .run().changes;
    db.prepare(
      `DELETE FROM datasets WHERE run_id IN (SELECT run_id FROM gc_runs) AND hash NOT IN (SELECT output_hash FROM completions)`,
    ).run();
    db.prepare(`DELETE FROM logs WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
    db.prepare(`DELETE FROM metrics WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
    db.prepare(`DELETE FROM step_runs WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
    db.prepare(`DELETE FROM step_rosters WHERE run_id IN (SELECT run_id FROM gc_runs)`).run();
    const runs = db
      .prepare(`DELETE FROM runs WHERE run_id IN (SELECT run_id FROM gc_runs)`)
      .run().changes;
    const orphans = db
      .prepare(
        `SELECT hash, inline IS NOT NULL AS inline FROM artifacts WHERE hash NOT IN (SELECT output_hash FROM completions)
           AND hash NOT IN (SELECT json_extract(output, '$.hash') FROM step_runs WHERE output IS NOT NULL)
           AND hash NOT IN (${ROSTER_OUTPUT_HASHES})`,
      )
      .all() as Array<{ hash: string; inline: number }>;
    const remove = db.prepare(`DELETE FROM artifacts WHERE hash = ?`);
    for (const orphan of orphans) remove.run(orphan.hash);
    const result = {
      runs,
      completions,
      artifacts: orphans.map((o) => ({ hash: o.hash, inline: o.inline === 1 })),
    };
    if (dryRun) throw new DryRun(result);
    return result;
  };
  try {
    return store.guard(() => db.transaction(work)());
  } catch (error) {
    if (error instanceof DryRun) return error.result;
    throw error;
  }
}

/** Thrown to roll a dry-run transaction back while keeping what it found. */
class DryRun {
  constructor(readonly result: Collected) {}
}
