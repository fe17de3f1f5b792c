/** Schedules as `sluice schedules list --json` and the API show them (the client's `ScheduleView`). */
import type { Workspace } from "../flows/index.js";
import type { ScheduleStore } from "../store/index.js";
import type { Scheduler } from "./scheduler.js";

const iso = (time: number | undefined) =>
  time === undefined ? null : new Date(time).toISOString();

export async function scheduleViews(
  workspace: Workspace,
  scheduler: Scheduler,
  store: ScheduleStore,
) {
  const paused = new Set(await store.pausedSchedules(workspace.project));
  const views = [];
  for (const schedule of workspace.schedules) {
    const last = await store.lastTick(workspace.project, schedule.id);
    views.push({
      id: schedule.id,
      flow: schedule.flow,
      cron: schedule.cron ?? null,
      everyMs: schedule.everyMs ?? null,
      on: schedule.on ?? null,
      timezone: schedule.timezone,
      overlap: schedule.overlap,
      catchUp: schedule.catchUp,
      enabled: schedule.enabled,
      paused: paused.has(schedule.id),
      nextTickAt: iso(scheduler.nextTick(schedule)),
      lastTick: last
        ? { tickAt: iso(last.tickAt)!, outcome: last.outcome ?? null, runId: last.runId ?? null }
        : null,
    });
  }
  return views;
}
