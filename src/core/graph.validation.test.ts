import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helper.js";
import { z } from "zod";
import { buildGraph, downstreamClosure, upstreamClosure } from "./graph.js";
import { step, type AnyStep } from "./step.js";


describe("buildGraph", () => {
  it("finds upstream steps from the last one and orders dependencies first", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { inputs: { a }, run: ({ a }) => a + 1 });
    const c = step("c", { inputs: { a }, run: ({ a }) => a + 2 });
    const d = step("d", { inputs: { b, c }, run: ({ b, c }) => b + c });
    const graph = buildGraph("diamond", [d]);
    const names = graph.nodes.map((n) => n.name);
    expect(names.sort()).toEqual(["a", "b", "c", "d"]);
    for (const node of graph.nodes) for (const dep of node.deps) expect(dep).toBeLessThan(node.index);
    expect(graph.byName.get("d")!.depNames).toEqual(["b", "c"]);
    expect(graph.byName.get("a")!.dependents.map((i) => graph.nodes[i]!.name).sort()).toEqual(["b", "c"]);
  });

  it("adds `after` as an ordering-only edge", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { after: [a], run: () => 2 });
    const graph = buildGraph("p", [b]);
    const node = graph.byName.get("b")!;
    expect(node.depNames).toEqual(["a"]);
    expect(node.afterOnly.has(graph.byName.get("a")!.index)).toBe(true);
    expect(node.inputs).toEqual([]);
  });

  it("wires name-based inputs to the step that outputs that name", () => {
    const load = step("load", { outputs: ["X", "y"], run: () => ({ X: [[1]], y: [0] }) });
    const fit = step("fit", { inputs: ["X", "y"], outputs: ["model"], run: ({ X, y }) => ({ X, y }) });
    const graph = buildGraph("p", [load, fit]);
    const inputs = graph.byName.get("fit")!.inputs;
    expect(inputs.map((i) => [i.name, graph.nodes[i.from]!.name, i.field])).toEqual([
      ["X", "load", "X"],
      ["y", "load", "y"],
    ]);
  });

  it("reports a dependency cycle and prints it", () => {
    const a = step("a", { inputs: ["b_out"], outputs: ["a_out"], run: ({ b_out }) => b_out });
    const b = step("b", { inputs: ["a_out"], outputs: ["b_out"], run: ({ a_out }) => a_out });
    const error = errorOf(() => buildGraph("loop", [a, b]));
    expect(error.code).toBe("dependency-cycle");
    expect(error.message).toMatch(/a -> b -> a|b -> a -> b/);
    expect(error.details?.cycle).toHaveLength(3);
  });

  it("reports a cycle made through `after`", () => {
    const after: AnyStep[] = [];
    const a = step("a", { after, run: () => 1 });
    const b = step("b", { after: [a], run: () => 2 });
    after.push(b);
    expect(errorOf(() => buildGraph("loop", [b])).code).toBe("dependency-cycle");
  });

  it("reports a missing name-based input with a suggestion", () => {
    const load = step("load", { outputs: ["X_train"], run: () => [1] });
    const fit = step("fit", { inputs: ["X_trian"], run: ({ X_trian }) => X_trian });
    const error = errorOf(() => buildGraph("p", [load, fit]));
    expect(error.code).toBe("missing-input");
    expect(error.message).toContain('step "fit"');
    expect(error.message).toContain('"X_trian"');
    expect(error.message).toContain('Did you mean "X_train"');
  });

  it("reports two steps producing the same output name", () => {
    const a = step("a", { outputs: ["data"], run: () => 1 });
    const b = step("b", { outputs: ["data"], run: () => 2 });
    const error = errorOf(() => buildGraph("p", [a, b]));
    expect(error.code).toBe("duplicate-output");
    expect(error.message).toContain('"a"');
    expect(error.message).toContain('"b"');
  });

  it("reports two different steps with the same name", () => {
    const first = step("load", { run: () => 1 });
    const second = step("load", { run: () => 2 });
    const user = step("user", { inputs: { first, second }, run: ({ first, second }) => first + second });
    const error = errorOf(() => buildGraph("p", [user]));
    expect(error.code).toBe("duplicate-step");
    expect(error.message).toContain('"load"');
  });

  it("reports schema mismatches between connected steps, with the path", () => {
    const make = step("make", { outputs: ["x"], schemas: { x: z.array(z.string()) }, run: () => ["a"] });
    const use = step("use", { inputs: ["x"], schemas: { x: z.array(z.number()) }, run: ({ x }) => x });
    const error = errorOf(() => buildGraph("p", [make, use]));
    expect(error.code).toBe("schema-mismatch");
    expect(error.message).toContain('step "use"');
    expect(error.message).toContain('input "x"');
    expect(error.message).toContain("items");
  });

  it("accepts compatible schemas (integer into number, extra fields)", () => {
    const make = step("make", {
      outputs: ["x"],
      schemas: { x: z.object({ n: z.number().int(), extra: z.string() }) },
      run: () => ({ n: 1, extra: "e" }),
    });
    const use = step("use", { inputs: ["x"], schemas: { x: z.object({ n: z.number() }) }, run: ({ x }) => x.n });
    expect(() => buildGraph("p", [make, use])).not.toThrow();
    const missing = step("needs", { inputs: ["x"], schemas: { x: z.object({ other: z.number() }) }, run: ({ x }) => x });
    expect(errorOf(() => buildGraph("p", [make, missing])).code).toBe("schema-mismatch");
  });

  it("reports .out() of a field a multi-output step does not declare", () => {
    const load = step("load", { outputs: ["X", "y"], run: () => ({ X: 1, y: 2 }) });
    const use = step("use", { inputs: { z: load.out("z" as never) }, run: ({ z }) => z });
    expect(errorOf(() => buildGraph("p", [use])).code).toBe("missing-input");
  });

  it("builds a 10000-step chain without overflowing the stack", () => {
    let last: AnyStep = step("s0", { run: () => 0 });
    for (let i = 1; i < 10_000; i++) {
      const up: AnyStep = last;
      last = step(`s${i}`, { inputs: { x: up }, run: ({ x }) => (x as number) + 1 });
    }
    const graph = buildGraph("chain", [last]);
    expect(graph.nodes).toHaveLength(10_000);
    expect(graph.nodes[0]!.name).toBe("s0");
    expect(upstreamClosure(graph, ["s5"]).map((n) => n.name)).toEqual(["s0", "s1", "s2", "s3", "s4", "s5"]);
  });

  it("computes upstream and downstream closures, and names unknown steps", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { inputs: { a }, run: ({ a }) => a });
    const c = step("c", { inputs: { b }, run: ({ b }) => b });
    const other = step("other", { run: () => 0 });
    const graph = buildGraph("p", [c, other]);
    expect(upstreamClosure(graph, ["b"]).map((n) => n.name)).toEqual(["a", "b"]);
    expect(downstreamClosure(graph, ["b"]).map((n) => n.name)).toEqual(["b", "c"]);
    const error = errorOf(() => upstreamClosure(graph, ["cc"]));
    expect(error.code).toBe("unknown-step");
    expect(error.message).toContain('Did you mean "c"');
  });
});
