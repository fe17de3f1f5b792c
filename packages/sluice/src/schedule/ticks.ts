/**
 * When a schedule fires: the first tick after a moment, and the ticks in a window. Cron patterns are
 * read in the schedule's timezone by croner, which handles DST: a time the spring-forward skips fires
 * at the first valid time after it, and a time the fall-back repeats fires once. Intervals count from
 * the schedule's startDate (else the epoch), so every scheduler computes the same ticks.
 */
import { Cron } from "croner";
import type { Schedule } from "../flows/index.js";

const crons = new Map<string, Cron>();

function cronOf(schedule: Schedule): Cron {
  const key = `${schedule.timezone}\u0000${schedule.cron}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(schedule.cron!, { timezone: schedule.timezone, paused: true });
    crons.set(key, cron);
  }
  return cron;
}

/** The first tick strictly after `after` (ms since the epoch), or undefined when there is none. */
export function nextTick(schedule: Schedule, after: number): number | undefined {
  if (schedule.on) return undefined; // an event trigger has no ticks of its own
  const from = Math.max(after, (schedule.startAt ?? -Infinity) - 1);
  let tick: number | undefined;
  if (schedule.everyMs !== undefined) {
    const anchor = schedule.startAt ?? 0;
    const steps = Math.floor((from - anchor) / schedule.everyMs) + 1;
    tick = anchor + Math.max(0, steps) * schedule.everyMs;
  } else {
    tick = cronOf(schedule).nextRun(new Date(from))?.getTime();
  }
  if (tick === undefined || (schedule.endAt !== undefined && tick > schedule.endAt))
    return undefined;
  return tick;
}

/** The ticks in (after, until], oldest first: the newest `limit` of them. */
export function ticksBetween(
  schedule: Schedule,
  after: number,
  until: number,
  limit: number,
): number[] {
  const low = Math.max(after, (schedule.startAt ?? -Infinity) - 1);
  const high = Math.min(until, schedule.endAt ?? Infinity);
  if (high <= low || schedule.on) return [];
  let ticks: number[];
  if (schedule.everyMs !== undefined) {
    const anchor = schedule.startAt ?? 0;
    const last = anchor + Math.floor((high - anchor) / schedule.everyMs) * schedule.everyMs;
    ticks = [];
    for (let tick = last; tick > low && ticks.length < limit; tick -= schedule.everyMs)
      ticks.push(tick);
  } else {
    // Counted back from `until`, so a long downtime costs `limit` steps, not one per missed tick.
    ticks = cronOf(schedule)
      .previousRuns(limit, new Date(high + 1))
      .map((date) => date.getTime())
      .filter((tick) => tick > low && tick <= high);
  }
  return ticks.sort((a, b) => a - b);
}
