import type { MaybePromise } from "../core/index.js";

/** One tick of a schedule, recorded by the scheduler that took it. */
export interface ScheduleTick {
  project: string;
  scheduleId: string;
  /** The moment the tick was for (ms since the epoch). */
  tickAt: number;
  /** When the scheduler took it. */
  firedAt: number;
  /** "started": runId names its run; "skipped": an earlier run was still going (overlap "skip"). */
  outcome?: "started" | "skipped";
  runId?: string;
}

/**
 * What schedulers share: the ticks they took and the schedules paused at run time. A tick is taken
 * once, whichever scheduler (or process) asks first, so two schedulers on one store never fire a tick
 * twice.
 */
export interface ScheduleStore {
  /** Takes the tick; false when it was taken before (by this scheduler or another). */
  claimTick(tick: ScheduleTick): MaybePromise<boolean>;
  /** Records what a taken tick did. */
  settleTick(
    project: string,
    scheduleId: string,
    tickAt: number,
    outcome: "started" | "skipped",
    runId?: string,
  ): MaybePromise<void>;
  /** The newest tick taken for the schedule. */
  lastTick(project: string, scheduleId: string): MaybePromise<ScheduleTick | undefined>;
  setSchedulePaused(project: string, scheduleId: string, paused: boolean): MaybePromise<void>;
  pausedSchedules(project: string): MaybePromise<string[]>;
}
