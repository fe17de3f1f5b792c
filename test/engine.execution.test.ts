import { describe, expect, it } from "vitest";
import { memoryStores, pipeline, step, type AnyStep, type SluiceEvent } from "sluice";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("running a pipeline", () => {
  it("passes data along typed, field and name-based wiring", async () => {
    const load = step("load", { run: () => ({ X: [1, 2, 3], y: [0, 1, 0] }) });
    const sum = step("sum", { inputs: { xs: load.out("X") }, run: ({ xs }) => xs.reduce((a, b) => a + b, 0) });
    const split = step("split", { outputs: ["left", "right"], run: () => ({ left: [1], right: [2, 3] }) });
    const join = step("join", { inputs: ["left", "right"], run: ({ left, right }) => [...left, ...right] });
    const result = await pipeline("p", { steps: [sum, split, join] }).run({ stores: memoryStores() });
    expect(result.success).toBe(true);
    expect(result.outputs.sum).toBe(6);
    expect(result.outputs.join).toEqual([1, 2, 3]);
    expect(result.steps.sum).toMatchObject({ status: "succeeded", reason: "missing-output", attempts: 1, cached: false });
  });

  it("runs `after` dependencies first", async () => {
    const order: string[] = [];
    const first = step("first", { run: async () => void (await sleep(5), order.push("first")) });
    const second = step("second", { after: [first], run: () => void order.push("second") });
    await pipeline("p", { steps: [second] }).run({ stores: memoryStores() });
    expect(order).toEqual(["first", "second"]);
  });

  it("runs independent steps in parallel, never more than `concurrency`", async () => {
    let running = 0;
    let peak = 0;
    const body = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(15);
      running--;
      return 1;
    };
    const steps = Array.from({ length: 6 }, (_, i) => step(`s${i}`, { run: body }));
    await pipeline("p", { steps, concurrency: 2 }).run({ stores: memoryStores() });
    expect(peak).toBe(2);
    running = 0;
    peak = 0;
    await pipeline("p", { steps }).run({ stores: memoryStores(), concurrency: 6 });
    expect(peak).toBe(6);
  });

  it("with targets runs only those steps and what they need", async () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { inputs: { a }, run: ({ a }) => a + 1 });
    const c = step("c", { inputs: { a }, run: ({ a }) => a + 2 });
    const result = await pipeline("p", { steps: [b, c] }).run({ stores: memoryStores(), targets: ["b"] });
    expect(Object.keys(result.steps).sort()).toEqual(["a", "b"]);
  });

  it("skips what depends on a failure and finishes independent branches", async () => {
    const root = step("root", { run: () => 1 });
    const bad = step("bad", {
      inputs: { root },
      run: (): number => {
        throw new Error("boom");
      },
    });
    const downstream = step("downstream", { inputs: { bad }, run: ({ bad }) => bad });
    const further = step("further", { inputs: { downstream }, run: ({ downstream }) => downstream });
    const independent = step("independent", { inputs: { root }, run: ({ root }) => root + 1 });
    const result = await pipeline("p", { steps: [further, independent] }).run({ stores: memoryStores() });
    expect(result.success).toBe(false);
    expect(result.status).toBe("failed");
    expect(result.steps.bad.status).toBe("failed");
    expect(result.steps.bad.error).toMatchObject({ code: "step-failed", message: "boom" });
    expect(result.steps.bad.error!.stack).toContain("boom");
    expect(result.steps.downstream).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(result.steps.further).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(result.steps.independent.status).toBe("succeeded");
    expect(result.firstFailure).toMatchObject({ step: "bad", error: { message: "boom" } });
    expect(result.summary()).toMatchObject({ failed: ["bad"], skipped: expect.arrayContaining(["downstream", "further"]) });
  });

  it("retries with backoff and counts attempts", async () => {
    let calls = 0;
    const flaky = step("flaky", {
      retry: { attempts: 3, delayMs: 1 },
      run: (_args, ctx) => {
        calls++;
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
        return "ok";
      },
    });
    const events: SluiceEvent[] = [];
    const result = await pipeline("p", { steps: [flaky] }).run({ stores: memoryStores(), onEvent: (e) => events.push(e) });
    expect(result.steps.flaky).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(calls).toBe(3);
    expect(events.filter((e) => e.type === "step:retry").map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);

    let always = 0;
    const broken = step("broken", {
      retry: 3,
      run: () => {
        always++;
        throw new Error("always");
      },
    });
    const failed = await pipeline("q", { steps: [broken] }).run({ stores: memoryStores() });
    expect(failed.steps.broken).toMatchObject({ status: "failed", attempts: 3 });
    expect(always).toBe(3);
  });

  it("does not retry an output that cannot be stored", async () => {
    let calls = 0;
    const bad = step("bad", {
      retry: { attempts: 3, delayMs: 1 },
      run: () => {
        calls++;
        return { fn: () => 1 };
      },
    });
    const result = await pipeline("p", { steps: [bad] }).run({ stores: memoryStores() });
    expect(result.steps.bad.error!.code).toBe("unstorable-output");
    expect(calls).toBe(1);
  });

  it("times out an attempt and aborts its signal", async () => {
    let aborted = false;
    const slow = step("slow", {
      timeoutMs: 20,
      run: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("not aborted")), 10_000);
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        }),
    });
    const result = await pipeline("p", { steps: [slow] }).run({ stores: memoryStores() });
    expect(result.steps.slow.status).toBe("failed");
    expect(result.steps.slow.error!.code).toBe("step-timeout");
    expect(aborted).toBe(true);
  });

  it("cancels through the signal: running steps are aborted, the rest never start", async () => {
    const controller = new AbortController();
    let started = 0;
    let sawAbort = false;
    const wait = step("wait", {
      run: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          started++;
          setTimeout(() => controller.abort(), 10);
          ctx.signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(ctx.signal.reason);
          });
        }),
    });
    const next = step("next", { inputs: { wait }, run: () => started++ });
    const result = await pipeline("p", { steps: [next] }).run({ stores: memoryStores(), signal: controller.signal });
    expect(result.status).toBe("cancelled");
    expect(result.success).toBe(false);
    expect(sawAbort).toBe(true);
    expect(started).toBe(1);
    expect(result.steps.wait.status).toBe("cancelled");
    expect(result.steps.next).toMatchObject({ status: "cancelled", reason: "cancelled" });
  });

  it("skips a step whose `when` is false, and its consumers, but not `after` followers", async () => {
    const data = step("data", { run: () => [] as number[] });
    const stats = step("stats", { inputs: { rows: data }, when: ({ rows }) => rows.length > 0, run: ({ rows }) => rows.length });
    const report = step("report", { inputs: { stats }, run: ({ stats }) => stats });
    const cleanup = step("cleanup", { after: [stats], run: () => "done" });
    const result = await pipeline("p", { steps: [report, cleanup] }).run({ stores: memoryStores() });
    expect(result.success).toBe(true);
    expect(result.steps.stats).toMatchObject({ status: "skipped", reason: "condition-false", attempts: 0 });
    expect(result.steps.report).toMatchObject({ status: "skipped", reason: "condition-false" });
    expect(result.steps.cleanup.status).toBe("succeeded");
  });

  it("uses the onFailure fallback after the last attempt, and tries again next run", async () => {
    const stores = memoryStores();
    let calls = 0;
    const stats = step("stats", {
      retry: { attempts: 2, delayMs: 1 },
      onFailure: (_args, error) => ({ mean: 0, why: error.message }),
      run: (): { mean: number; why: string } => {
        calls++;
        throw new Error("no data");
      },
    });
    const p = pipeline("p", { steps: [stats] });
    const result = await p.run({ stores });
    expect(result.success).toBe(true);
    expect(result.steps.stats).toMatchObject({ status: "succeeded", fallback: true, attempts: 2, error: { message: "no data" } });
    expect(result.outputs.stats).toEqual({ mean: 0, why: "no data" });
    const again = await p.run({ stores });
    expect(again.steps.stats.reason).toBe("missing-output");
    expect(calls).toBe(4);
  });

  it("emits typed events in order, with step logs attributed to their step", async () => {
    const a = step("a", { run: (_args, ctx) => (ctx.log("from a"), 1) });
    const b = step("b", { inputs: { a }, run: ({ a }, ctx) => (ctx.log.warn("from b"), a + 1) });
    const events: SluiceEvent[] = [];
    await pipeline("p", { steps: [b] }).run({ stores: memoryStores(), onEvent: (event) => events.push(event) });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run:start");
    expect(types.at(-1)).toBe("run:end");
    for (const name of ["a", "b"]) {
      const start = events.findIndex((e) => e.type === "step:start" && e.step === name);
      const end = events.findIndex((e) => e.type === "step:end" && e.step === name);
      expect(start).toBeGreaterThan(0);
      expect(end).toBeGreaterThan(start);
    }
    const logs = events.filter((e): e is Extract<SluiceEvent, { type: "step:log" }> => e.type === "step:log");
    expect(logs.map((l) => [l.step, l.level, l.message])).toEqual([
      ["a", "info", "from a"],
      ["b", "warn", "from b"],
    ]);
  });

  it("runs a 10000-step chain without overflowing the stack", async () => {
    let last: AnyStep = step("s0", { run: () => 0 });
    for (let i = 1; i < 10_000; i++) {
      const up: AnyStep = last;
      last = step(`s${i}`, { inputs: { x: up }, run: ({ x }) => (x as number) + 1 });
    }
    const result = await pipeline("chain", { steps: [last] }).run({ stores: memoryStores() });
    expect(result.success).toBe(true);
    expect(result.outputs.s9999).toBe(9999);
    expect(result.summary().ran).toHaveLength(10_000);
  });

  it("gives a JSON result with outputs inline and tagged special values", async () => {
    const a = step("a", { run: () => ({ n: 1, missing: NaN }) });
    const result = await pipeline("p", { steps: [a] }).run({ stores: memoryStores() });
    const json = JSON.parse(JSON.stringify(result));
    expect(json).toMatchObject({ success: true, status: "succeeded", pipeline: "p" });
    expect(json.outputs.a).toEqual({ n: 1, missing: { $sluice: "nan" } });
    expect(json.steps.a).toMatchObject({ status: "succeeded", reason: "missing-output", attempts: 1, cached: false });
    expect(typeof json.steps.a.durationMs).toBe("number");
    expect(json.summary.ran).toEqual(["a"]);
  });

  it("rejects invalid params before running anything", async () => {
    const { z } = await import("zod");
    let ran = false;
    const a = step("a", { params: { n: z.number() }, run: () => (ran = true) });
    await expect(pipeline("p", { steps: [a] }).run({ stores: memoryStores(), params: { n: "x" } })).rejects.toMatchObject({ code: "invalid-param" });
    expect(ran).toBe(false);
  });
});
