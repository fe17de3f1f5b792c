/** Opening the SQLite database file: created private, in WAL mode with its pragmas, and migrated. */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { SluiceError } from "../../core/index.js";
import { LATEST_VERSION, MIGRATIONS } from "./migrations.js";
import { storeError } from "./store-errors.js";

/** Opens (creating and migrating as needed) the database at `path`. */
export function openDatabase(path: string): Database.Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it: SQLite gives its WAL and shared-memory files the database's mode.
    closeSync(openSync(path, "a", 0o600));
    const db = new (loadDriver())(path);
    db.pragma("busy_timeout = 10000");
    switchToWal(db);
    db.pragma("synchronous = NORMAL");
    // Checkpoint less often: a run's many small group commits touch the same pages again and again.
    db.pragma("wal_autocheckpoint = 10000");
    migrate(db, path);
    return db;
  } catch (error) {
    throw storeError(error, path);
  }
}

const require = createRequire(import.meta.url);
let driver: typeof Database | undefined;

/** The native driver, loaded when a store is first opened (runs kept in memory never load it). */
function loadDriver(): typeof Database {
  driver ??= require("better-sqlite3") as typeof Database;
  return driver;
}

/**
 * Turns on WAL. On a new file this needs the only lock on it, and SQLite answers SQLITE_BUSY at once
 * instead of waiting while another process is doing the same, so it is retried for a while.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > LATEST_VERSION) {
    throw new SluiceError(
      "store-too-new",
      `The sluice database ${path} has schema version ${current}, newer than this sluice understands (${LATEST_VERSION}). Upgrade sluice, or point SLUICE_HOME / --home at another folder.`,
      { details: { path, version: current, supported: LATEST_VERSION } },
    );
  }
  if (current === LATEST_VERSION) return;
  // Every pending migration in one transaction: an upgrade happens entirely or not at all, and a new
  // home is created with one commit. IMMEDIATE takes the write lock first, and the version is read
  // again under it, so two processes opening a new home at once do not both migrate it.
  db.transaction(() => {
    const under = db.pragma("user_version", { simple: true }) as number;
    for (const migration of MIGRATIONS) if (migration.version > under) db.exec(migration.sql);
    db.pragma(`user_version = ${LATEST_VERSION}`);
  }).immediate();
}
