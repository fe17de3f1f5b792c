// The one trigger path (flows/trigger.ts) that the server and the local `sluice trigger` share:
// checked before any run exists, queued with its idempotency key, then adopted by the engine.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadWorkspace,
  openHome,
  queueTrigger,
  startQueued,
  type SluiceHome,
} from "sluice/internal";
import { root } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const workspaceDir = join(root, "test/fixtures/workspace");
let home: SluiceHome | undefined;

afterEach(() => home?.close());

async function setUp() {
  home = await openHome(tempDir("sluice-trigger-"));
  const workspace = await loadWorkspace(workspaceDir);
  return { home, workspace, stores: { runs: home.runs, triggers: home.serverTables } };
}

describe("queueTrigger and startQueued", () => {
  it("queue the run, then the engine adopts it: same run, same start time, same claim, now succeeded", async () => {
    const { home, workspace, stores } = await setUp();
    const queued = await queueTrigger(workspace, stores, "etl", {}, "key-1");
    expect(queued.created).toBe(true);
    const before = (await home.runs.findRun(queued.run.runId))!;
    expect(before.status).toBe("queued");
    const result = await startQueued(queued, { stores: home.stores });
    expect(result.status).toBe("succeeded");
    const after = (await home.runs.findRun(queued.run.runId))!;
    expect(after).toMatchObject({
      status: "succeeded",
      startedAt: before.startedAt,
      claim: before.claim,
      project: "demo",
      flow: before.flow,
    });
    expect(await home.runs.listRuns({})).toHaveLength(1);
  });

  it("the same idempotency key gives the earlier run and nothing to start; for another request it is a conflict", async () => {
    const { workspace, stores } = await setUp();
    const first = await queueTrigger(workspace, stores, "etl", {}, "key-2");
    const again = await queueTrigger(workspace, stores, "etl", {}, "key-2");
    expect(again).toMatchObject({ created: false, run: { runId: first.run.runId } });
    expect(() => startQueued(again, { stores: home!.stores })).toThrow(
      /not queued by this trigger/,
    );
    // Params are checked before the key is looked at.
    await expect(
      queueTrigger(workspace, stores, "etl", { params: { x: 1 } }, "key-2"),
    ).rejects.toThrow(/Unknown parameter "x"/);
    await expect(
      queueTrigger(workspace, stores, "training", { params: { rows: 2 } }, "key-2"),
    ).rejects.toMatchObject({ code: "conflict" });
  });

  it("refuses a bad request before any run exists", async () => {
    const { home, workspace, stores } = await setUp();
    await expect(queueTrigger(workspace, stores, "nope", {})).rejects.toMatchObject({
      code: "not-found",
      message: expect.stringContaining("Flows: training, etl"),
    });
    await expect(
      queueTrigger(workspace, stores, "etl", { targets: ["nope"] }),
    ).rejects.toMatchObject({ code: "unknown-step" });
    await expect(
      queueTrigger(workspace, stores, "etl", { version: "9.9.9" }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await home.runs.listRuns({})).toEqual([]);
  });

  it("a queued run another process took meanwhile is not started twice", async () => {
    const { home, workspace, stores } = await setUp();
    const queued = await queueTrigger(workspace, stores, "etl", {});
    expect(
      await home.runs.casRun(queued.run.runId, queued.run.claim, { claim: "someone-else" }),
    ).toBe(true);
    await expect(startQueued(queued, { stores: home.stores })).rejects.toMatchObject({
      code: "conflict",
    });
    expect((await home.runs.findRun(queued.run.runId))!.status).toBe("queued");
  });
});
