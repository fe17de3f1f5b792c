/** Notification delivery attempts kept in memory (see NotificationStore). */
import type { DeliveryAttempt, NotificationStore } from "./notification-records.js";

export class MemoryNotificationStore implements NotificationStore {
  private readonly attempts: DeliveryAttempt[] = [];

  recordDeliveryAttempt(attempt: DeliveryAttempt): void {
    this.attempts.push({ ...attempt });
  }

  deliveryAttempts(filter: { project: string; runId?: string; limit: number }): DeliveryAttempt[] {
    return this.attempts
      .filter((a) => a.project === filter.project)
      .filter((a) => filter.runId === undefined || a.runId === filter.runId)
      .sort((a, b) => b.at - a.at || b.attempt - a.attempt)
      .slice(0, filter.limit)
      .map((a) => ({ ...a }));
  }
}
