// The RunStore / CompletionStore contract, as one suite that every store implementation runs
// (in-memory now; SQLite and PostgreSQL reuse it). Register it with describeStoreConformance(name, factory).
import { afterEach, describe, expect, it } from "vitest";
import type { Completion, CompletionStore, RunRecord, RunStore, StepRunRecord } from "sluice";

export interface StoreUnderTest {
  runs: RunStore;
  completions: CompletionStore;
  close?: () => Promise<void> | void;
}

const run = (runId: string, overrides: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  pipeline: "p",
  status: "running",
  params: { n: 1 },
  startedAt: 1000,
  ...overrides,
});

const stepRecord = (runId: string, name: string, overrides: Partial<StepRunRecord> = {}): StepRunRecord => ({
  runId,
  step: name,
  identity: `${name}@0`,
  status: "pending",
  reason: "missing-output",
  cached: false,
  attempts: 0,
  ...overrides,
});

const completion = (cacheKey: string, overrides: Partial<Completion> = {}): Completion => ({
  cacheKey,
  pipeline: "p",
  step: "s",
  identity: "s@0",
  codeHash: "code",
  paramsHash: "params",
  inputHashes: { a: "h1" },
  output: { hash: `out-${cacheKey}`, kind: "json", size: 3 },
  runId: "r1",
  createdAt: 1000,
  ...overrides,
});

export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest> | StoreUnderTest): void {
  describe(`store conformance: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const fresh = async () => (current = await open());
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    it("creates, reads and updates a run", async () => {
      const { runs } = await fresh();
      await runs.createRun(run("r1", { targets: ["a"] }));
      expect((await runs.getRun("r1"))!.run).toMatchObject({ runId: "r1", pipeline: "p", status: "running", params: { n: 1 }, targets: ["a"] });
      await runs.updateRun("r1", { status: "failed", finishedAt: 2000, durationMs: 1000, error: { code: "step-failed", message: "boom" } });
      expect((await runs.getRun("r1"))!.run).toMatchObject({ status: "failed", finishedAt: 2000, durationMs: 1000, error: { code: "step-failed", message: "boom" }, params: { n: 1 } });
      await expect(runs.createRun(run("r1"))).rejects.toThrow();
      expect(await runs.getRun("nope")).toBeUndefined();
    });

    it("upserts step records by run and step name", async () => {
      const { runs } = await fresh();
      await runs.createRun(run("r1"));
      await runs.putSteps([stepRecord("r1", "a"), stepRecord("r1", "b")]);
      await runs.putSteps([
        stepRecord("r1", "a", {
          status: "succeeded",
          attempts: 2,
          cached: false,
          fallback: true,
          cacheKey: "k",
          startedAt: 1,
          finishedAt: 5,
          durationMs: 4,
          output: { hash: "h", kind: "json", size: 1 },
          error: { code: "step-failed", message: "first try" },
        }),
      ]);
      const { steps } = (await runs.getRun("r1"))!;
      expect(steps).toHaveLength(2);
      expect(steps.find((s) => s.step === "a")).toMatchObject({
        status: "succeeded",
        attempts: 2,
        fallback: true,
        cacheKey: "k",
        durationMs: 4,
        output: { hash: "h", kind: "json", size: 1 },
        error: { message: "first try" },
      });
      expect(steps.find((s) => s.step === "b")).toMatchObject({ status: "pending", cached: false, attempts: 0 });
    });

    it("lists runs newest first, filtered and limited", async () => {
      const { runs } = await fresh();
      await runs.createRun(run("r1", { startedAt: 1 }));
      await runs.createRun(run("r2", { startedAt: 2, pipeline: "q", status: "succeeded" }));
      await runs.createRun(run("r3", { startedAt: 3, status: "succeeded" }));
      expect((await runs.listRuns()).map((r) => r.runId)).toEqual(["r3", "r2", "r1"]);
      expect((await runs.listRuns({ pipeline: "p" })).map((r) => r.runId)).toEqual(["r3", "r1"]);
      expect((await runs.listRuns({ status: "succeeded" })).map((r) => r.runId)).toEqual(["r3", "r2"]);
      expect((await runs.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual(["r3"]);
    });

    it("appends logs and reads them in order, by step, with a tail", async () => {
      const { runs } = await fresh();
      await runs.createRun(run("r1"));
      await runs.appendLogs([
        { runId: "r1", step: "a", time: 1, level: "info", message: "one" },
        { runId: "r1", step: "b", time: 2, level: "warn", message: "two", data: { k: 1 } },
      ]);
      await runs.appendLogs([{ runId: "r1", step: "a", time: 3, level: "error", message: "three" }]);
      expect((await runs.readLogs("r1")).map((l) => l.message)).toEqual(["one", "two", "three"]);
      expect((await runs.readLogs("r1", { step: "a" })).map((l) => l.message)).toEqual(["one", "three"]);
      expect((await runs.readLogs("r1", { tail: 2 })).map((l) => l.message)).toEqual(["two", "three"]);
      expect((await runs.readLogs("r1", { step: "b" }))[0]).toMatchObject({ level: "warn", data: { k: 1 }, time: 2 });
      expect(await runs.readLogs("other")).toEqual([]);
    });

    it("finds completions by cache key and the latest per pipeline and step", async () => {
      const { completions } = await fresh();
      await completions.putCompletion(completion("k1", { createdAt: 1 }));
      await completions.putCompletion(completion("k2", { createdAt: 3, paramsHash: "other" }));
      await completions.putCompletion(completion("k3", { createdAt: 2 }));
      await completions.putCompletion(completion("k4", { createdAt: 9, pipeline: "elsewhere" }));
      expect(await completions.findCompletion("k1")).toEqual(completion("k1", { createdAt: 1 }));
      expect(await completions.findCompletion("missing")).toBeUndefined();
      expect((await completions.latestCompletion("p", "s"))!.cacheKey).toBe("k2");
      expect((await completions.latestCompletion("elsewhere", "s"))!.cacheKey).toBe("k4");
      expect(await completions.latestCompletion("p", "other-step")).toBeUndefined();
    });

    it("invalidates completions by key and by step instance, keeping them readable", async () => {
      const { completions } = await fresh();
      await completions.putCompletion(completion("k1", { createdAt: 1 }));
      await completions.putCompletion(completion("k2", { createdAt: 2, identity: "s@other" }));
      await completions.putCompletion(completion("k3", { createdAt: 3, step: "t", identity: "t@0" }));
      expect(await completions.invalidateCompletions("p", { cacheKeys: ["k1"] })).toBe(1);
      expect((await completions.findCompletion("k1"))!.invalidatedAt).toBeGreaterThan(0);
      expect((await completions.findCompletion("k2"))!.invalidatedAt).toBeUndefined();
      expect(await completions.invalidateCompletions("p", { instances: [{ step: "t", identity: "t@0" }] })).toBe(1);
      expect((await completions.latestCompletion("p", "t"))!.invalidatedAt).toBeGreaterThan(0);
      expect(await completions.invalidateCompletions("elsewhere", { cacheKeys: ["k2"] })).toBe(0);
      await completions.putCompletion(completion("k1", { createdAt: 4 }));
      expect((await completions.findCompletion("k1"))!.invalidatedAt).toBeUndefined();
    });

    it("deletes completions; the latest falls back to the newest left", async () => {
      const { completions } = await fresh();
      await completions.putCompletion(completion("k1", { createdAt: 1 }));
      await completions.putCompletion(completion("k2", { createdAt: 2 }));
      await completions.deleteCompletions(["k2", "unknown"]);
      expect(await completions.findCompletion("k2")).toBeUndefined();
      expect((await completions.latestCompletion("p", "s"))!.cacheKey).toBe("k1");
      await completions.deleteCompletions(["k1"]);
      expect(await completions.latestCompletion("p", "s")).toBeUndefined();
    });
  });
}
