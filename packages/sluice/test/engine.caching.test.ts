// Caching and "why it runs" (the README's "Why a step runs"): completion, identity,
// cache keys from code, params and input content, run-time re-checks, force, and faithful cached values.
// Each test shares one store across its runs; tests never share a store.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, step, type Pipeline } from "sluice";

function counted() {
  const calls: Record<string, number> = {};
  const hit = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  return { calls, hit };
}

/** load(rows) -> double -> total, and an independent `other(label)`. */
function build(hit: (name: string) => void): Pipeline {
  const load = step("load", {
    params: { rows: z.number().default(3) },
    run: ({ params }) => (hit("load"), Array.from({ length: params.rows }, (_, i) => i)),
  });
  const double = step("double", {
    inputs: { load },
    run: ({ load }) => (hit("double"), load.map((x) => x * 2)),
  });
  const other = step("other", {
    params: { label: z.string().default("x") },
    run: ({ params }) => (hit("other"), params.label),
  });
  const total = step("total", {
    inputs: { double },
    run: ({ double }) => (hit("total"), double.reduce((a, b) => a + b, 0)),
  });
  return pipeline("cache", { steps: [total, other] });
}

async function reasons(
  p: Pipeline,
  options: Parameters<Pipeline["preview"]>[0],
): Promise<Record<string, string>> {
  const preview = await p.preview(options);
  return Object.fromEntries(preview.steps.map((s) => [s.name, `${s.status}:${s.reason}`]));
}

describe("caching and why steps run", () => {
  it("a second run of an unchanged pipeline runs nothing", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    const first = await p.run({ stores });
    expect(first.summary().ran.sort()).toEqual(["double", "load", "other", "total"]);
    expect(await reasons(p, { stores })).toEqual({
      load: "complete:complete",
      double: "complete:complete",
      other: "complete:complete",
      total: "complete:complete",
    });
    const second = await p.run({ stores });
    expect(second.success).toBe(true);
    expect(second.summary().ran).toEqual([]);
    expect(second.summary().complete.sort()).toEqual(["double", "load", "other", "total"]);
    expect(
      Object.values(second.steps).every(
        (s) => s.status === "succeeded" && s.cached && s.reason === "complete" && s.attempts === 0,
      ),
    ).toBe(true);
    expect(second.outputs).toEqual(first.outputs);
    expect(calls).toEqual({ load: 1, double: 1, other: 1, total: 1 });
  });

  it("a changed parameter reruns the steps declaring it and their downstream only", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    expect(await reasons(p, { stores, params: { rows: 4 } })).toEqual({
      load: "pending:params-changed",
      double: "pending:upstream-changed",
      total: "pending:upstream-changed",
      other: "complete:complete",
    });
    const result = await p.run({ stores, params: { rows: 4 } });
    expect(result.summary().ran.sort()).toEqual(["double", "load", "total"]);
    expect(result.summary().complete).toEqual(["other"]);
    expect(result.steps.load.reason).toBe("params-changed");
    expect(calls).toEqual({ load: 2, double: 2, other: 1, total: 2 });
    expect(result.outputs.total).toBe(12);
    // The other branch's parameter works the same way and leaves the first branch alone.
    expect(await reasons(p, { stores, params: { rows: 4, label: "y" } })).toEqual({
      load: "complete:complete",
      double: "complete:complete",
      total: "complete:complete",
      other: "pending:params-changed",
    });
  });

  it("another parameter set is another instance: A, then B, then A again is complete", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    const a = await p.run({ stores, params: { rows: 2 } });
    const b = await p.run({ stores, params: { rows: 5 } });
    expect(b.outputs.total).toBe(20);
    expect(
      Object.values(await reasons(p, { stores, params: { rows: 2 } })).every(
        (r) => r === "complete:complete",
      ),
    ).toBe(true);
    const back = await p.run({ stores, params: { rows: 2 } });
    expect(back.summary().ran).toEqual([]);
    expect(back.summary().complete).toHaveLength(4);
    expect(back.outputs).toEqual(a.outputs);
    expect(back.outputs.total).toBe(2);
    expect(calls).toEqual({ load: 2, double: 2, other: 1, total: 2 });
    expect(back.steps.load.identity).toBe(a.steps.load.identity);
    expect(back.steps.load.identity).not.toBe(b.steps.load.identity);
  });

  it("a step body whose source changed says code-changed", async () => {
    const stores = memoryStores();
    const v1 = step("s", { run: () => 1 });
    const consumer1 = step("use", { inputs: { s: v1 }, run: ({ s }) => s + 1 });
    await pipeline("code", { steps: [consumer1] }).run({ stores });
    const v2 = step("s", { run: () => 1 + 0 });
    const consumer2 = step("use", { inputs: { s: v2 }, run: ({ s }) => s + 1 });
    const changed = pipeline("code", { steps: [consumer2] });
    expect(await reasons(changed, { stores })).toEqual({
      s: "pending:code-changed",
      use: "pending:upstream-changed",
    });
    // Same source again: complete.
    const same = pipeline("code", {
      steps: [step("use", { inputs: { s: step("s", { run: () => 1 }) }, run: ({ s }) => s + 1 })],
    });
    expect(await reasons(same, { stores })).toEqual({
      s: "complete:complete",
      use: "complete:complete",
    });
    // A changed body that produces the same value leaves its consumer to be reused at run time.
    const result = await changed.run({ stores });
    expect(result.steps.s).toMatchObject({
      status: "succeeded",
      cached: false,
      reason: "code-changed",
    });
    expect(result.steps.use).toMatchObject({ status: "succeeded", cached: true });
  });

  it("a version bump says code-changed", async () => {
    const stores = memoryStores();
    let calls = 0;
    const body = () => (calls++, 1);
    await pipeline("code", { steps: [step("s", { run: body })] }).run({ stores });
    const bumped = pipeline("code", { steps: [step("s", { version: "2", run: body })] });
    expect(await reasons(bumped, { stores })).toEqual({ s: "pending:code-changed" });
    const result = await bumped.run({ stores });
    expect(result.steps.s).toMatchObject({ reason: "code-changed", cached: false });
    expect(calls).toBe(2);
    expect(await reasons(bumped, { stores })).toEqual({ s: "complete:complete" });
  });

  it("reuses a consumer whose upstream reran but produced the same output", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    expect(await reasons(p, { stores, force: ["load"] })).toEqual({
      load: "pending:forced",
      double: "pending:upstream-changed",
      total: "pending:upstream-changed",
      other: "complete:complete",
    });
    const result = await p.run({ stores, force: ["load"] });
    expect(result.success).toBe(true);
    expect(result.steps.load).toMatchObject({
      status: "succeeded",
      reason: "forced",
      cached: false,
      attempts: 1,
    });
    expect(result.steps.double).toMatchObject({ status: "succeeded", cached: true, attempts: 0 });
    expect(result.steps.total).toMatchObject({ status: "succeeded", cached: true, attempts: 0 });
    expect(result.summary().ran).toEqual(["load"]);
    expect(result.summary().cached.sort()).toEqual(["double", "total"]);
    expect(calls).toEqual({ load: 2, double: 1, other: 1, total: 1 });
    expect(result.outputs.double).toEqual([0, 2, 4]);
    expect(result.outputs.total).toBe(6);
  });

  it("reruns a consumer whose upstream produced different output", async () => {
    const stores = memoryStores();
    let value = 1;
    let consumerCalls = 0;
    const source = step("source", { run: () => value });
    const consumer = step("consumer", {
      inputs: { source },
      run: ({ source }) => (consumerCalls++, source * 10),
    });
    const p = pipeline("data", { steps: [consumer] });
    await p.run({ stores });
    value = 2;
    const changed = await p.run({ stores, force: ["source"] });
    expect(changed.steps.consumer).toMatchObject({
      status: "succeeded",
      cached: false,
      attempts: 1,
    });
    expect(changed.summary().ran.sort()).toEqual(["consumer", "source"]);
    expect(changed.outputs.consumer).toBe(20);
    expect(consumerCalls).toBe(2);
    // Back to the first value: the first consumer output is still there for that input content.
    value = 1;
    const back = await p.run({ stores, force: ["source"] });
    expect(back.steps.consumer.cached).toBe(true);
    expect(back.outputs.consumer).toBe(10);
    expect(consumerCalls).toBe(2);
  });

  it("forceAll reruns everything with reason forced", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    expect(
      Object.values(await reasons(p, { stores, forceAll: true })).every(
        (r) => r === "pending:forced",
      ),
    ).toBe(true);
    const result = await p.run({ stores, forceAll: true });
    expect(
      Object.values(result.steps).every(
        (s) => s.status === "succeeded" && s.reason === "forced" && !s.cached && s.attempts === 1,
      ),
    ).toBe(true);
    expect(result.summary().ran).toHaveLength(4);
    expect(calls).toEqual({ load: 2, double: 2, other: 2, total: 2 });
  });

  it("a step with cache: false always runs", async () => {
    const stores = memoryStores();
    let calls = 0;
    const now = step("now", { cache: false, run: () => (calls++, "tick") });
    const p = pipeline("uncached", { steps: [now] });
    for (let i = 0; i < 3; i++) {
      const result = await p.run({ stores });
      expect(result.steps.now).toMatchObject({ status: "succeeded", cached: false, attempts: 1 });
      expect(result.summary().ran).toEqual(["now"]);
    }
    expect(calls).toBe(3);
    expect((await p.preview({ stores })).steps[0]!.status).toBe("pending");
  });

  it("a cache hit returns a value equal to the fresh one (Dates, NaN, Map, Set, nested arrays)", async () => {
    const stores = memoryStores();
    const make = () => ({
      when: new Date("2026-11-22T00:00:00.123Z"),
      nan: NaN,
      inf: -Infinity,
      map: new Map<string, unknown>([
        ["a", [1, [2, 3]]],
        ["b", new Date(0)],
      ]),
      set: new Set([1, 2]),
      nested: [[1], [2, [3, [NaN]]], []],
      big: 12345678901234567890n,
      sparse: [1, undefined, 3],
      tagLike: { $sluice: "date", v: "not a tag" },
    });
    let consumerSaw: unknown;
    const value = step("value", { run: make });
    const use = step("use", {
      cache: false,
      inputs: { value },
      run: ({ value }) => ((consumerSaw = value), value.map.size),
    });
    const p = pipeline("equal", { steps: [use] });
    const fresh = await p.run({ stores });
    const cached = await p.run({ stores });
    expect(cached.steps.value).toMatchObject({ cached: true, reason: "complete" });
    expect(cached.outputs.value).toEqual(fresh.outputs.value);
    expect(cached.outputs.value).toEqual(make());
    const decoded = cached.outputs.value as ReturnType<typeof make>;
    expect(decoded.when).toBeInstanceOf(Date);
    expect(decoded.map).toBeInstanceOf(Map);
    expect(decoded.set).toBeInstanceOf(Set);
    // The consumer of a cached output gets the decoded value too.
    expect(consumerSaw).toEqual(make());
    expect(cached.outputs.use).toBe(2);
  });

  it("refuses a class instance, naming the step, unless the step declares a serializer", async () => {
    class Model {
      constructor(readonly weights: number[]) {}
      predict(x: number) {
        return this.weights.reduce((a, w) => a + w * x, 0);
      }
    }
    const stores = memoryStores();
    const plain = step("plain", { run: () => ({ model: new Model([1]) }) });
    const refused = await pipeline("m1", { steps: [plain] }).run({ stores });
    expect(refused.success).toBe(false);
    expect(refused.steps.plain.status).toBe("failed");
    expect(refused.steps.plain.error).toMatchObject({ code: "unstorable-output" });
    expect(refused.steps.plain.error!.message).toContain('step "plain"');
    expect(refused.steps.plain.error!.message).toContain("Model");

    let trained = 0;
    const train = step("train", {
      serializer: { encode: (m: Model) => m.weights, decode: (w) => new Model(w as number[]) },
      run: () => (trained++, new Model([2, 3])),
    });
    let received: unknown;
    const predict = step("predict", {
      params: { x: z.number().default(1) },
      inputs: { model: train },
      run: ({ model, params }) => ((received = model), model.predict(params.x)),
    });
    const p = pipeline("m2", { steps: [predict] });
    expect((await p.run({ stores })).outputs.predict).toBe(5);
    const again = await p.run({ stores, params: { x: 2 } });
    expect(again.steps.train).toMatchObject({ status: "succeeded", cached: true });
    expect(again.steps.predict).toMatchObject({ cached: false, reason: "params-changed" });
    expect(received).toBeInstanceOf(Model);
    expect(again.outputs.predict).toBe(10);
    expect(again.outputs.train).toBeInstanceOf(Model);
    expect(trained).toBe(1);
  });

  // The cache key of an input wired to one field (`.out("X")`, or a name-based input of a multi-output
  // step) covers that field's content only.
  it("reuses a consumer of one field when only another field of the upstream changed (.out)", async () => {
    const stores = memoryStores();
    let note = "first";
    let calls = 0;
    const split = step("split", { run: () => ({ X: [1, 2, 3], note }) });
    const fit = step("fit", { inputs: { X: split.out("X") }, run: ({ X }) => (calls++, X.length) });
    const p = pipeline("fields", { steps: [fit] });
    await p.run({ stores });
    note = "second";
    const result = await p.run({ stores, force: ["split"] });
    expect(result.steps.fit.cached).toBe(true);
    expect(calls).toBe(1);
  });

  it("reuses a consumer of one named output when only another output changed (outputs: [...])", async () => {
    const stores = memoryStores();
    let test = [9];
    let calls = 0;
    const split = step("split", {
      outputs: ["train", "test"],
      run: () => ({ train: [1, 2], test }),
    });
    const fit = step("fit", {
      inputs: ["train"],
      run: ({ train }) => (calls++, (train as number[]).length),
    });
    const p = pipeline("named", { steps: [split, fit] });
    await p.run({ stores });
    test = [8];
    const result = await p.run({ stores, force: ["split"] });
    expect(result.steps.fit.cached).toBe(true);
    expect(calls).toBe(1);
  });

  it("an Invalid Date is stored faithfully or refused as unstorable-output naming the step", async () => {
    const stores = memoryStores();
    let calls = 0;
    const stamp = step("stamp", {
      retry: { attempts: 3, delayMs: 1 },
      run: () => (calls++, { at: new Date("not a date") }),
    });
    const p = pipeline("dates", { steps: [stamp] });
    const result = await p.run({ stores });
    if (result.success) {
      const again = await p.run({ stores });
      expect(again.steps.stamp.cached).toBe(true);
      expect((again.outputs.stamp as { at: Date }).at).toBeInstanceOf(Date);
      expect(Number.isNaN((again.outputs.stamp as { at: Date }).at.getTime())).toBe(true);
    } else {
      expect(result.steps.stamp.error).toMatchObject({
        code: "unstorable-output",
        message: expect.stringContaining('step "stamp"'),
      });
      expect(calls).toBe(1);
    }
  });

  it("a cache hit keeps -0", async () => {
    const stores = memoryStores();
    const p = pipeline("zero", { steps: [step("z", { run: () => ({ v: -0 }) })] });
    const fresh = await p.run({ stores });
    const cached = await p.run({ stores });
    expect(cached.steps.z.cached).toBe(true);
    expect(Object.is((fresh.outputs.z as { v: number }).v, -0)).toBe(true);
    expect(Object.is((cached.outputs.z as { v: number }).v, -0)).toBe(true);
  });
});
