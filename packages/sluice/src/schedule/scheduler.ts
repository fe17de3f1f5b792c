/**
 * The scheduler: fires the workspace's schedules (flows/schedules.ts) on their ticks (ticks.ts).
 * A tick is taken through the store (ScheduleStore.claimTick), so of several schedulers on one store
 * exactly one fires it; the run is then triggered through the one trigger path with the idempotency
 * key `schedule:ID:TICK` and recorded with `trigger: { kind: "schedule", scheduleId, tickAt }`.
 * Missed ticks (no scheduler was running) follow the schedule's catch-up policy; a tick that comes
 * while an earlier run of the schedule is still going follows its overlap policy. The clock is given,
 * so tests fire ticks without waiting.
 */
import { SluiceError } from "../core/index.js";
import type { Stores } from "../engine/index.js";
import {
  queueTrigger,
  startQueued,
  type Schedule,
  type TriggerRequest,
  type Workspace,
} from "../flows/index.js";
import type { RunRecord, RunTrigger, ScheduleStore } from "../store/index.js";
import { nextTick, ticksBetween } from "./ticks.js";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** With catchUp "none", a tick still fires when the scheduler is this late for it (a slow wake-up). */
const GRACE_MS = 60_000;
/** The loop wakes at least this often, to see pauses and other schedulers' ticks. */
const MAX_SLEEP_MS = 60_000;
/** How often a queued tick looks whether the runs it waits for have ended. */
const QUEUE_POLL_MS = 500;
/** How often event triggers look for upstream runs that ended. */
const EVENT_POLL_MS = 1000;
/** At most this many newest upstream runs per state are looked at on each poll. */
const EVENT_SCAN_LIMIT = 200;

export interface TickEvent {
  scheduleId: string;
  tickAt: number;
  /** "taken": another scheduler (or an earlier call) took this tick. */
  outcome: "started" | "skipped" | "queued" | "taken";
  runId?: string;
}

/** How a tick's run is triggered and started: the server passes its own (events, cancel through the API). */
export type Launch = (
  flow: string,
  request: TriggerRequest,
  idempotencyKey: string,
) => Promise<{ runId: string; created: boolean; done: Promise<unknown>; cancel(): void }>;

export interface SchedulerOptions {
  workspace: Workspace;
  /** Where runs are recorded; `triggers` is required (the idempotent trigger path). */
  stores: Stores;
  schedules: ScheduleStore;
  clock?: Clock;
  /** Hears what each tick did. */
  onTick?: (event: TickEvent) => void;
  /** @defaultValue trigger and run in this process (queueTrigger, startQueued) */
  launch?: Launch;
}

interface StartedRun {
  runId: string;
  cancel(): void;
  done: Promise<unknown>;
}

export class Scheduler {
  private readonly clock: Clock;
  /** Ticks before this moment are catch-up for schedules that have never fired. */
  private readonly startedAt: number;
  private readonly started = new Map<string, Set<StartedRun>>();
  private readonly pending = new Set<Promise<unknown>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    if (!options.stores.triggers)
      throw new SluiceError("invalid-usage", "The scheduler needs stores that can trigger runs.");
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
  }

  get project(): string {
    return this.options.workspace.project;
  }

  /** The schedule `id`, or `not-found` listing the ids there are. */
  schedule(id: string): Schedule {
    const found = this.options.workspace.schedules.find((schedule) => schedule.id === id);
    if (found) return found;
    const known = this.options.workspace.schedules.map((schedule) => schedule.id);
    throw new SluiceError(
      "not-found",
      `No schedule "${id}" in ${this.options.workspace.configPath}. Schedules: ${known.join(", ") || "none"}.`,
    );
  }

  /** The next tick of a schedule after `after` (default now). */
  nextTick(schedule: Schedule, after: number = this.clock.now()): number | undefined {
    return nextTick(schedule, after);
  }

  /** Fires every tick due now, per schedule by its catch-up policy; what each tick did. */
  async runDue(now: number = this.clock.now()): Promise<TickEvent[]> {
    const events: TickEvent[] = [];
    const paused = new Set(await this.options.schedules.pausedSchedules(this.project));
    for (const schedule of this.options.workspace.schedules) {
      if (!schedule.enabled || paused.has(schedule.id)) continue;
      if (schedule.on) {
        events.push(...(await this.fireEvents(schedule, now)));
        continue;
      }
      for (const tickAt of await this.dueTicks(schedule, now))
        events.push(await this.fire(schedule, tickAt));
    }
    return events;
  }

  /**
   * An event trigger: one run per upstream run that ended (in a watched state) since the newest one
   * it fired for (or the scheduler's start, and at least a minute back). The idempotency key names the
   * upstream run, so of several schedulers, and across restarts, exactly one run starts for it.
   */
  private async fireEvents(schedule: Schedule, now: number): Promise<TickEvent[]> {
    const { on } = schedule;
    const { runs } = this.options.stores;
    const last = await this.options.schedules.lastTick(this.project, schedule.id);
    const from = last?.tickAt ?? Math.min(this.startedAt, now - GRACE_MS);
    const ended: RunRecord[] = [];
    for (const status of on!.status)
      for (const run of await runs.listRuns({
        pipeline: on!.flow,
        project: this.project,
        status,
        limit: EVENT_SCAN_LIMIT,
      }))
        if ((run.finishedAt ?? 0) > from) ended.push(run);
    ended.sort((a, b) => a.finishedAt! - b.finishedAt! || (a.runId < b.runId ? -1 : 1));
    const events: TickEvent[] = [];
    for (const upstream of ended) {
      const tickAt = upstream.finishedAt!;
      // Moves the trigger's mark past this run; two runs that ended in the same millisecond share a tick.
      await this.options.schedules.claimTick({
        project: this.project,
        scheduleId: schedule.id,
        tickAt,
        firedAt: this.clock.now(),
      });
      const started = await this.launchRun(
        schedule,
        { kind: "event", scheduleId: schedule.id, upstreamRunId: upstream.runId, tickAt },
        `event:${schedule.id}:${upstream.runId}`,
      );
      const event: TickEvent = {
        scheduleId: schedule.id,
        tickAt,
        outcome: started.created ? "started" : "taken",
        runId: started.runId,
      };
      this.options.onTick?.(event);
      events.push(event);
    }
    return events;
  }

  private async dueTicks(schedule: Schedule, now: number): Promise<number[]> {
    const last = await this.options.schedules.lastTick(this.project, schedule.id);
    // A schedule that never fired looks back to the scheduler's start, and at least a minute, so a
    // `sluice scheduler --once` run every minute (from the system's cron) fires each tick.
    const from = last?.tickAt ?? Math.min(this.startedAt, now - GRACE_MS) - 1;
    const limit = schedule.catchUp === "all" ? schedule.catchUpLimit : 1;
    const due = ticksBetween(schedule, from, now, limit);
    if (schedule.catchUp === "none") return due.filter((tick) => now - tick <= GRACE_MS);
    return due;
  }

  /** Fires one tick of `schedule` (a due one, or `trigger-now`'s), once across schedulers. */
  async fire(schedule: Schedule, tickAt: number): Promise<TickEvent> {
    const { schedules } = this.options;
    const claimed = await schedules.claimTick({
      project: this.project,
      scheduleId: schedule.id,
      tickAt,
      firedAt: this.clock.now(),
    });
    let event: TickEvent;
    if (!claimed) event = { scheduleId: schedule.id, tickAt, outcome: "taken" };
    else {
      const active = await this.activeRuns(schedule);
      if (active.length > 0 && schedule.overlap === "skip") {
        await schedules.settleTick(this.project, schedule.id, tickAt, "skipped");
        event = { scheduleId: schedule.id, tickAt, outcome: "skipped" };
      } else if (active.length > 0 && schedule.overlap === "queue") {
        this.follow(this.startAfter(schedule, tickAt, active));
        event = { scheduleId: schedule.id, tickAt, outcome: "queued" };
      } else {
        if (schedule.overlap === "cancel-previous") this.cancelStarted(schedule);
        const runId = await this.start(schedule, tickAt);
        event = { scheduleId: schedule.id, tickAt, outcome: "started", runId };
      }
    }
    this.options.onTick?.(event);
    return event;
  }

  /** Runs of the schedule still going, in any process sharing the store. */
  private async activeRuns(schedule: Schedule): Promise<RunRecord[]> {
    const { runs } = this.options.stores;
    const candidates = [
      ...(await runs.listRuns({ pipeline: schedule.flow, status: "running" })),
      ...(await runs.listRuns({ pipeline: schedule.flow, status: "queued" })),
    ];
    return candidates.filter(
      (run) =>
        run.trigger?.kind === "schedule" &&
        run.trigger.scheduleId === schedule.id &&
        (run.project ?? this.project) === this.project,
    );
  }

  private async start(schedule: Schedule, tickAt: number): Promise<string> {
    const started = await this.launchRun(
      schedule,
      { kind: "schedule", scheduleId: schedule.id, tickAt },
      `schedule:${schedule.id}:${tickAt}`,
    );
    return started.runId;
  }

  /** Triggers the schedule's flow, follows the run (stop() cancels it) and records it as its tick's. */
  private async launchRun(
    schedule: Schedule,
    trigger: RunTrigger & { tickAt: number },
    idempotencyKey: string,
  ) {
    const launch =
      this.options.launch ?? ((flow, request, key) => this.launchHere(flow, request, key));
    const started = await launch(
      schedule.flow,
      { params: schedule.params, trigger },
      idempotencyKey,
    );
    if (started.created) {
      const mine = this.started.get(schedule.id) ?? new Set();
      this.started.set(schedule.id, mine);
      mine.add(started);
      this.follow(started.done.then(() => mine.delete(started)));
    }
    await this.options.schedules.settleTick(
      this.project,
      schedule.id,
      trigger.tickAt,
      "started",
      started.runId,
    );
    return started;
  }

  /** The default launch: the trigger path, and the run in this process. */
  private async launchHere(flow: string, request: TriggerRequest, idempotencyKey: string) {
    const { workspace, stores } = this.options;
    const queued = await queueTrigger(
      workspace,
      { runs: stores.runs, triggers: stores.triggers! },
      flow,
      request,
      idempotencyKey,
    );
    const controller = new AbortController();
    const done = queued.created
      ? startQueued(queued, { stores, signal: controller.signal }).catch(() => undefined)
      : Promise.resolve();
    return {
      runId: queued.run.runId,
      created: queued.created,
      done,
      cancel: () => controller.abort(),
    };
  }

  /** overlap "queue": starts the tick's run once the runs before it have ended. */
  private async startAfter(schedule: Schedule, tickAt: number, active: RunRecord[]) {
    const waiting = new Set(active.map((run) => run.runId));
    while (waiting.size > 0 && !this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, QUEUE_POLL_MS));
      for (const runId of waiting) {
        const run = await this.options.stores.runs.findRun(runId);
        if (!run || (run.status !== "running" && run.status !== "queued")) waiting.delete(runId);
      }
    }
    if (!this.stopped) await this.start(schedule, tickAt);
  }

  private cancelStarted(schedule: Schedule): void {
    for (const run of this.started.get(schedule.id) ?? []) run.cancel();
  }

  private follow(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
  }

  /** The loop: fires what is due, then sleeps until the next tick (at most a minute), until stop(). */
  startLoop(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.runDue();
      } catch (error) {
        process.stderr.write(`sluice scheduler: ${(error as Error).message}\n`);
      }
      if (this.stopped) return;
      const now = this.clock.now();
      const enabled = this.options.workspace.schedules.filter((schedule) => schedule.enabled);
      const next = Math.min(
        ...enabled.map((schedule) =>
          schedule.on ? now + EVENT_POLL_MS : (nextTick(schedule, now) ?? Infinity),
        ),
      );
      this.timer = setTimeout(loop, Math.max(0, Math.min(MAX_SLEEP_MS, next - now)));
    };
    void loop();
  }

  /** Stops the loop and cancels the runs it started; resolves once they have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const runs of this.started.values()) for (const run of runs) run.cancel();
    await this.idle();
  }

  /** Resolves once every run this scheduler started (or queued) has ended. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
