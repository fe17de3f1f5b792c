// How a run executes: data flow, ordering, parallelism, failures, retries, timeouts, cancellation,
// conditions, fallbacks, events, scale and the shape of the result. Imports the package as users do.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, SluiceError, step, type AnyStep, type SluiceEvent } from "sluice";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A body that never settles on its own: it rejects with the signal's reason once aborted. */
function untilAborted(signal: AbortSignal, onAbort: () => void = () => undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the signal was never aborted")), 10_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      onAbort();
      reject(signal.reason);
    });
  });
}

describe("running a pipeline", () => {
  it("passes data along: typed object inputs, .out(field), and name-based multi-outputs", async () => {
    const load = step("load", { run: () => ({ X: [1, 2, 3], y: [0, 1, 0] }) });
    const sum = step("sum", {
      inputs: { xs: load.out("X"), ys: load.out("y") },
      run: ({ xs, ys }) => xs.reduce((a, b) => a + b, 0) * 10 + ys.length,
    });
    const whole = step("whole", { inputs: { load }, run: ({ load }) => Object.keys(load).sort() });
    const split = step("split", {
      outputs: ["left", "right"],
      run: () => ({ left: [1], right: [2, 3] }),
    });
    const join = step("join", {
      inputs: ["left", "right"],
      run: ({ left, right }) => [...(left as number[]), ...(right as number[])],
    });
    const onlyRight = step("onlyRight", {
      inputs: ["right"],
      run: ({ right }) => (right as number[]).length,
    });
    const result = await pipeline("p", { steps: [sum, whole, split, join, onlyRight] }).run({
      stores: memoryStores(),
    });
    expect(result.success).toBe(true);
    expect(result.outputs.sum).toBe(63);
    expect(result.outputs.whole).toEqual(["X", "y"]);
    expect(result.outputs.split).toEqual({ left: [1], right: [2, 3] });
    expect(result.outputs.join).toEqual([1, 2, 3]);
    expect(result.outputs.onlyRight).toBe(2);
    expect(result.steps.sum).toMatchObject({
      status: "succeeded",
      reason: "missing-output",
      attempts: 1,
      cached: false,
    });
  });

  it("a single declared output name is the whole return value", async () => {
    const train = step("train", { outputs: ["model"], run: () => ({ weights: [1, 2] }) });
    const score = step("score", {
      inputs: ["model"],
      run: ({ model }) => (model as { weights: number[] }).weights.length,
    });
    const result = await pipeline("p", { steps: [train, score] }).run({ stores: memoryStores() });
    expect(result.outputs.score).toBe(2);
  });

  it("runs `after` dependencies first although no data flows", async () => {
    const order: string[] = [];
    const first = step("first", {
      run: async () => {
        await sleep(10);
        order.push("first");
      },
    });
    const second = step("second", { after: [first], run: () => void order.push("second") });
    const third = step("third", { after: [second], run: () => void order.push("third") });
    const result = await pipeline("p", { steps: [third] }).run({ stores: memoryStores() });
    expect(result.success).toBe(true);
    expect(order).toEqual(["first", "second", "third"]);
  });

  it("runs independent steps in parallel, never more than `concurrency`", async () => {
    let running = 0;
    let peak = 0;
    let calls = 0;
    const body = async () => {
      calls++;
      running++;
      peak = Math.max(peak, running);
      await sleep(15);
      running--;
      return 1;
    };
    const steps = Array.from({ length: 6 }, (_, i) => step(`s${i}`, { run: body }));

    const limited = await pipeline("p", { steps, concurrency: 2 }).run({ stores: memoryStores() });
    expect(limited.summary().ran).toHaveLength(6);
    expect(calls).toBe(6);
    expect(peak).toBe(2);

    running = 0;
    peak = 0;
    await pipeline("p", { steps, concurrency: 6 }).run({ stores: memoryStores(), concurrency: 2 });
    expect(peak).toBe(2); // the run option wins over the pipeline's

    running = 0;
    peak = 0;
    await pipeline("p", { steps }).run({ stores: memoryStores() });
    expect(peak).toBe(6); // all independent: all at once under the default limit
  });

  it("with targets runs only those steps and their upstream", async () => {
    const calls: string[] = [];
    const a = step("a", { run: () => (calls.push("a"), 1) });
    const b = step("b", { inputs: { a }, run: ({ a }) => (calls.push("b"), a + 1) });
    const c = step("c", { inputs: { a }, run: ({ a }) => (calls.push("c"), a + 2) });
    const d = step("d", { inputs: { b, c }, run: ({ b, c }) => (calls.push("d"), b + c) });
    const unrelated = step("unrelated", { run: () => (calls.push("unrelated"), 0) });
    const result = await pipeline("p", { steps: [d, unrelated] }).run({
      stores: memoryStores(),
      targets: ["b"],
    });
    expect(result.success).toBe(true);
    expect(Object.keys(result.steps).sort()).toEqual(["a", "b"]);
    expect(calls.sort()).toEqual(["a", "b"]);
    expect(result.outputs.b).toBe(2);
    expect(result.outputs).not.toHaveProperty("d");
  });

  it("skips what depends on a failure, finishes independent branches, and records it", async () => {
    const stores = memoryStores();
    const root = step("root", { run: () => 1 });
    const bad = step("bad", {
      inputs: { root },
      run: (): number => {
        throw new Error("boom");
      },
    });
    const downstream = step("downstream", { inputs: { bad }, run: ({ bad }) => bad });
    const further = step("further", {
      inputs: { downstream },
      run: ({ downstream }) => downstream,
    });
    const ordered = step("ordered", { after: [bad], run: () => "never" });
    let independentRan = 0;
    const independent = step("independent", {
      inputs: { root },
      run: ({ root }) => (independentRan++, root + 1),
    });
    const result = await pipeline("p", { steps: [further, ordered, independent] }).run({ stores });

    expect(result.success).toBe(false);
    expect(result.status).toBe("failed");
    expect(result.steps.bad).toMatchObject({ status: "failed", attempts: 1 });
    expect(result.steps.bad.error).toMatchObject({ code: "step-failed", message: "boom" });
    expect(result.steps.bad.error!.stack).toEqual(expect.stringContaining("boom"));
    expect(result.steps.downstream).toMatchObject({
      status: "skipped",
      reason: "upstream-failed",
      attempts: 0,
    });
    expect(result.steps.further).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(result.steps.ordered).toMatchObject({ status: "skipped", reason: "upstream-failed" });
    expect(result.steps.independent.status).toBe("succeeded");
    expect(independentRan).toBe(1);
    expect(result.outputs.independent).toBe(2);
    expect(result.firstFailure).toMatchObject({
      step: "bad",
      error: { code: "step-failed", message: "boom" },
    });

    // What the store holds agrees with the result.
    const stored = (await stores.runs.getRun(result.runId))!;
    expect(stored.run).toMatchObject({
      status: "failed",
      pipeline: "p",
      error: { message: "boom" },
    });
    const byName = Object.fromEntries(stored.steps.map((s) => [s.step, `${s.status}:${s.reason}`]));
    expect(byName).toMatchObject({
      root: "succeeded:missing-output",
      bad: "failed:missing-output",
      downstream: "skipped:upstream-failed",
      independent: "succeeded:missing-output",
    });
  });

  it("keeps a SluiceError thrown by a body, with its own code", async () => {
    const picky = step("picky", {
      run: () => {
        throw new SluiceError("output-invalid", 'step "picky": the rows have no "id" column.');
      },
    });
    const result = await pipeline("p", { steps: [picky] }).run({ stores: memoryStores() });
    expect(result.steps.picky.error).toMatchObject({
      code: "output-invalid",
      message: expect.stringContaining('no "id" column'),
    });
  });

  it("retries a failing body and counts attempts", async () => {
    let calls = 0;
    const attemptsSeen: number[] = [];
    const flaky = step("flaky", {
      retry: { attempts: 3, delayMs: 1 },
      run: (_args, ctx) => {
        calls++;
        attemptsSeen.push(ctx.attempt);
        if (calls < 3) throw new Error(`fail ${calls}`);
        return "ok";
      },
    });
    const events: SluiceEvent[] = [];
    const result = await pipeline("p", { steps: [flaky] }).run({
      stores: memoryStores(),
      onEvent: (e) => events.push(e),
    });
    expect(result.success).toBe(true);
    expect(result.steps.flaky).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(result.outputs.flaky).toBe("ok");
    expect(calls).toBe(3);
    expect(attemptsSeen).toEqual([1, 2, 3]);
    const retries = events.filter(
      (e): e is Extract<SluiceEvent, { type: "step:retry" }> => e.type === "step:retry",
    );
    expect(retries.map((e) => [e.attempt, e.error.message])).toEqual([
      [1, "fail 1"],
      [2, "fail 2"],
    ]);
  });

  it("fails after the last attempt of a body that always fails", async () => {
    let always = 0;
    const broken = step("broken", {
      retry: { attempts: 3, delayMs: 1 },
      run: () => {
        always++;
        throw new Error(`always ${always}`);
      },
    });
    const result = await pipeline("q", { steps: [broken] }).run({ stores: memoryStores() });
    expect(result.status).toBe("failed");
    expect(result.steps.broken).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { message: "always 3" },
    });
    expect(always).toBe(3);
    // `retry: 3` is the short form of the same thing.
    let short = 0;
    const shortForm = step("short", {
      retry: 3,
      run: () => {
        short++;
        throw new Error("no");
      },
    });
    expect(
      (await pipeline("r", { steps: [shortForm] }).run({ stores: memoryStores() })).steps.short
        .attempts,
    ).toBe(3);
    expect(short).toBe(3);
  });

  it("does not retry an output that can never be stored", async () => {
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

  it("times out an attempt with step-timeout and aborts its signal", async () => {
    let aborted = false;
    let signalReason: unknown;
    const slow = step("slow", {
      timeoutMs: 20,
      run: (_args, ctx) =>
        untilAborted(ctx.signal, () => {
          aborted = true;
          signalReason = ctx.signal.reason;
        }),
    });
    const after = step("after", { inputs: { slow }, run: () => "never" });
    const result = await pipeline("p", { steps: [after] }).run({ stores: memoryStores() });
    expect(result.status).toBe("failed");
    expect(result.steps.slow).toMatchObject({ status: "failed", attempts: 1 });
    expect(result.steps.slow.error!.code).toBe("step-timeout");
    expect(result.steps.slow.error!.message).toContain("slow");
    expect(aborted).toBe(true);
    expect(signalReason).toMatchObject({ code: "step-timeout" });
    expect(result.steps.after).toMatchObject({ status: "skipped", reason: "upstream-failed" });
  });

  it("cancels through the signal: the running step is aborted, steps not started are cancelled", async () => {
    const stores = memoryStores();
    const controller = new AbortController();
    const started: string[] = [];
    const aborted: string[] = [];
    // Both roots behave alike; with concurrency 1 only one of them can start before the cancel.
    const body = (name: string) => (_args: unknown, ctx: { signal: AbortSignal }) => {
      started.push(name);
      setTimeout(() => controller.abort(), 10);
      return untilAborted(ctx.signal, () => aborted.push(name));
    };
    const wait = step("wait", { run: body("wait") });
    const other = step("other", { run: body("other") });
    const next = step("next", { inputs: { wait }, run: () => started.push("next") });
    const result = await pipeline("p", { steps: [next, other], concurrency: 1 }).run({
      stores,
      signal: controller.signal,
    });

    expect(result.status).toBe("cancelled");
    expect(result.success).toBe(false);
    expect(started).toHaveLength(1);
    expect(aborted).toEqual(started);
    const first = started[0]!;
    expect(result.steps[first]).toMatchObject({ status: "cancelled", attempts: 1 });
    for (const name of ["wait", "other", "next"].filter((n) => n !== first)) {
      expect(result.steps[name]).toMatchObject({
        status: "cancelled",
        reason: "cancelled",
        attempts: 0,
      });
    }
    expect(result.summary().cancelled.sort()).toEqual(["next", "other", "wait"]);
    const stored = (await stores.runs.getRun(result.runId))!;
    expect(stored.run.status).toBe("cancelled");
    expect(stored.steps.every((s) => s.status === "cancelled")).toBe(true);
  });

  it("a signal aborted before the run starts runs nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    let ran = 0;
    const a = step("a", { run: () => ran++ });
    const result = await pipeline("p", { steps: [a] }).run({
      stores: memoryStores(),
      signal: controller.signal,
    });
    expect(result.status).toBe("cancelled");
    expect(result.steps.a.status).toBe("cancelled");
    expect(ran).toBe(0);
  });

  it("skips a step whose `when` is false, and its data consumers, but not `after` followers", async () => {
    let statsRan = 0;
    let reportRan = 0;
    const data = step("data", { run: () => [] as number[] });
    const stats = step("stats", {
      inputs: { rows: data },
      when: ({ rows }) => rows.length > 0,
      run: ({ rows }) => (statsRan++, rows.length),
    });
    const report = step("report", { inputs: { stats }, run: ({ stats }) => (reportRan++, stats) });
    const final = step("final", { inputs: { report }, run: ({ report }) => report });
    const cleanup = step("cleanup", { after: [stats], run: () => "done" });
    const result = await pipeline("p", { steps: [final, cleanup] }).run({ stores: memoryStores() });
    expect(result.success).toBe(true);
    expect(result.status).toBe("succeeded");
    expect(result.steps.stats).toMatchObject({
      status: "skipped",
      reason: "condition-false",
      attempts: 0,
    });
    expect(result.steps.report).toMatchObject({ status: "skipped", reason: "condition-false" });
    expect(result.steps.final).toMatchObject({ status: "skipped", reason: "condition-false" });
    expect(result.steps.cleanup.status).toBe("succeeded");
    expect(statsRan).toBe(0);
    expect(reportRan).toBe(0);
    expect(result.outputs).not.toHaveProperty("stats");
  });

  it("`when` sees inputs and params; true runs the step", async () => {
    const data = step("data", { run: () => [1, 2] });
    const stats = step("stats", {
      params: { min: z.number().default(1) },
      inputs: { rows: data },
      when: ({ rows, params }) => rows.length >= params.min,
      run: ({ rows }) => rows.length,
    });
    const p = pipeline("p", { steps: [stats] });
    expect((await p.run({ stores: memoryStores() })).steps.stats.status).toBe("succeeded");
    expect((await p.run({ stores: memoryStores(), params: { min: 5 } })).steps.stats).toMatchObject(
      { status: "skipped", reason: "condition-false" },
    );
  });

  it("uses the onFailure fallback after the last attempt; fallbacks are not cached", async () => {
    const stores = memoryStores();
    let calls = 0;
    let consumerSaw: unknown;
    const stats = step("stats", {
      retry: { attempts: 2, delayMs: 1 },
      onFailure: (_args, error) => ({ mean: 0, why: error.message }),
      run: (): { mean: number; why: string } => {
        calls++;
        throw new Error("no data");
      },
    });
    const report = step("report", {
      inputs: { stats },
      run: ({ stats }) => ((consumerSaw = stats), `mean ${stats.mean}`),
    });
    const p = pipeline("p", { steps: [report] });
    const result = await p.run({ stores });
    expect(result.success).toBe(true);
    expect(result.steps.stats).toMatchObject({
      status: "succeeded",
      fallback: true,
      attempts: 2,
      error: { message: "no data" },
    });
    expect(result.outputs.stats).toEqual({ mean: 0, why: "no data" });
    expect(consumerSaw).toEqual({ mean: 0, why: "no data" });
    expect(result.outputs.report).toBe("mean 0");
    expect(calls).toBe(2);

    expect((await p.preview({ stores })).steps.find((s) => s.name === "stats")).toMatchObject({
      status: "pending",
      reason: "missing-output",
    });
    const again = await p.run({ stores });
    expect(again.steps.stats).toMatchObject({
      status: "succeeded",
      fallback: true,
      cached: false,
      reason: "missing-output",
    });
    expect(calls).toBe(4);
  });

  it("a fallback that throws fails the step", async () => {
    const s = step("s", {
      onFailure: () => {
        throw new Error("fallback broke");
      },
      run: (): number => {
        throw new Error("body broke");
      },
    });
    const result = await pipeline("p", { steps: [s] }).run({ stores: memoryStores() });
    expect(result.steps.s.status).toBe("failed");
    expect(result.steps.s.error!.message).toContain("fallback broke");
  });

  it("emits events in order, with step logs attributed to their step and stored", async () => {
    const stores = memoryStores();
    const a = step("a", { run: (_args, ctx) => (ctx.log("from a"), 1) });
    const b = step("b", {
      inputs: { a },
      run: ({ a }, ctx) => (ctx.log.warn("from b", { a }), a + 1),
    });
    const events: SluiceEvent[] = [];
    const result = await pipeline("p", { steps: [b] }).run({
      stores,
      onEvent: (event) => events.push(event),
    });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run:start");
    expect(types.at(-1)).toBe("run:end");
    expect(types.filter((t) => t === "run:start" || t === "run:end")).toHaveLength(2);
    const index = (type: string, name: string) =>
      events.findIndex((e) => e.type === type && "step" in e && e.step === name);
    for (const name of ["a", "b"]) {
      expect(index("step:start", name)).toBeGreaterThan(0);
      expect(index("step:end", name)).toBeGreaterThan(index("step:start", name));
    }
    expect(index("step:end", "a")).toBeLessThan(index("step:start", "b"));
    const logA = events.findIndex((e) => e.type === "step:log" && e.step === "a");
    expect(logA).toBeGreaterThan(index("step:start", "a"));
    expect(logA).toBeLessThan(index("step:end", "a"));

    const logs = events.filter(
      (e): e is Extract<SluiceEvent, { type: "step:log" }> => e.type === "step:log",
    );
    expect(logs.map((l) => [l.step, l.level, l.message])).toEqual([
      ["a", "info", "from a"],
      ["b", "warn", "from b"],
    ]);
    expect(logs[1]!.data).toEqual({ a: 1 });
    const end = events.at(-1) as Extract<SluiceEvent, { type: "run:end" }>;
    expect(end.result.runId).toBe(result.runId);
    expect((await stores.runs.readLogs(result.runId)).map((l) => [l.step, l.message])).toEqual([
      ["a", "from a"],
      ["b", "from b"],
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

  it("summary() names what was complete, ran, cached, skipped and failed", async () => {
    const stores = memoryStores();
    const fixed = step("fixed", { run: () => "same" });
    const source = step("source", { cache: false, run: () => 42 });
    const reuse = step("reuse", { inputs: { source }, run: ({ source }) => source + 1 });
    const bad = step("bad", {
      run: (): number => {
        throw new Error("bad");
      },
    });
    const afterBad = step("afterBad", { inputs: { bad }, run: ({ bad }) => bad });
    const off = step("off", { when: () => false, run: () => 1 });
    const p = pipeline("p", { steps: [fixed, reuse, afterBad, off] });
    const first = await p.run({ stores });
    expect(first.summary()).toEqual({
      scheduled: expect.arrayContaining(["fixed", "source", "reuse", "bad", "afterBad", "off"]),
      complete: [],
      ran: expect.arrayContaining(["fixed", "source", "reuse"]),
      cached: [],
      skipped: expect.arrayContaining(["afterBad", "off"]),
      failed: ["bad"],
      cancelled: [],
    });
    const second = (await p.run({ stores })).summary();
    expect(second.scheduled).toHaveLength(6);
    expect(second.complete).toEqual(["fixed"]);
    expect(second.ran).toEqual(["source"]);
    expect(second.cached).toEqual(["reuse"]);
    expect(second.skipped.sort()).toEqual(["afterBad", "off"]);
    expect(second.failed).toEqual(["bad"]);
    expect(second.cancelled).toEqual([]);
  });

  it("toJSON() is serializable, with outputs inline and every step's status, reason, attempts, duration and cached", async () => {
    const a = step("a", { run: () => ({ n: 1, missing: NaN, label: "x" }) });
    const b = step("b", { inputs: { a }, run: ({ a }) => [a.n, 2] });
    const bad = step("bad", {
      run: (): number => {
        throw new Error("nope");
      },
    });
    const result = await pipeline("p", { steps: [b, bad] }).run({ stores: memoryStores() });
    const text = JSON.stringify(result);
    const json = JSON.parse(text);
    expect(json).toMatchObject({
      runId: result.runId,
      success: false,
      status: "failed",
      pipeline: "p",
    });
    expect(typeof json.durationMs).toBe("number");
    expect(json.outputs.a).toEqual({ n: 1, missing: { $sluice: "nan" }, label: "x" });
    expect(json.outputs.b).toEqual([1, 2]);
    expect(json.outputs).not.toHaveProperty("bad");
    for (const name of ["a", "b"]) {
      expect(json.steps[name]).toMatchObject({
        status: "succeeded",
        reason: "missing-output",
        attempts: 1,
        cached: false,
      });
      expect(typeof json.steps[name].durationMs).toBe("number");
    }
    expect(json.steps.bad).toMatchObject({
      status: "failed",
      attempts: 1,
      cached: false,
      error: { code: "step-failed", message: "nope" },
    });
    expect(json.firstFailure).toMatchObject({ step: "bad", error: { message: "nope" } });
    expect(json.summary).toMatchObject({
      failed: ["bad"],
      ran: expect.arrayContaining(["a", "b"]),
    });
  });

  it("rejects invalid params before running anything", async () => {
    let ran = false;
    const a = step("a", { params: { n: z.number() }, run: () => (ran = true) });
    await expect(
      pipeline("p", { steps: [a] }).run({ stores: memoryStores(), params: { n: "x" } }),
    ).rejects.toMatchObject({ code: "invalid-param" });
    expect(ran).toBe(false);
  });
});

describe("error and log sizes", () => {
  it("keeps the head and tail of a huge error message and log line, and never more than a bounded size", async () => {
    const huge = `HEAD${"x".repeat(5_000_000)}TAIL`;
    const noisy = step("noisy", {
      run: (_args, ctx) => {
        ctx.log(huge);
        throw new Error(huge);
      },
    });
    const stores = memoryStores();
    const result = await pipeline("sizes", { steps: [noisy] }).run({ stores });
    const { message, stack } = result.firstFailure!.error;
    expect(message.length).toBeLessThan(20_000);
    expect(message.startsWith("HEADxxx")).toBe(true);
    expect(message.endsWith("xxxTAIL")).toBe(true);
    expect(message).toContain("characters left out");
    expect(stack!.length).toBeLessThan(20_000);
    const logs = await stores.runs.readLogs(result.runId);
    const line = logs.find((log) => log.message.startsWith("HEAD"))!;
    expect(line.message.length).toBeLessThan(70_000);
    expect(line.message.endsWith("TAIL")).toBe(true);
    const stored = (await stores.runs.getRun(result.runId))!;
    expect(stored.run.error!.message.length).toBeLessThan(20_000);
  });
});
