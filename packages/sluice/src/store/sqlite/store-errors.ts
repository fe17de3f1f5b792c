/**
 * The SQLite store's errors as sluice reports them: each names the database file and what to do
 * (store-corrupt, store-full, store-unwritable), and a damaged database is confirmed by PRAGMA quick_check.
 * A write a full disk refused is tried once more (roomRetried).
 */
import type Database from "better-sqlite3";
import { SluiceError } from "../../core/index.js";

/** Turns an error from SQLite or the file system into one that names the file and says what to do. */
export function storeError(error: unknown, path: string): unknown {
  if (SluiceError.is(error)) return error;
  const code = (error as { code?: string }).code ?? "";
  const message = (error as Error)?.message ?? String(error);
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new SluiceError(
      "store-corrupt",
      `The sluice database ${path} is damaged or not a database (${message}). Move it aside (finished outputs in the artifacts folder are kept) and run again to start a new one, or restore it from a backup.`,
      { cause: error, details: { path } },
    );
  }
  if (code === "SQLITE_FULL" || code === "ENOSPC") {
    return new SluiceError(
      "store-full",
      `The disk holding ${path} is full (${message}). Free some space (sluice gc removes old runs) and run again; finished work is kept.`,
      {
        cause: error,
        details: { path },
      },
    );
  }
  if (
    code === "EACCES" ||
    code === "EPERM" ||
    code === "EROFS" ||
    code === "SQLITE_READONLY" ||
    code === "SQLITE_CANTOPEN"
  ) {
    return new SluiceError(
      "store-unwritable",
      `Cannot write the sluice store at ${path} (${message}). Check the folder's permissions, or set SLUICE_HOME / --home to a writable folder.`,
      { cause: error, details: { path } },
    );
  }
  return error;
}

/** What `PRAGMA quick_check` finds wrong (nothing: an empty list); a check that cannot even run is a finding too. */
export function quickCheck(db: Database.Database): string[] {
  try {
    const rows = db.pragma("quick_check(20)") as Array<{ quick_check: string }>;
    return rows.map((row) => row.quick_check).filter((line) => line !== "ok");
  } catch (error) {
    return [(error as Error).message];
  }
}

export function corruptError(
  path: string,
  problems: readonly string[],
  cause?: unknown,
): SluiceError {
  const found =
    problems.length > 0
      ? problems.slice(0, 3).join("; ")
      : ((cause as Error | undefined)?.message ?? "damaged");
  return new SluiceError(
    "store-corrupt",
    `The sluice database ${path} is damaged (${found}). Nothing more is read from or written to it. Move it aside (finished outputs in the artifacts folder are kept) and run again to start a new one, or restore it from a backup.`,
    { cause, details: { path, problems: problems.slice(0, 20) } },
  );
}

/**
 * Runs a write again once after a full disk refused it, having moved the WAL into the database file
 * and truncated it: that often frees room for a small write such as a run's end.
 */
export function roomRetried<T>(db: Database.Database, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_FULL") throw error;
    try {
      db.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      // No room for that either: the retry reports the full disk.
    }
    return write();
  }
}
