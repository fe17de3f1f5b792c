/** Schedules on PostgreSQL: a tick is claimed once across schedulers (its primary key is the lock). */
import type { ScheduleStore, ScheduleTick } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

export class PostgresScheduleTables implements ScheduleStore {
  constructor(private readonly store: PostgresStore) {}

  async claimTick(tick: ScheduleTick): Promise<boolean> {
    const rows = await this.store.query(
      `INSERT INTO schedule_ticks (project, schedule_id, tick_at, fired_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING tick_at`,
      [tick.project, tick.scheduleId, tick.tickAt, tick.firedAt],
    );
    return rows.length === 1;
  }

  async settleTick(
    project: string,
    scheduleId: string,
    tickAt: number,
    outcome: "started" | "skipped",
    runId?: string,
  ): Promise<void> {
    await this.store.query(
      `UPDATE schedule_ticks SET outcome = $1, run_id = $2 WHERE project = $3 AND schedule_id = $4 AND tick_at = $5`,
      [outcome, runId ?? null, project, scheduleId, tickAt],
    );
  }

  async lastTick(project: string, scheduleId: string): Promise<ScheduleTick | undefined> {
    const rows = await this.store.query<{
      tick_at: string;
      fired_at: string;
      outcome: "started" | "skipped" | null;
      run_id: string | null;
    }>(
      `SELECT tick_at, fired_at, outcome, run_id FROM schedule_ticks WHERE project = $1 AND schedule_id = $2
       ORDER BY tick_at DESC LIMIT 1`,
      [project, scheduleId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const tick: ScheduleTick = {
      project,
      scheduleId,
      tickAt: Number(row.tick_at),
      firedAt: Number(row.fired_at),
    };
    if (row.outcome !== null) tick.outcome = row.outcome;
    if (row.run_id !== null) tick.runId = row.run_id;
    return tick;
  }

  async setSchedulePaused(project: string, scheduleId: string, paused: boolean): Promise<void> {
    await this.store.query(
      `INSERT INTO schedule_state (project, schedule_id, paused, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project, schedule_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at`,
      [project, scheduleId, paused, Date.now()],
    );
  }

  async pausedSchedules(project: string): Promise<string[]> {
    const rows = await this.store.query<{ schedule_id: string }>(
      "SELECT schedule_id FROM schedule_state WHERE project = $1 AND paused ORDER BY schedule_id",
      [project],
    );
    return rows.map((row) => row.schedule_id);
  }
}
