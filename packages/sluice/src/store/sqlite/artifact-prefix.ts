/**
 * Artifacts named by a prefix of their hash (what the CLI prints is the first 12 hex digits): the
 * distinct outputs of completions whose hash starts with it. A range on the completions' output index,
 * not a scan.
 */
import type Database from "better-sqlite3";
import type { SqliteStore } from "./sqlite-store.js";

const statements = new WeakMap<Database.Database, Database.Statement>();

/**
 * Up to `limit` output hashes starting with `prefix` (lowercase hex), in hash order; only those of
 * `pipelines` when given. Reads see queued writes.
 */
export function outputHashesWithPrefix(
  store: SqliteStore,
  prefix: string,
  options: { pipelines?: readonly string[]; limit: number },
): string[] {
  store.flush();
  return store.guard(() => {
    let statement = statements.get(store.db);
    if (!statement) {
      statement = store.db
        .prepare(
          `SELECT DISTINCT output_hash FROM completions WHERE output_hash >= @low AND output_hash < @high
           AND (@pipelines IS NULL OR pipeline IN (SELECT value FROM json_each(@pipelines))) ORDER BY output_hash LIMIT @limit`,
        )
        .pluck(true);
      statements.set(store.db, statement);
    }
    // Every hash with the prefix sorts between it and the prefix followed by "g" (after every hex digit).
    const pipelines = options.pipelines === undefined ? null : JSON.stringify(options.pipelines);
    return statement.all({
      low: prefix,
      high: `${prefix}g`,
      pipelines,
      limit: options.limit,
    }) as string[];
  });
}
