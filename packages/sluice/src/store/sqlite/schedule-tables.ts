/** The SQLite implementation of ScheduleStore (tables of migration 16), on the runs' database. */
import type { ScheduleStore, ScheduleTick } from "../schedule-records.js";
import type { Row } from "./rows.js";
import type { SqliteStore } from "./sqlite-store.js";

export class SqliteScheduleTables implements ScheduleStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(private readonly store: SqliteStore) {
    this.statements = store.guard(() => prepare(store.db));
  }

  claimTick(tick: ScheduleTick): boolean {
    // The primary key (project, schedule, tick) makes the insert the lock: one scheduler gets a row.
    return (
      this.store.guard(
        () =>
          this.statements.claim.run(tick.project, tick.scheduleId, tick.tickAt, tick.firedAt)
            .changes,
      ) === 1
    );
  }

  settleTick(
    project: string,
    scheduleId: string,
    tickAt: number,
    outcome: "started" | "skipped",
    runId?: string,
  ): void {
    this.store.guard(() =>
      this.statements.settle.run(outcome, runId ?? null, project, scheduleId, tickAt),
    );
  }

  lastTick(project: string, scheduleId: string): ScheduleTick | undefined {
    const row = this.store.guard(
      () => this.statements.last.get(project, scheduleId) as Row | undefined,
    );
    if (!row) return undefined;
    const tick: ScheduleTick = {
      project,
      scheduleId,
      tickAt: row.tick_at as number,
      firedAt: row.fired_at as number,
    };
    if (row.outcome !== null) tick.outcome = row.outcome as "started" | "skipped";
    if (row.run_id !== null) tick.runId = row.run_id as string;
    return tick;
  }

  setSchedulePaused(project: string, scheduleId: string, paused: boolean): void {
    this.store.guard(() =>
      this.statements.pause.run(project, scheduleId, paused ? 1 : 0, Date.now()),
    );
  }

  pausedSchedules(project: string): string[] {
    return this.store.guard(() => this.statements.paused.pluck().all(project) as string[]);
  }
}

function prepare(db: SqliteStore["db"]) {
  return {
    claim: db.prepare(
      `INSERT OR IGNORE INTO schedule_ticks (project, schedule_id, tick_at, fired_at) VALUES (?, ?, ?, ?)`,
    ),
    settle: db.prepare(
      `UPDATE schedule_ticks SET outcome = ?, run_id = ? WHERE project = ? AND schedule_id = ? AND tick_at = ?`,
    ),
    last: db.prepare(
      `SELECT * FROM schedule_ticks WHERE project = ? AND schedule_id = ? ORDER BY tick_at DESC LIMIT 1`,
    ),
    pause: db.prepare(
      `INSERT INTO schedule_state (project, schedule_id, paused, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (project, schedule_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at`,
    ),
    paused: db.prepare(`SELECT schedule_id FROM schedule_state WHERE project = ? AND paused = 1`),
  };
}
