/** Notification delivery attempts on PostgreSQL, one row per attempt. */
import type { DeliveryAttempt, NotificationStore } from "sluice/internal";
import type { PostgresStore } from "./postgres-store.js";

export class PostgresNotificationTables implements NotificationStore {
  constructor(private readonly store: PostgresStore) {}

  async recordDeliveryAttempt(attempt: DeliveryAttempt): Promise<void> {
    await this.store.query(
      `INSERT INTO notification_attempts (delivery_id, attempt, project, run_id, at, record) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, record = excluded.record`,
      [
        attempt.deliveryId,
        attempt.attempt,
        attempt.project,
        attempt.runId,
        attempt.at,
        JSON.stringify(attempt),
      ],
    );
  }

  async deliveryAttempts(filter: {
    project: string;
    runId?: string;
    limit: number;
  }): Promise<DeliveryAttempt[]> {
    const rows = await this.store.query<{ record: string }>(
      `SELECT record FROM notification_attempts WHERE project = $1 AND ($2::text IS NULL OR run_id = $2)
       ORDER BY at DESC, attempt DESC LIMIT $3`,
      [filter.project, filter.runId ?? null, filter.limit],
    );
    return rows.map((row) => JSON.parse(row.record) as DeliveryAttempt);
  }
}
