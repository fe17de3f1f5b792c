import type { MaybePromise } from "../core/index.js";

/** One attempt to deliver a run's event to a notification hook (a webhook or a command). */
export interface DeliveryAttempt {
  /** The same for every attempt of one delivery (one event to one hook). */
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
  project: string;
  /** The hook's id in the workspace config. */
  hook: string;
  /** `run:end` or `step:end`. */
  event: string;
  /** The run's status (run:end) or the step's (step:end): what the hook was told. */
  status: string;
  runId: string;
  flow: string;
  /** When the attempt ended (ms since the epoch). */
  at: number;
  ok: boolean;
  /** The webhook's HTTP status, or the command's exit code. */
  code?: number;
  /** Why it failed (a network error, a timeout, the start of the response or of stderr). */
  error?: string;
  /** false: no attempt follows (it succeeded, was refused for good, or was the last). */
  willRetry: boolean;
}

/** Delivery attempts of notifications, recorded as they happen, for `sluice notifications`. */
export interface NotificationStore {
  recordDeliveryAttempt(attempt: DeliveryAttempt): MaybePromise<void>;
  /** The newest attempts first (of one run, when given), at most `limit`. */
  deliveryAttempts(filter: {
    project: string;
    runId?: string;
    limit: number;
  }): MaybePromise<DeliveryAttempt[]>;
}
