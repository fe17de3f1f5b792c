/**
 * `sluice scheduler` (fires the workspace's schedules until interrupted, or once with --once) and
 * `sluice schedules list | pause | resume | trigger-now`, on the local home.
 */
import { SluiceError } from "../../core/index.js";
import { loadWorkspace, notificationsDelivered } from "../../flows/index.js";
import { openHome } from "../../runtime/index.js";
import { Scheduler, scheduleViews, type Clock, type TickEvent } from "../../schedule/index.js";
import { EXIT } from "../exit.js";
import { table } from "../table.js";

interface ScheduleOptions {
  config?: string;
  home?: string;
  json?: boolean;
  /** --now ISO: the scheduler's clock stands still at this moment (backfills, tests). */
  now?: string;
  once?: boolean;
}

async function openScheduler(options: ScheduleOptions, onTick?: (event: TickEvent) => void) {
  const workspace = await loadWorkspace(options.config);
  const home = await openHome(options.home);
  const clock = fixedClock(options.now);
  const scheduler = new Scheduler({
    workspace,
    stores: home.stores,
    schedules: home.schedules,
    ...(clock ? { clock } : {}),
    ...(onTick ? { onTick } : {}),
  });
  return { workspace, home, scheduler };
}

function fixedClock(now: string | undefined): Clock | undefined {
  if (now === undefined) return undefined;
  const time = Date.parse(now);
  if (Number.isNaN(time))
    throw new SluiceError("invalid-usage", `--now must be an ISO 8601 date, got "${now}".`);
  return { now: () => time };
}

function tickLine(event: TickEvent): string {
  const run = event.runId ? ` run ${event.runId}` : "";
  return `${new Date(event.tickAt).toISOString()} ${event.scheduleId}: ${event.outcome}${run}\n`;
}

/** `sluice scheduler`: fires due ticks now and then on each tick, until SIGINT/SIGTERM (or once). */
export async function schedulerCommand(options: ScheduleOptions): Promise<number> {
  const { home, scheduler, workspace } = await openScheduler(options, (event) =>
    process.stderr.write(tickLine(event)),
  );
  try {
    if (options.once) {
      await scheduler.runDue();
      await scheduler.idle();
      return EXIT.ok;
    }
    process.stderr.write(
      `sluice scheduler: ${workspace.schedules.length} schedule(s) of project "${workspace.project}"; Ctrl-C stops it.\n`,
    );
    scheduler.startLoop();
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await scheduler.stop();
    return EXIT.ok;
  } finally {
    // Notifications of the runs it started are delivered (or given up) before the store closes.
    await notificationsDelivered();
    home.close();
  }
}

/** `sluice schedules list`: each schedule with its next and last tick and whether it is paused. */
export async function schedulesListCommand(options: ScheduleOptions): Promise<number> {
  const { home, scheduler, workspace } = await openScheduler(options);
  try {
    const rows = await scheduleViews(workspace, scheduler, home.schedules);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ project: workspace.project, schedules: rows }, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    process.stdout.write(
      `${table(
        ["SCHEDULE", "FLOW", "WHEN", "TIMEZONE", "STATE", "NEXT TICK", "LAST TICK"],
        rows.map((row) => [
          row.id,
          row.flow,
          row.on
            ? `after ${row.on.flow} ${row.on.status.join("|")}`
            : (row.cron ?? `every ${String((row.everyMs ?? 0) / 1000)}s`),
          row.timezone,
          !row.enabled ? "disabled" : row.paused ? "paused" : "active",
          row.nextTickAt ?? "-",
          row.lastTick ? `${row.lastTick.tickAt} (${row.lastTick.outcome ?? "?"})` : "-",
        ]),
      )}\n`,
    );
    return EXIT.ok;
  } finally {
    home.close();
  }
}

/** `sluice schedules pause|resume ID`: kept in the store, so every scheduler on it sees it. */
export async function schedulesPauseCommand(
  id: string,
  paused: boolean,
  options: ScheduleOptions,
): Promise<number> {
  const { home, scheduler, workspace } = await openScheduler(options);
  try {
    scheduler.schedule(id); // an unknown id is refused, listing the known ones
    await home.schedules.setSchedulePaused(workspace.project, id, paused);
    process.stderr.write(`Schedule "${id}" ${paused ? "paused" : "resumed"}.\n`);
    return EXIT.ok;
  } finally {
    home.close();
  }
}

/** `sluice schedules trigger-now ID`: one tick now, as the schedule would fire it; waits for its run. */
export async function schedulesTriggerNowCommand(
  id: string,
  options: ScheduleOptions,
): Promise<number> {
  const { home, scheduler } = await openScheduler(options);
  try {
    const event = await scheduler.fire(scheduler.schedule(id), Date.now());
    await scheduler.idle();
    const run = event.runId ? await home.runs.findRun(event.runId) : undefined;
    if (options.json)
      process.stdout.write(
        `${JSON.stringify({ ...event, status: run?.status ?? null }, null, 2)}\n`,
      );
    else process.stdout.write(tickLine(event));
    return run === undefined || run.status === "succeeded" ? EXIT.ok : EXIT.failed;
  } finally {
    home.close();
  }
}
