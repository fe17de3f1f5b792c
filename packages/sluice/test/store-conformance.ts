// The RunStore / CompletionStore contract (src/store/run-store.ts) as one suite that every store
// implementation runs: in-memory and SQLite; a further backend adds one line to run it. It only uses the
// public interfaces, awaits every call (methods may answer synchronously or with a promise) and uses
// fixed timestamps, so it says nothing about how a store is built.
//
//   describeStoreConformance("sqlite", async () => { const s = open(); return { runs: s, completions: s, close: () => s.close() }; });
import { afterEach, describe, expect, it } from "vitest";
import type {
  Completion,
  CompletionStore,
  DatasetCatalog,
  DatasetRecord,
  LogRecord,
  RunRecord,
  RunCheckpoints,
  RunStore,
  StepRunRecord,
} from "sluice";

export interface StoreUnderTest {
  runs: RunStore & RunCheckpoints;
  completions: CompletionStore;
  catalog: DatasetCatalog;
  /** Called after each test. */
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

const stepRecord = (
  runId: string,
  name: string,
  overrides: Partial<StepRunRecord> = {},
): StepRunRecord => ({
  runId,
  step: name,
  identity: `${name}@0`,
  status: "pending",
  reason: "missing-output",
  cached: false,
  attempts: 0,
  ...overrides,
});

const log = (runId: string, message: string, overrides: Partial<LogRecord> = {}): LogRecord => ({
  runId,
  step: "a",
  time: 1,
  level: "info",
  message,
  ...overrides,
});

const completion = (cacheKey: string, overrides: Partial<Completion> = {}): Completion => ({
  cacheKey,
  pipeline: "p",
  step: "s",
  identity: "s@0",
  codeHash: "code",
  paramsHash: "params",
  inputHashes: { a: "h1", b: "h2" },
  output: { hash: `out-${cacheKey}`, kind: "json", size: 3 },
  runId: "r1",
  createdAt: 1000,
  ...overrides,
});

/**
 * Registers the conformance suite for one store implementation. `makeStores` is called once per test
 * and must return empty stores; `runs` and `completions` may be the same object.
 */
export function describeStoreConformance(
  name: string,
  makeStores: () => Promise<StoreUnderTest> | StoreUnderTest,
): void {
  describe(`store conformance: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const fresh = async (): Promise<StoreUnderTest> => (current = await makeStores());
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });

    describe("runs", () => {
      it("createRun then getRun returns every field, and no steps yet", async () => {
        const { runs } = await fresh();
        const full = run("r1", {
          status: "failed",
          reason: "crashed",
          params: { n: 2, nested: { list: [1, "two", null], flag: true } },
          effectiveParams: { n: 2, nested: { list: [1, "two", null], flag: true }, trees: 50 },
          targets: ["a", "b"],
          startedAt: 1000,
          finishedAt: 1500,
          durationMs: 500,
          error: {
            code: "step-failed",
            message: "boom",
            step: "a",
            runId: "r1",
            stack: "Error: boom\n    at x",
          },
          source: { file: "/tmp/pipeline.ts", exportName: "training" },
          ownerPid: 4242,
          ownerHost: "host-1",
          heartbeatAt: 1400,
        });
        await runs.createRun(full);
        await runs.createRun(run("r2"));
        expect(await runs.getRun("r1")).toEqual({ run: full, steps: [] });
        expect((await runs.getRun("r2"))!.run).toEqual(run("r2"));
      });

      it("keeps what started a run, and lists a parent's children by parentRunId", async () => {
        const { runs } = await fresh();
        const child = run("c1", {
          startedAt: 2000,
          trigger: { kind: "parent", parentRunId: "p1", parentStep: "train" },
        });
        await runs.createRun(run("p1", { trigger: { kind: "manual" } }));
        await runs.createRun(child);
        await runs.createRun(
          run("c2", { startedAt: 3000, trigger: { kind: "parent", parentRunId: "p1" } }),
        );
        await runs.createRun(run("other", { trigger: { kind: "parent", parentRunId: "p2" } }));
        expect((await runs.getRun("c1"))!.run).toEqual(child);
        expect((await runs.listRuns({ parentRunId: "p1" })).map((r) => r.runId)).toEqual([
          "c2",
          "c1",
        ]);
        expect(await runs.listRuns({ parentRunId: "nobody" })).toEqual([]);
        // By how they were started (none recorded: by hand) and since when.
        const ids = (found: { runId: string }[]) => found.map((r) => r.runId).sort();
        expect(ids(await runs.listRuns({ trigger: "parent" }))).toEqual(["c1", "c2", "other"]);
        expect(ids(await runs.listRuns({ trigger: "manual" }))).toEqual(["p1"]);
        expect(await runs.listRuns({ trigger: "schedule" })).toEqual([]);
        expect(ids(await runs.listRuns({ since: 2000 }))).toEqual(["c1", "c2"]);
        expect(ids(await runs.listRuns({ since: 2001, trigger: "parent" }))).toEqual(["c2"]);
      });

      it("a duplicate createRun rejects and leaves the first run as it was", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1", { pipeline: "first" }));
        await expect(runs.createRun(run("r1", { pipeline: "second" }))).rejects.toThrow();
        expect((await runs.getRun("r1"))!.run.pipeline).toBe("first");
      });

      it("updateRun patches the given fields and keeps the others", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1", { targets: ["a"], ownerPid: 7, heartbeatAt: 1000 }));
        await runs.updateRun("r1", { heartbeatAt: 1200 });
        expect((await runs.getRun("r1"))!.run).toEqual(
          run("r1", { targets: ["a"], ownerPid: 7, heartbeatAt: 1200 }),
        );
        await runs.updateRun("r1", {
          status: "failed",
          reason: "crashed",
          finishedAt: 2000,
          durationMs: 1000,
          error: { code: "step-failed", message: "boom" },
        });
        expect((await runs.getRun("r1"))!.run).toEqual(
          run("r1", {
            targets: ["a"],
            ownerPid: 7,
            heartbeatAt: 1200,
            status: "failed",
            reason: "crashed",
            finishedAt: 2000,
            durationMs: 1000,
            error: { code: "step-failed", message: "boom" },
          }),
        );
      });

      it("keeps a run's checkpoint (a runner's JSON state for resuming) and its source kind", async () => {
        const { runs } = await fresh();
        await runs.createRun(
          run("r1", {
            source: { file: "/w/flow.arazzo.yaml", exportName: "poll", kind: "arazzo" },
          }),
        );
        const checkpoint = {
          next: "poll",
          outputs: { trigger: { runId: "x-1", ok: true } },
          executed: 3,
        };
        await runs.updateRun("r1", { checkpoint });
        const stored = (await runs.getRun("r1"))!.run;
        expect(stored.checkpoint).toEqual(checkpoint);
        expect(stored.source).toEqual({
          file: "/w/flow.arazzo.yaml",
          exportName: "poll",
          kind: "arazzo",
        });
      });

      it("commitCheckpoint stores the run's pending writes and its checkpoint together; a superseded owner's is refused", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1", { claim: "mine" }));
        runs.fenceRun("r1", "mine");
        const checkpoint = { next: "poll", executed: 2 };
        await runs.commitCheckpoint(
          "r1",
          checkpoint,
          1234,
          () => void runs.putSteps([stepRecord("r1", "trigger", { status: "succeeded" })]),
        );
        const stored = (await runs.getRun("r1"))!;
        expect(stored.run).toMatchObject({ checkpoint, heartbeatAt: 1234 });
        expect(stored.steps.map((s) => [s.step, s.status])).toEqual([["trigger", "succeeded"]]);
        expect(await runs.casRun("r1", "mine", { claim: "theirs" })).toBe(true);
        await expect(
          (async () => runs.commitCheckpoint("r1", { next: "late" }, 1300, () => undefined))(),
        ).rejects.toMatchObject({ code: "superseded" });
        expect((await runs.getRun("r1"))!.run.checkpoint).toEqual(checkpoint);
        await expect(
          (async () => runs.commitCheckpoint("nope", {}, 1, () => undefined))(),
        ).rejects.toThrow(/no run nope/);
      });

      it("casRun applies a patch only while the run's claim is the expected one: of two claimants with one view, one wins", async () => {
        const { runs } = await fresh();
        await runs.createRun(
          run("r1", {
            status: "failed",
            claim: "c0",
            ownerPid: 1,
            ownerHost: "h",
            ownerStartedAt: 500,
          }),
        );
        const seen = (await runs.findRun("r1"))!.claim;
        expect(seen).toBe("c0");
        const results = await Promise.all([
          runs.casRun("r1", seen, { claim: "a", ownerPid: 2, status: "running" }),
          runs.casRun("r1", seen, { claim: "b", ownerPid: 3, status: "running" }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = (await runs.findRun("r1"))!;
        expect(winner).toMatchObject({
          claim: results[0] ? "a" : "b",
          ownerPid: results[0] ? 2 : 3,
          ownerHost: "h",
          ownerStartedAt: 500,
          status: "running",
        });
        expect(await runs.casRun("r2", undefined, { claim: "x" })).toBe(false);
        await runs.createRun(run("r2"));
        expect(await runs.casRun("r2", undefined, { claim: "x" })).toBe(true);
        expect((await runs.findRun("r2"))!.claim).toBe("x");
      });

      it("fencing: once another claimant takes a run, the superseded owner's writes of it are refused; other runs go on", async () => {
        const { runs, completions } = await fresh();
        await runs.createRun(run("r1", { claim: "mine" }));
        await runs.createRun(run("r2"));
        runs.fenceRun("r1", "mine");
        await runs.putSteps([stepRecord("r1", "a", { status: "running" })]);
        await runs.updateRun("r1", { heartbeatAt: 1100 });
        expect(await runs.casRun("r1", "mine", { claim: "theirs", ownerPid: 99 })).toBe(true);
        await expect(
          (async () => runs.putSteps([stepRecord("r1", "a", { status: "succeeded" })]))(),
        ).rejects.toMatchObject({ code: "superseded" });
        await expect(runs.updateRun("r1", { status: "succeeded" })).rejects.toMatchObject({
          code: "superseded",
        });
        await expect(
          (async () => completions.putCompletion(completion("k1", { runId: "r1" })))(),
        ).rejects.toMatchObject({ code: "superseded" });
        const stored = (await runs.getRun("r1"))!;
        expect(stored.run.status).toBe("running");
        expect(stored.steps.map((s) => s.status)).toEqual(["running"]);
        expect(await completions.findCompletion("k1")).toBeUndefined();
        await expect(runs.updateRun("r1", { heartbeatAt: 1300 })).rejects.toMatchObject({
          code: "superseded",
        });
        await runs.putSteps([stepRecord("r2", "b")]);
        expect((await runs.getRun("r2"))!.steps).toHaveLength(1);
        runs.fenceRun("r1", undefined);
        await runs.updateRun("r1", { heartbeatAt: 1300 });
      });

      it("updateRun with a field set to undefined clears it (how a resumed run forgets its end)", async () => {
        const { runs } = await fresh();
        await runs.createRun(
          run("r1", {
            status: "failed",
            reason: "crashed",
            finishedAt: 2000,
            durationMs: 1000,
            error: { code: "crashed", message: "died" },
          }),
        );
        await runs.updateRun("r1", {
          status: "running",
          reason: undefined,
          finishedAt: undefined,
          durationMs: undefined,
          error: undefined,
        });
        const { run: resumed } = (await runs.getRun("r1"))!;
        expect(resumed.status).toBe("running");
        expect(resumed.reason).toBeUndefined();
        expect(resumed.finishedAt).toBeUndefined();
        expect(resumed.durationMs).toBeUndefined();
        expect(resumed.error).toBeUndefined();
        expect(resumed.params).toEqual({ n: 1 });
      });

      it("unknown run ids give undefined and empty results", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        expect(await runs.getRun("nope")).toBeUndefined();
        expect(await runs.readLogs("nope")).toEqual([]);
        expect(await runs.listRuns({ pipeline: "no-such-pipeline" })).toEqual([]);
      });
    });

    describe("steps", () => {
      it("putSteps inserts, then upserts by (runId, step); getRun returns them", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        await runs.putSteps([stepRecord("r1", "a"), stepRecord("r1", "b")]);
        expect((await runs.getRun("r1"))!.steps).toHaveLength(2);
        const finished = stepRecord("r1", "a", {
          status: "succeeded",
          reason: "params-changed",
          attempts: 2,
          cached: false,
          fallback: true,
          cacheKey: "k",
          startedAt: 1001,
          finishedAt: 1005,
          durationMs: 4,
          output: { hash: "h", kind: "blob", size: 123456 },
          error: { code: "step-failed", message: "first try", stack: "Error: first try" },
        });
        await runs.putSteps([finished]);
        await runs.putSteps([
          stepRecord("r1", "b", {
            status: "succeeded",
            reason: "complete",
            cached: true,
            output: { hash: "h2", kind: "json", size: 2 },
          }),
        ]);
        const { steps } = (await runs.getRun("r1"))!;
        expect(steps).toHaveLength(2);
        expect(steps.find((s) => s.step === "a")).toEqual(finished);
        expect(steps.find((s) => s.step === "b")).toEqual(
          stepRecord("r1", "b", {
            status: "succeeded",
            reason: "complete",
            cached: true,
            output: { hash: "h2", kind: "json", size: 2 },
          }),
        );
      });

      it("keeps an HTTP step's exchange (request, response, criteria results) on its record", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        const http = {
          request: { method: "GET", url: "http://h/x?a=1", headers: { authorization: "***" } },
          response: { status: 503, headers: { "retry-after": "2" }, body: '{"busy":true}' },
          criteria: [{ condition: "$statusCode == 200", type: "simple", held: false }],
        };
        await runs.putSteps([
          stepRecord("r1", "call", {
            status: "failed",
            attempts: 1,
            startedAt: 1,
            finishedAt: 2,
            http,
          }),
        ]);
        expect((await runs.getRun("r1"))!.steps[0]!.http).toEqual(http);
      });

      it("the latest record of a step wins, whether it has started or not (a resumed run rewrites finished steps as complete)", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        const complete = {
          status: "succeeded" as const,
          reason: "complete" as const,
          cached: true,
          cacheKey: "k",
          output: { hash: "h", kind: "json" as const, size: 2 },
        };
        await runs.putSteps([
          stepRecord("r1", "a"),
          stepRecord("r1", "b", complete),
          stepRecord("r1", "c"),
        ]);
        const ran = stepRecord("r1", "a", {
          status: "succeeded",
          attempts: 1,
          startedAt: 1001,
          finishedAt: 1002,
          output: { hash: "ha", kind: "json", size: 1 },
        });
        const crashed = stepRecord("r1", "c", {
          status: "failed",
          attempts: 1,
          startedAt: 1003,
          error: { code: "crashed", message: "died" },
        });
        await runs.putSteps([ran, crashed]);
        const statuses = (await runs.getRun("r1"))!.steps.map((s) => [s.step, s.status]).sort();
        expect(statuses).toEqual([
          ["a", "succeeded"],
          ["b", "succeeded"],
          ["c", "failed"],
        ]);
        // Resumed: a finished step is now complete before the run starts again, the crashed one pending.
        await runs.putSteps([
          stepRecord("r1", "a", { ...complete, output: ran.output }),
          stepRecord("r1", "c", { reason: "missing-output" }),
        ]);
        const steps = (await runs.getRun("r1"))!.steps;
        expect(steps).toHaveLength(3);
        expect(steps.find((s) => s.step === "a")).toEqual(
          stepRecord("r1", "a", { ...complete, output: ran.output }),
        );
        expect(steps.find((s) => s.step === "b")).toEqual(stepRecord("r1", "b", complete));
        expect(steps.find((s) => s.step === "c")).toEqual(
          stepRecord("r1", "c", { reason: "missing-output" }),
        );
      });

      it("keeps each run's steps apart, and takes many records in one call", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        await runs.createRun(run("r2"));
        const many = Array.from({ length: 50 }, (_, i) =>
          stepRecord("r1", `s${i}`, { attempts: i }),
        );
        await runs.putSteps([...many, stepRecord("r2", "s0", { status: "failed", attempts: 3 })]);
        const first = (await runs.getRun("r1"))!.steps;
        expect(first).toHaveLength(50);
        expect(first.find((s) => s.step === "s7")!.attempts).toBe(7);
        expect(first.find((s) => s.step === "s0")).toMatchObject({
          status: "pending",
          attempts: 0,
        });
        expect((await runs.getRun("r2"))!.steps).toEqual([
          stepRecord("r2", "s0", { status: "failed", attempts: 3 }),
        ]);
      });
    });

    describe("metrics", () => {
      it("keeps the last value of a run's step metric, and reads several runs ordered by run, step and name", async () => {
        const { runs } = await fresh();
        await runs.recordMetrics([
          { runId: "r2", step: "eval", name: "f1", value: 0.5, time: 1 },
          { runId: "r1", step: "train", name: "loss", value: 2, time: 1 },
          { runId: "r1", step: "eval", name: "accuracy", value: 0.9, time: 1 },
        ]);
        await runs.recordMetrics([
          { runId: "r1", step: "train", name: "loss", value: 1.5, time: 2 },
        ]);
        expect(await runs.readMetrics(["r2", "r1"])).toEqual([
          { runId: "r1", step: "eval", name: "accuracy", value: 0.9, time: 1 },
          { runId: "r1", step: "train", name: "loss", value: 1.5, time: 2 },
          { runId: "r2", step: "eval", name: "f1", value: 0.5, time: 1 },
        ]);
        expect(await runs.readMetrics(["nope"])).toEqual([]);
      });
    });

    describe("listing runs", () => {
      it("lists newest first (by startedAt), filtered by pipeline and status, limited", async () => {
        const { runs } = await fresh();
        // Created out of order: the order comes from startedAt, not from insertion.
        await runs.createRun(run("r2", { startedAt: 2, pipeline: "q", status: "succeeded" }));
        await runs.createRun(run("r4", { startedAt: 4, status: "failed" }));
        await runs.createRun(run("r1", { startedAt: 1 }));
        await runs.createRun(run("r3", { startedAt: 3, status: "succeeded" }));
        const ids = (list: RunRecord[]) => list.map((r) => r.runId);
        expect(ids(await runs.listRuns())).toEqual(["r4", "r3", "r2", "r1"]);
        expect(ids(await runs.listRuns({}))).toEqual(["r4", "r3", "r2", "r1"]);
        expect(ids(await runs.listRuns({ pipeline: "p" }))).toEqual(["r4", "r3", "r1"]);
        expect(ids(await runs.listRuns({ status: "succeeded" }))).toEqual(["r3", "r2"]);
        expect(ids(await runs.listRuns({ pipeline: "p", status: "succeeded" }))).toEqual(["r3"]);
        expect(ids(await runs.listRuns({ limit: 2 }))).toEqual(["r4", "r3"]);
        expect(ids(await runs.listRuns({ pipeline: "p", limit: 2 }))).toEqual(["r4", "r3"]);
        expect(ids(await runs.listRuns({ limit: 10 }))).toEqual(["r4", "r3", "r2", "r1"]);
        expect((await runs.listRuns({ pipeline: "q" }))[0]).toEqual(
          run("r2", { startedAt: 2, pipeline: "q", status: "succeeded" }),
        );
      });

      it("filters by project; runs recorded without one are in the default project", async () => {
        const { runs } = await fresh();
        await runs.createRun(
          run("a1", { startedAt: 1, project: "alpha", flow: { version: "1.0.0", hash: "h1" } }),
        );
        await runs.createRun(run("b1", { startedAt: 2, project: "beta" }));
        await runs.createRun(run("n1", { startedAt: 3 }));
        const ids = (list: RunRecord[]) => list.map((r) => r.runId);
        expect(ids(await runs.listRuns({ project: "alpha" }))).toEqual(["a1"]);
        expect(ids(await runs.listRuns({ project: "beta" }))).toEqual(["b1"]);
        expect(ids(await runs.listRuns({ project: "default" }))).toEqual(["n1"]);
        expect(ids(await runs.listRuns({ project: "gamma" }))).toEqual([]);
        expect((await runs.getRun("a1"))!.run).toEqual(
          run("a1", { startedAt: 1, project: "alpha", flow: { version: "1.0.0", hash: "h1" } }),
        );
        expect(await runs.findRun("a1")).toEqual(
          run("a1", { startedAt: 1, project: "alpha", flow: { version: "1.0.0", hash: "h1" } }),
        );
        expect(await runs.findRun("missing")).toBeUndefined();
        await runs.updateRun("a1", { status: "succeeded" });
        expect((await runs.getRun("a1"))!.run.project).toBe("alpha");
      });

      it("sees status changes made by updateRun", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1", { startedAt: 1 }));
        await runs.createRun(run("r2", { startedAt: 2 }));
        expect(await runs.listRuns({ status: "succeeded" })).toEqual([]);
        await runs.updateRun("r1", { status: "succeeded", finishedAt: 5 });
        expect(
          (await runs.listRuns({ status: "succeeded" })).map((r) => [r.runId, r.finishedAt]),
        ).toEqual([["r1", 5]]);
        expect((await runs.listRuns({ status: "running" })).map((r) => r.runId)).toEqual(["r2"]);
      });
    });

    describe("logs", () => {
      it("reads logs oldest first, by step, with a tail", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        await runs.appendLogs([
          log("r1", "one", { time: 1 }),
          log("r1", "two", { step: "b", time: 2, level: "warn", data: { k: [1, 2] } }),
        ]);
        // Same timestamp: append order decides.
        await runs.appendLogs([
          log("r1", "three", { time: 2, level: "error" }),
          log("r1", "four", { time: 2, level: "debug" }),
        ]);
        const messages = (list: LogRecord[]) => list.map((l) => l.message);
        expect(messages(await runs.readLogs("r1"))).toEqual(["one", "two", "three", "four"]);
        expect(messages(await runs.readLogs("r1", {}))).toEqual(["one", "two", "three", "four"]);
        expect(messages(await runs.readLogs("r1", { step: "a" }))).toEqual([
          "one",
          "three",
          "four",
        ]);
        expect(messages(await runs.readLogs("r1", { tail: 2 }))).toEqual(["three", "four"]);
        expect(messages(await runs.readLogs("r1", { step: "a", tail: 2 }))).toEqual([
          "three",
          "four",
        ]);
        expect(messages(await runs.readLogs("r1", { tail: 100 }))).toEqual([
          "one",
          "two",
          "three",
          "four",
        ]);
        expect(messages(await runs.readLogs("r1", { step: "nobody" }))).toEqual([]);
        expect(await runs.readLogs("r1", { step: "b" })).toEqual([
          log("r1", "two", { step: "b", time: 2, level: "warn", data: { k: [1, 2] } }),
        ]);
      });

      it("a step's logs include those of its map items and dynamic children, not of steps that only share a prefix", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        const names = [
          "score",
          "score[0]",
          "score[19]",
          "scores",
          "score.x",
          "sweep/a",
          "sweep",
          "sweeper",
          "other",
        ];
        await runs.appendLogs(names.map((step, time) => log("r1", step, { step, time })));
        const messages = (list: LogRecord[]) => list.map((l) => l.message);
        expect(messages(await runs.readLogs("r1", { step: "score" }))).toEqual([
          "score",
          "score[0]",
          "score[19]",
        ]);
        expect(messages(await runs.readLogs("r1", { step: "score[19]" }))).toEqual(["score[19]"]);
        expect(messages(await runs.readLogs("r1", { step: "sweep" }))).toEqual([
          "sweep/a",
          "sweep",
        ]);
        expect(messages(await runs.readLogs("r1", { step: "score", tail: 1 }))).toEqual([
          "score[19]",
        ]);
      });

      it("keeps run-level logs (no step) and each run's logs apart", async () => {
        const { runs } = await fresh();
        await runs.createRun(run("r1"));
        await runs.createRun(run("r2"));
        const runLevel: LogRecord = { runId: "r1", time: 5, level: "info", message: "run-level" };
        await runs.appendLogs([runLevel, log("r2", "other run")]);
        const logs = await runs.readLogs("r1");
        expect(logs).toHaveLength(1);
        expect(logs[0]).toMatchObject({
          runId: "r1",
          time: 5,
          level: "info",
          message: "run-level",
        });
        expect(logs[0]!.step ?? undefined).toBeUndefined();
        expect((await runs.readLogs("r2")).map((l) => l.message)).toEqual(["other run"]);
      });
    });

    describe("dataset catalog", () => {
      const entry = (
        step: string,
        createdAt: number,
        overrides: Partial<DatasetRecord> = {},
      ): DatasetRecord => ({
        hash: `${String(createdAt).padStart(6, "0")}${step}`.padEnd(64, "0"),
        pipeline: "p",
        step,
        runId: `r${createdAt}`,
        tag: "dataset",
        kind: "records",
        size: 10,
        rows: 3,
        columns: [{ name: "id", type: "Int64" }],
        createdAt,
        ...overrides,
      });

      it("lists the newest entry of each pipeline's step, newest first, filtered by pipeline, every field kept", async () => {
        const { catalog } = await fresh();
        await catalog.recordDataset(entry("clean", 1));
        await catalog.recordDataset(entry("clean", 3, { rows: 5 }));
        await catalog.recordDataset(
          entry("model", 2, { tag: "model", kind: "json", rows: undefined, columns: undefined }),
        );
        await catalog.recordDataset(entry("clean", 4, { pipeline: "other" }));
        const listed = await catalog.listDatasets();
        expect(listed.map((e) => `${e.pipeline}/${e.step}@${e.createdAt}`)).toEqual([
          "other/clean@4",
          "p/clean@3",
          "p/model@2",
        ]);
        expect(listed[1]).toEqual(entry("clean", 3, { rows: 5 }));
        expect((await catalog.listDatasets({ pipeline: "p" })).map((e) => e.step)).toEqual([
          "clean",
          "model",
        ]);
      });

      it("finds entries by pipeline/step, by step and by a hash prefix of at least 6 characters, newest first", async () => {
        const { catalog } = await fresh();
        await catalog.recordDataset(entry("clean", 1));
        await catalog.recordDataset(entry("clean", 2));
        await catalog.recordDataset(entry("clean", 3, { pipeline: "other" }));
        expect((await catalog.findDatasets("p/clean")).map((e) => e.createdAt)).toEqual([2, 1]);
        expect((await catalog.findDatasets("clean")).map((e) => e.createdAt)).toEqual([3, 2, 1]);
        const hash = entry("clean", 2).hash;
        expect((await catalog.findDatasets(hash.slice(0, 12))).map((e) => e.createdAt)).toEqual([
          2,
        ]);
        expect(await catalog.findDatasets(hash.slice(0, 5))).toEqual([]);
        expect(await catalog.findDatasets("nope")).toEqual([]);
      });
    });

    describe("completions", () => {
      it("putCompletion then findCompletion returns every field; unknown keys give undefined", async () => {
        const { completions } = await fresh();
        const stored = completion("k1", {
          inputHashes: { rows: "abc", "model.weights": "def" },
          output: { hash: "ffff", kind: "blob", size: 1 << 20 },
          runId: "r9",
          createdAt: 1234,
        });
        await completions.putCompletion(stored);
        expect(await completions.findCompletion("k1")).toEqual(stored);
        expect(await completions.findCompletion("k2")).toBeUndefined();
        await completions.putCompletion(completion("empty", { inputHashes: {} }));
        expect((await completions.findCompletion("empty"))!.inputHashes).toEqual({});
      });

      it("putting the same cache key again replaces it (a `cache: false` step stores its key on every run)", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { runId: "r1", createdAt: 1 }));
        await completions.putCompletion(completion("k1", { runId: "r2", createdAt: 2 }));
        expect(await completions.findCompletion("k1")).toEqual(
          completion("k1", { runId: "r2", createdAt: 2 }),
        );
        expect((await completions.latestCompletion("p", "s"))!.runId).toBe("r2");
      });

      it("latestCompletion is the newest by createdAt per (pipeline, step), whatever the params", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { createdAt: 1 }));
        await completions.putCompletion(
          completion("k2", { createdAt: 3, paramsHash: "other", identity: "s@1" }),
        );
        // Older, but stored last: still not the latest.
        await completions.putCompletion(completion("k3", { createdAt: 2 }));
        await completions.putCompletion(completion("k4", { createdAt: 9, pipeline: "elsewhere" }));
        await completions.putCompletion(
          completion("k5", { createdAt: 8, step: "t", identity: "t@0" }),
        );
        expect(await completions.latestCompletion("p", "s")).toEqual(
          completion("k2", { createdAt: 3, paramsHash: "other", identity: "s@1" }),
        );
        expect((await completions.latestCompletion("elsewhere", "s"))!.cacheKey).toBe("k4");
        expect((await completions.latestCompletion("p", "t"))!.cacheKey).toBe("k5");
        expect(await completions.latestCompletion("p", "other-step")).toBeUndefined();
        expect(await completions.latestCompletion("no-such-pipeline", "s")).toBeUndefined();
        expect(await completions.latestCompletion("elsewhere", "t")).toBeUndefined();
      });

      it("keeps how many items of a map's output failed, in the full record and the summary, and forgets it when the key is stored again", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { itemsFailed: 5 }));
        expect(await completions.findCompletion("k1")).toEqual(
          completion("k1", { itemsFailed: 5 }),
        );
        expect((await completions.completionsOf("p"))[0]!.itemsFailed).toBe(5);
        await completions.putCompletion(completion("k1", { createdAt: 2000 }));
        expect((await completions.findCompletion("k1"))!.itemsFailed).toBeUndefined();
        expect((await completions.completionsOf("p"))[0]!.itemsFailed).toBeUndefined();
      });

      it("keeps the completions an output's inputs came from, and finds the completions made from one (lineage)", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("up", { step: "a", inputHashes: {} }));
        await completions.putCompletion(
          completion("down", {
            step: "b",
            inputHashes: { x: "out-up" },
            inputKeys: { x: "up" },
            createdAt: 2000,
          }),
        );
        await completions.putCompletion(
          completion("legacy", { step: "c", inputHashes: { x: "out-up" }, createdAt: 3000 }),
        );
        expect((await completions.findCompletion("down"))!.inputKeys).toEqual({ x: "up" });
        expect((await completions.findCompletion("legacy"))!.inputKeys).toBeUndefined();
        expect((await completions.consumersOfInstance("up")).map((c) => c.cacheKey)).toEqual([
          "down",
        ]);
        expect(await completions.consumersOfInstance("down")).toEqual([]);
      });

      it("completionsOf lists every completion of a pipeline, invalidated ones included", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { createdAt: 1 }));
        await completions.putCompletion(completion("k2", { createdAt: 2, step: "t" }));
        await completions.putCompletion(completion("k3", { createdAt: 3, pipeline: "elsewhere" }));
        await completions.invalidateCompletions("p", { cacheKeys: ["k2"] });
        const listed = (await completions.completionsOf("p")).sort(
          (a, b) => a.createdAt - b.createdAt,
        );
        expect(listed.map((c) => c.cacheKey)).toEqual(["k1", "k2"]);
        expect(listed[1]!.invalidatedAt).toBeGreaterThan(0);
        expect(await completions.completionsOf("nothing")).toEqual([]);
      });

      it("deleteCompletions forgets them; the latest falls back to the newest left", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { createdAt: 1 }));
        await completions.putCompletion(completion("k2", { createdAt: 2 }));
        await completions.putCompletion(completion("k3", { createdAt: 3, pipeline: "elsewhere" }));
        await completions.deleteCompletions(["k2", "unknown"]);
        expect(await completions.findCompletion("k2")).toBeUndefined();
        expect((await completions.latestCompletion("p", "s"))!.cacheKey).toBe("k1");
        await completions.deleteCompletions(["k1"]);
        expect(await completions.findCompletion("k1")).toBeUndefined();
        expect(await completions.latestCompletion("p", "s")).toBeUndefined();
        expect((await completions.latestCompletion("elsewhere", "s"))!.cacheKey).toBe("k3");
        await completions.deleteCompletions([]);
      });

      it("invalidateCompletions marks by key and by instance within one pipeline, counts each once, keeps them readable", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { createdAt: 1 }));
        await completions.putCompletion(
          completion("k2", { createdAt: 2, step: "t", identity: "t@0" }),
        );
        await completions.putCompletion(
          completion("k3", { createdAt: 3, step: "t", identity: "t@0" }),
        );
        await completions.putCompletion(
          completion("k4", { createdAt: 4, step: "t", identity: "t@1" }),
        );
        await completions.putCompletion(
          completion("k5", { createdAt: 5, pipeline: "elsewhere", step: "t", identity: "t@0" }),
        );
        const count = await completions.invalidateCompletions("p", {
          cacheKeys: ["k1", "k2", "unknown"],
          instances: [{ step: "t", identity: "t@0" }],
        });
        expect(count).toBe(3); // k1, k2, k3; k2 matched twice but counts once
        for (const key of ["k1", "k2", "k3"]) {
          const found = await completions.findCompletion(key);
          expect(found).toMatchObject({ cacheKey: key });
          expect(typeof found!.invalidatedAt).toBe("number");
        }
        expect((await completions.findCompletion("k4"))!.invalidatedAt).toBeUndefined();
        expect((await completions.findCompletion("k5"))!.invalidatedAt).toBeUndefined();
        // Invalidated completions still count for "latest", so the planner can say `reset`.
        const latest = await completions.latestCompletion("p", "s");
        expect(latest!.cacheKey).toBe("k1");
        expect(typeof latest!.invalidatedAt).toBe("number");
        // Invalidating again counts nothing new.
        expect(await completions.invalidateCompletions("p", { cacheKeys: ["k1"] })).toBe(0);
        expect(await completions.invalidateCompletions("p", {})).toBe(0);
      });

      it("a completion stored again under an invalidated key is valid again", async () => {
        const { completions } = await fresh();
        await completions.putCompletion(completion("k1", { createdAt: 1 }));
        expect(await completions.invalidateCompletions("p", { cacheKeys: ["k1"] })).toBe(1);
        await completions.putCompletion(completion("k1", { createdAt: 2, runId: "r2" }));
        const found = await completions.findCompletion("k1");
        expect(found).toEqual(completion("k1", { createdAt: 2, runId: "r2" }));
        expect(found!.invalidatedAt).toBeUndefined();
      });
    });
  });
}
