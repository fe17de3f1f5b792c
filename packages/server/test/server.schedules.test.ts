// The server fires the workspace's schedules, and the API and the client list them, pause and resume
// them and fire a tick now (test/fixtures/flow-of-flows: a weekday parent flow, a disabled interval).
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SluiceClient } from "@sluice/client";
import { SluiceServer } from "@sluice/server";
import { root } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const CONFIG = join(root, "test/fixtures/flow-of-flows");

describe("schedules over the API", () => {
  let server: SluiceServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("lists, pauses, resumes and fires a schedule now; the run records its tick", async () => {
    server = await SluiceServer.start({
      config: CONFIG,
      home: tempDir("sluice-sched-api-"),
      port: 0,
      insecureLocal: true,
    });
    const project = new SluiceClient({ baseUrl: server.url }).project("examples");

    const listed = await project.schedules.list();
    expect(listed.map((s) => [s.id, s.flow, s.enabled, s.paused])).toEqual([
      ["weekday", "parent-flow", true, false],
      ["a-quarterly", "A", false, false],
    ]);
    expect(listed[0]).toMatchObject({ cron: "30 9 * * 1-5", timezone: "America/New_York" });
    expect(Date.parse(listed[0]!.nextTickAt!)).toBeGreaterThan(Date.now());

    expect((await project.schedules.pause("weekday")).paused).toBe(true);
    expect((await project.schedules.list())[0]!.paused).toBe(true);
    expect((await project.schedules.resume("weekday")).paused).toBe(false);

    const tick = await project.schedules.triggerNow("weekday");
    expect(tick).toMatchObject({ scheduleId: "weekday", outcome: "started" });
    const run = await project.runs.wait(tick.runId!, { timeoutMs: 60_000 });
    expect(run).toMatchObject({
      pipeline: "parent-flow",
      status: "succeeded",
      trigger: { kind: "schedule", scheduleId: "weekday", tickAt: Date.parse(tick.tickAt) },
    });
    expect(run.children?.map((child) => child.pipeline).sort()).toEqual(["A", "B", "C", "D"]);
    expect((await project.schedules.list())[0]!.lastTick).toEqual({
      tickAt: tick.tickAt,
      outcome: "started",
      runId: tick.runId,
    });

    await expect(project.schedules.pause("nope")).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("Schedules: weekday, a-quarterly"),
    });
  });
});
