import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, step } from "sluice";

function counted() {
  const calls: Record<string, number> = {};
  const hit = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  return { calls, hit };
}

function build(hit: (name: string) => void) {
  const load = step("load", { params: { rows: z.number().default(3) }, run: ({ params }) => (hit("load"), Array.from({ length: params.rows }, (_, i) => i)) });
  const double = step("double", { inputs: { load }, run: ({ load }) => (hit("double"), load.map((x) => x * 2)) });
  const other = step("other", { params: { label: z.string().default("x") }, run: ({ params }) => (hit("other"), params.label) });
  const total = step("total", { inputs: { double }, run: ({ double }) => (hit("total"), double.reduce((a, b) => a + b, 0)) });
  return pipeline("cache", { steps: [total, other] });
}

describe("caching and why steps run", () => {
  it("a second run of an unchanged pipeline runs nothing", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    const first = await p.run({ stores });
    const second = await p.run({ stores });
    expect(second.summary().ran).toEqual([]);
    expect(second.summary().complete.sort()).toEqual(["double", "load", "other", "total"]);
    expect(second.outputs.total).toBe(first.outputs.total);
    expect(calls).toEqual({ load: 1, double: 1, other: 1, total: 1 });
    expect((await p.preview({ stores })).steps.every((s) => s.status === "complete" && s.reason === "complete")).toBe(true);
  });

  it("a changed parameter reruns the steps declaring it and their downstream only", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    const preview = await p.preview({ stores, params: { rows: 4 } });
    const reasons = Object.fromEntries(preview.steps.map((s) => [s.name, `${s.status}:${s.reason}`]));
    expect(reasons).toEqual({ load: "pending:params-changed", double: "pending:upstream-changed", total: "pending:upstream-changed", other: "complete:complete" });
    const result = await p.run({ stores, params: { rows: 4 } });
    expect(result.summary().ran.sort()).toEqual(["double", "load", "total"]);
    expect(calls.other).toBe(1);
    expect(result.outputs.total).toBe(12);
  });

  it("another parameter set is another instance: switching back is complete", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores, params: { rows: 2 } });
    await p.run({ stores, params: { rows: 5 } });
    const back = await p.run({ stores, params: { rows: 2 } });
    expect(back.summary().ran).toEqual([]);
    expect(back.outputs.total).toBe(2);
    expect(calls.load).toBe(2);
  });

  it("changed code or version says code-changed", async () => {
    const stores = memoryStores();
    const v1 = step("s", { run: () => 1 });
    await pipeline("code", { steps: [v1] }).run({ stores });
    const v2 = step("s", { run: () => 2 });
    expect((await pipeline("code", { steps: [v2] }).preview({ stores })).steps[0]).toMatchObject({ status: "pending", reason: "code-changed" });
    const bumped = step("s", { version: "2", run: () => 1 });
    expect((await pipeline("code", { steps: [bumped] }).preview({ stores })).steps[0]!.reason).toBe("code-changed");
    expect((await pipeline("code", { steps: [step("s", { run: () => 1 })] }).preview({ stores })).steps[0]!.status).toBe("complete");
  });

  it("reuses a consumer whose upstream reran but produced the same bytes", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    const result = await p.run({ stores, force: ["load"] });
    expect(result.steps.load).toMatchObject({ status: "succeeded", reason: "forced", cached: false });
    expect(result.steps.double).toMatchObject({ status: "succeeded", cached: true, reason: "upstream-changed" });
    expect(result.summary().cached).toContain("double");
    expect(calls).toMatchObject({ load: 2, double: 1, total: 1 });
    expect(result.outputs.double).toEqual([0, 2, 4]);
  });

  it("reruns a consumer whose upstream produced different data", async () => {
    const stores = memoryStores();
    let value = 1;
    let consumerCalls = 0;
    const source = step("source", { cache: false, run: () => value });
    const consumer = step("consumer", { inputs: { source }, run: ({ source }) => (consumerCalls++, source * 10) });
    const p = pipeline("data", { steps: [consumer] });
    await p.run({ stores });
    const same = await p.run({ stores });
    expect(same.steps.source).toMatchObject({ reason: "forced", cached: false });
    expect(same.steps.consumer.cached).toBe(true);
    value = 2;
    const changed = await p.run({ stores });
    expect(changed.steps.consumer.cached).toBe(false);
    expect(changed.outputs.consumer).toBe(20);
    expect(consumerCalls).toBe(2);
  });

  it("forceAll reruns everything with reason forced", async () => {
    const stores = memoryStores();
    const { calls, hit } = counted();
    const p = build(hit);
    await p.run({ stores });
    const result = await p.run({ stores, forceAll: true });
    expect(Object.values(result.steps).every((s) => s.reason === "forced" && !s.cached)).toBe(true);
    expect(calls).toEqual({ load: 2, double: 2, other: 2, total: 2 });
  });

  it("a cache hit returns a value equal to the fresh one", async () => {
    const stores = memoryStores();
    const value = { when: new Date("2026-11-22T00:00:00Z"), nan: NaN, map: new Map([["a", [1, [2, 3]]]]), nested: [[1], [2, [3]]] };
    const make = step("make", { run: () => value });
    const p = pipeline("equal", { steps: [make] });
    const fresh = await p.run({ stores });
    const cached = await p.run({ stores });
    expect(cached.steps.make.cached).toBe(true);
    expect(cached.outputs.make).toEqual(fresh.outputs.make);
    expect(cached.outputs.make).toEqual(value);
  });

  it("refuses a class instance unless the step declares a serializer, whose value reaches consumers from the cache", async () => {
    class Model {
      constructor(readonly weights: number[]) {}
      predict(x: number) {
        return this.weights.reduce((a, w) => a + w * x, 0);
      }
    }
    const stores = memoryStores();
    const plain = step("plain", { run: () => new Model([1]) });
    const refused = await pipeline("m1", { steps: [plain] }).run({ stores });
    expect(refused.steps.plain.error).toMatchObject({ code: "unstorable-output" });
    expect(refused.steps.plain.error!.message).toContain('step "plain"');

    let trained = 0;
    const train = step("train", {
      serializer: { encode: (m: Model) => m.weights, decode: (w) => new Model(w as number[]) },
      run: () => (trained++, new Model([2, 3])),
    });
    const predict = step("predict", { params: { x: z.number().default(1) }, inputs: { model: train }, run: ({ model, params }) => model.predict(params.x) });
    const p = pipeline("m2", { steps: [predict] });
    expect((await p.run({ stores })).outputs.predict).toBe(5);
    const again = await p.run({ stores, params: { x: 2 } });
    expect(again.steps.train.cached).toBe(true);
    expect(again.outputs.predict).toBe(10);
    expect(trained).toBe(1);
  });
});
