/** The SQLite implementation of NotificationStore (the table of migration 18), on the runs' database. */
import type { DeliveryAttempt, NotificationStore } from "../notification-records.js";
import type { Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteNotificationTables implements NotificationStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(private readonly store: SqliteStore) {
    this.statements = store.guard(() => prepare(store.db));
  }

  recordDeliveryAttempt(a: DeliveryAttempt): void {
    this.store.guard(() =>
      this.statements.insert.run(
        a.deliveryId,
        a.attempt,
        a.project,
        a.hook,
        a.event,
        a.status,
        a.runId,
        a.flow,
        a.at,
        a.ok ? 1 : 0,
        a.code ?? null,
        a.error ?? null,
        a.willRetry ? 1 : 0,
      ),
    );
  }

  deliveryAttempts(filter: { project: string; runId?: string; limit: number }): DeliveryAttempt[] {
    const rows = this.store.guard(
      () =>
        (filter.runId === undefined
          ? this.statements.ofProject.all(filter.project, filter.limit)
          : this.statements.ofRun.all(filter.project, filter.runId, filter.limit)) as Row[],
    );
    return rows.map(attemptOf);
  }
}

function attemptOf(row: Row): DeliveryAttempt {
  return {
    deliveryId: row.delivery_id as string,
    attempt: row.attempt as number,
    project: row.project as string,
    hook: row.hook as string,
    event: row.event as string,
    status: row.status as string,
    runId: row.run_id as string,
    flow: row.flow as string,
    at: row.at as number,
    ok: row.ok === 1,
    ...(row.code === null ? {} : { code: row.code as number }),
    ...(row.error === null ? {} : { error: row.error as string }),
    willRetry: row.will_retry === 1,
  };
}

function prepare(db: SqliteStore["db"]) {
  return {
    insert: db.prepare(
      `INSERT OR REPLACE INTO notification_attempts (delivery_id, attempt, project, hook, event, status, run_id, flow, at, ok, code, error, will_retry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    ofProject: db.prepare(
      `SELECT * FROM notification_attempts WHERE project = ? ORDER BY at DESC, attempt DESC LIMIT ?`,
    ),
    ofRun: db.prepare(
      `SELECT * FROM notification_attempts WHERE project = ? AND run_id = ? ORDER BY at DESC, attempt DESC LIMIT ?`,
    ),
  };
}
