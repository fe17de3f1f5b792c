// Schedules: tick computation (croner, DST), the scheduler on a real home with a clock the test sets,
// catch-up and overlap policies, two schedulers racing for one tick, and bad schedule configs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  Scheduler,
  checkSchedules,
  loadWorkspace,
  nextTick,
  openHome,
  queueTrigger,
  startQueued,
  type ScheduleConfig,
  type SluiceHome,
  type Workspace,
} from "sluice/internal";
import { memoryStores, pipeline, step } from "sluice";
import { root, sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const FIXTURE = join(root, "test/fixtures/flow-of-flows");
const at = (iso: string) => Date.parse(iso);
const iso = (time: number | undefined) =>
  time === undefined ? undefined : new Date(time).toISOString();

async function scheduleOf(config: ScheduleConfig) {
  const [schedule] = await checkSchedules([config], new Set([config.flow]), "test");
  return schedule!;
}

describe("ticks", () => {
  it("reads a cron in its timezone, weekdays only, across the spring-forward and fall-back days", async () => {
    const weekday = await scheduleOf({
      flow: "f",
      cron: "30 9 * * 1-5",
      timezone: "America/New_York",
    });
    // Friday 6 March 2026 is EST (UTC-5); Monday 9 March, after the 8 March change, EDT (UTC-4).
    expect(iso(nextTick(weekday, at("2026-03-06T12:00:00Z")))).toBe("2026-03-06T14:30:00.000Z");
    expect(iso(nextTick(weekday, at("2026-03-06T14:30:00Z")))).toBe("2026-03-09T13:30:00.000Z");
    const night = await scheduleOf({ flow: "f", cron: "30 2 * * *", timezone: "America/New_York" });
    // 02:30 does not exist on 8 March (02:00 → 03:00): it fires at the first valid time after it.
    expect(iso(nextTick(night, at("2026-03-08T05:00:00Z")))).toBe("2026-03-08T07:00:00.000Z");
    const early = await scheduleOf({ flow: "f", cron: "30 1 * * *", timezone: "America/New_York" });
    // 01:30 happens twice on 1 November (02:00 EDT → 01:00 EST): it fires once.
    const first = nextTick(early, at("2026-11-01T04:00:00Z"))!;
    expect(iso(first)).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(nextTick(early, first))).toBe("2026-11-02T06:30:00.000Z");
  });

  it("counts intervals from the start date, and keeps within start and end dates", async () => {
    const every = await scheduleOf({
      flow: "f",
      every: "15m",
      startDate: "2026-01-01T00:05:00Z",
      endDate: "2026-01-01T01:00:00Z",
    });
    expect(iso(nextTick(every, at("2025-12-31T00:00:00Z")))).toBe("2026-01-01T00:05:00.000Z");
    expect(iso(nextTick(every, at("2026-01-01T00:06:00Z")))).toBe("2026-01-01T00:20:00.000Z");
    expect(nextTick(every, at("2026-01-01T00:51:00Z"))).toBeUndefined();
  });
});

describe("the scheduler", () => {
  let home: SluiceHome | undefined;
  afterEach(() => home?.close());

  /** A home, the fixture's workspace (or these schedules on it), and a scheduler started at `startedAt`. */
  async function setUp(startedAt: string, schedules?: ScheduleConfig[]) {
    const opened = (home = await openHome(tempDir("sluice-sched-")));
    const loaded = await loadWorkspace(FIXTURE);
    const workspace: Workspace = schedules
      ? {
          ...loaded,
          schedules: await checkSchedules(schedules, new Set(loaded.flows.keys()), "test"),
        }
      : loaded;
    const scheduler = new Scheduler({
      workspace,
      stores: opened.stores,
      schedules: opened.schedules,
      clock: { now: () => at(startedAt) },
    });
    return { workspace, scheduler, opened };
  }

  it("fires the weekday parent flow once per tick, and the parent runs its children", async () => {
    const { workspace, scheduler, opened } = await setUp("2026-03-09T13:00:00Z");
    expect(await scheduler.runDue(at("2026-03-09T13:29:59Z"))).toEqual([]);
    const [fired] = await scheduler.runDue(at("2026-03-09T13:30:00Z"));
    expect(fired).toMatchObject({
      scheduleId: "weekday",
      outcome: "started",
      tickAt: at("2026-03-09T13:30:00Z"),
    });
    await scheduler.idle();
    expect(await scheduler.runDue(at("2026-03-09T13:31:00Z"))).toEqual([]);

    const runs = await opened.runs.listRuns();
    const parent = runs.find((run) => run.runId === fired!.runId)!;
    expect(parent).toMatchObject({
      pipeline: "parent-flow",
      status: "succeeded",
      trigger: { kind: "schedule", scheduleId: "weekday", tickAt: at("2026-03-09T13:30:00Z") },
    });
    expect(runs.filter((run) => run.trigger?.parentRunId === parent.runId)).toHaveLength(4);
    // Saturday and Sunday have no tick; Monday's next is Tuesday.
    expect(iso(scheduler.nextTick(workspace.schedules[0]!, at("2026-03-09T13:30:00Z")))).toBe(
      "2026-03-10T13:30:00.000Z",
    );
  });

  it("a scheduler started less than a minute after a tick still fires it (sluice scheduler --once from cron)", async () => {
    const { workspace, scheduler, opened } = await setUp("2026-03-09T13:00:40Z", [
      { id: "tenth", flow: "A", cron: "*/10 * * * *" },
    ]);
    const events = await scheduler.runDue(at("2026-03-09T13:00:40Z"));
    await scheduler.idle();
    expect(events.map((event) => [iso(event.tickAt), event.outcome])).toEqual([
      ["2026-03-09T13:00:00.000Z", "started"],
    ]);
  });

  it.each([
    ["latest", 1],
    ["all", 6],
    ["none", 0],
  ] as const)("after an hour down, catch-up %s fires %i missed ticks", async (catchUp, fired) => {
    const { workspace, scheduler, opened } = await setUp("2026-03-09T12:00:30Z", [
      // overlap "allow": the missed ticks' runs do not wait for each other
      { id: "tenth", flow: "A", cron: "*/10 * * * *", catchUp, overlap: "allow" },
    ]);
    const events = await scheduler.runDue(at("2026-03-09T13:05:00Z"));
    await scheduler.idle();
    expect(events.map((event) => event.outcome)).toEqual(Array(fired).fill("started"));
    if (catchUp === "latest") expect(iso(events[0]!.tickAt)).toBe("2026-03-09T13:00:00.000Z");
    expect((await opened.runs.listRuns({ pipeline: "A" })).length).toBe(fired);
  });

  it("skips a tick while the schedule's last run still runs (overlap skip), and starts it with allow", async () => {
    const gate = join(tempDir("sluice-sched-gate-"), "open");
    process.env.SLOW_C = gate;
    try {
      const { workspace, scheduler, opened } = await setUp("2026-03-09T13:00:30Z", [
        { id: "c-skip", flow: "C", every: "1m", overlap: "skip" },
        { id: "c-allow", flow: "C", every: "1m", overlap: "allow", enabled: true },
      ]);
      const first = await scheduler.runDue(at("2026-03-09T13:01:00Z"));
      expect(first.map((e) => `${e.scheduleId}:${e.outcome}`)).toEqual([
        "c-skip:started",
        "c-allow:started",
      ]);
      const second = await scheduler.runDue(at("2026-03-09T13:02:00Z"));
      expect(second.map((e) => `${e.scheduleId}:${e.outcome}`)).toEqual([
        "c-skip:skipped",
        "c-allow:started",
      ]);
      writeFileSync(gate, "");
      await scheduler.idle();
      const last = await opened.schedules.lastTick(workspace.project, "c-skip");
      expect(last).toMatchObject({ tickAt: at("2026-03-09T13:02:00Z"), outcome: "skipped" });
    } finally {
      delete process.env.SLOW_C;
    }
  });
});

describe("ctx.scheduledAt", () => {
  it("is the tick a run was started for, in the run and when it is resumed", async () => {
    const seen: Array<string | undefined> = [];
    let fail = true;
    const report = step("report", {
      cache: false,
      run: (_args, ctx) => {
        seen.push(ctx.scheduledAt?.toISOString());
        if (fail) throw new Error("not yet");
        return "ok";
      },
    });
    const flow = pipeline("reporting", { steps: [report] });
    const stores = memoryStores();
    const tickAt = at("2026-03-09T13:30:00Z");
    const first = await flow.run({
      stores,
      trigger: { kind: "schedule", scheduleId: "weekday", tickAt },
    });
    expect(first.status).toBe("failed");
    fail = false;
    const resumed = await flow.run({ stores, runId: first.runId, resume: true });
    expect(resumed.status).toBe("succeeded");
    expect(seen).toEqual(["2026-03-09T13:30:00.000Z", "2026-03-09T13:30:00.000Z"]);
    expect(seen).toHaveLength(2);
  });
});

describe("event triggers", () => {
  let home: SluiceHome | undefined;
  afterEach(() => home?.close());

  it("start a flow once per upstream run that ends in the watched state, across schedulers", async () => {
    const opened = (home = await openHome(tempDir("sluice-events-")));
    const loaded = await loadWorkspace(FIXTURE);
    const workspace: Workspace = {
      ...loaded,
      schedules: await checkSchedules(
        [
          { id: "after-a", flow: "D", on: { flow: "A" } },
          { id: "on-c-failure", flow: "A", on: { flow: "C", status: ["failed"] } },
        ],
        new Set(loaded.flows.keys()),
        "test",
      ),
    };
    const scheduler = () =>
      new Scheduler({ workspace, stores: opened.stores, schedules: opened.schedules });
    const first = scheduler();
    const run = async (flow: string) => {
      const queued = await queueTrigger(
        workspace,
        { runs: opened.runs, triggers: opened.serverTables },
        flow,
        {},
      );
      return (await startQueued(queued, { stores: opened.stores })).runId;
    };
    const a1 = await run("A");
    const a2 = await run("A");
    const fired = await first.runDue(Date.now());
    await first.idle();
    expect(fired.map((e) => `${e.scheduleId}:${e.outcome}`)).toEqual([
      "after-a:started",
      "after-a:started",
    ]);
    const ds = await opened.runs.listRuns({ pipeline: "D" });
    expect(ds.map((r) => r.trigger?.upstreamRunId).sort()).toEqual([a1, a2].sort());
    expect(ds.every((r) => r.trigger?.kind === "event" && r.status === "succeeded")).toBe(true);

    // Neither this scheduler again nor another one on the store starts a second run for them.
    expect(await first.runDue(Date.now())).toEqual([]);
    expect(await scheduler().runDue(Date.now())).toEqual([]);

    process.env.FAIL_C = "1";
    try {
      await run("C");
    } finally {
      delete process.env.FAIL_C;
    }
    await run("C"); // succeeded: "on-c-failure" waits only for failed runs
    const second = scheduler();
    const afterFailure = await second.runDue(Date.now());
    await second.idle();
    expect(afterFailure.map((e) => `${e.scheduleId}:${e.outcome}`)).toEqual([
      "on-c-failure:started",
    ]);
    // The A it started ended: D follows, once.
    const chained = await second.runDue(Date.now());
    await second.idle();
    expect(chained.map((e) => `${e.scheduleId}:${e.outcome}`)).toEqual(["after-a:started"]);
    expect((await opened.runs.listRuns({ pipeline: "D" })).length).toBe(3);
  });

  it("refuse an event trigger on an unknown flow or state, naming the field", async () => {
    await expect(
      checkSchedules([{ flow: "A", on: { flow: "Z" } }], new Set(["A"]), "cfg"),
    ).rejects.toThrow('cfg: schedules[0].on.flow names no flow of the workspace ("Z")');
    await expect(
      checkSchedules(
        [{ flow: "A", on: { flow: "A", status: "done" as never } }],
        new Set(["A"]),
        "cfg",
      ),
    ).rejects.toThrow("schedules[0].on.status must be succeeded, failed, cancelled");
    await expect(
      checkSchedules([{ flow: "A", every: "1m", on: { flow: "A" } }], new Set(["A"]), "cfg"),
    ).rejects.toThrow("give exactly one of cron");
  });
});

describe("sluice scheduler", () => {
  it("of two schedulers on one home, exactly one fires a tick", async () => {
    const home = tempDir("sluice-sched-race-");
    const args = ["scheduler", "--once", "--now", "2026-03-10T13:30:00Z", "--config", FIXTURE];
    const [a, b] = await Promise.all([sluiceAsync(args, { home }), sluiceAsync(args, { home })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const said = [a.stderr, b.stderr].join("\n");
    expect(said.match(/weekday: started/g)).toHaveLength(1);
    const runs = await sluiceAsync(["runs", "--json"], { home });
    const parents = (runs.json().runs as Array<{ pipeline: string }>).filter(
      (run) => run.pipeline === "parent-flow",
    );
    expect(parents).toHaveLength(1);
  });

  it.each([
    [{ flow: "A", cron: "61 * * * *" }, "schedules[0].cron", "does not parse"],
    [{ flow: "A", cron: "0 * * * *", timezone: "Mars/Olympus" }, "schedules[0].timezone", "IANA"],
    [{ flow: "nope", every: "5m" }, "schedules[0].flow", "Flows: A, B, C, D, parent-flow"],
    [{ flow: "A", every: "soon" }, "schedules[0].every", "not an interval"],
  ])("refuses a bad schedule, naming the field (%j)", async (schedule, field, problem) => {
    const dir = tempDir(".tmp-sched-", join(root, "test/fixtures"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "sluice.config.json"),
      JSON.stringify({
        project: "examples",
        pipelines: [join(FIXTURE, "flows.ts"), join(FIXTURE, "parent.ts")],
        schedules: [schedule],
      }),
    );
    const listed = await sluiceAsync(["schedules", "list", "--config", dir], {});
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain(field);
    expect(listed.stderr).toContain(problem);
  });
});
