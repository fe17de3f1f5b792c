/**
 * Schedules: the scheduler that fires the workspace's cron and interval schedules (loaded only by the
 * commands that schedule: `sluice scheduler`, `sluice schedules`).
 */
export { Scheduler, systemClock } from "./scheduler.js";
export type { Clock, Launch, SchedulerOptions, TickEvent } from "./scheduler.js";
export { nextTick, ticksBetween } from "./ticks.js";
export { scheduleViews } from "./views.js";
