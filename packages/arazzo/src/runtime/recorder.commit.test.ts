import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/support/temp-dir.js";
import { MemoryStore, SqliteStore } from "sluice/internal";
import { Recorder } from "./recorder.js";
import { Masker } from "./secrets.js";

const stores: SqliteStore[] = [];

function sqlite(): SqliteStore {
  const store = SqliteStore.open(join(tempDir("sluice-recorder-"), "sluice.db"));
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

const SOURCE = { file: "/flows/a.arazzo.yaml", kind: "arazzo" } as const;

describe("Recorder.commit", () => {
  for (const [name, open] of [
    ["SQLite", sqlite],
    ["memory", () => new MemoryStore()],
  ] as const) {
    it(`${name}: stores the checkpoint with the step records and logs queued before it`, async () => {
      const store = open();
      const recorder = new Recorder(store, "run-1", new Masker(["s3cret"]));
      await recorder.start({ pipeline: "flow", params: {}, source: SOURCE }, ["flow/a", "flow/b"]);
      recorder.stepStarted("flow/a", 1);
      recorder.log("flow/a", "info", "GET /x?token=s3cret -> 200", {
        headers: { authorization: "s3cret" },
      });
      await recorder.commit({ v: 1, next: 0, secret: false });
      let found = await store.getRun("run-1");
      expect(found?.run.checkpoint).toEqual({ v: 1, next: 0, secret: false });
      expect(found?.run.status).toBe("running");
      expect(found?.run.pipeline).toBe("flow");
      expect(found?.run.heartbeatAt).toBeGreaterThan(0);
      expect(found?.steps.find((s) => s.step === "flow/a")).toMatchObject({
        status: "running",
        attempts: 1,
      });
      expect(found?.steps.find((s) => s.step === "flow/b")).toMatchObject({ status: "pending" });
      const logs = await store.readLogs("run-1");
      expect(logs.map((l) => l.message)).toEqual(["GET /x?token=*** -> 200"]);
      expect(JSON.stringify(logs[0]!.data)).not.toContain("s3cret");

      recorder.stepEnded("flow/a", "succeeded");
      await recorder.commit({ v: 1, next: 1 });
      found = await store.getRun("run-1");
      expect(found?.run.checkpoint).toEqual({ v: 1, next: 1 });
      expect(found?.steps.find((s) => s.step === "flow/a")).toMatchObject({ status: "succeeded" });
      await recorder.finish({ status: "succeeded", finishedAt: Date.now() });
      expect((await store.getRun("run-1"))?.run).toMatchObject({
        status: "succeeded",
        checkpoint: { v: 1, next: 1 },
      });
    });
  }

  it("SQLite: a checkpoint for a run that is not there fails, and writes nothing", async () => {
    const store = sqlite();
    const recorder = new Recorder(store, "missing", new Masker());
    recorder.stepStarted("flow/a", 1);
    await expect(recorder.commit({ v: 1 })).rejects.toThrow(/no run missing/);
    expect(store.db.prepare("SELECT COUNT(*) FROM step_runs").pluck().get()).toBe(0); // rolled back with it
    recorder.stop();
  });
});
