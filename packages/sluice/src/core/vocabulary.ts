/** The words sluice uses everywhere (API, CLI, JSON); the README's "Concepts" lists them. */

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  "pending",
  "waiting",
  "running",
  "succeeded",
  "skipped",
  "failed",
  "cancelled",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const PLAN_STATUSES = ["pending", "complete", "dynamic"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export const REASONS = [
  "missing-output",
  "params-changed",
  "code-changed",
  "upstream-changed",
  "input-data-changed",
  "upstream-schema-changed",
  "forced",
  "reset",
  "items-failed",
  "complete",
  "upstream-failed",
  "condition-false",
  "cancelled",
] as const;
export type Reason = (typeof REASONS)[number];

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
