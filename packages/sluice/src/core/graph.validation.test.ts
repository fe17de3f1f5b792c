import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorOf } from "../../../../test/support/error-of.js";
import { buildGraph, downstreamClosure, upstreamClosure, type PipelineGraph } from "./graph.js";
import { step, type AnyStep } from "./step.js";

/** Every rotation of a cycle, printed as the error prints it ("a -> b -> a"). */
function rotations(names: readonly string[]): string[] {
  return names.map((_, shift) => {
    const rotated = [...names.slice(shift), ...names.slice(0, shift)];
    return [...rotated, rotated[0]].join(" -> ");
  });
}

function expectCycle(graphOf: () => unknown, members: readonly string[], reversedToo = true): void {
  const error = errorOf(graphOf);
  expect(error.code).toBe("dependency-cycle");
  const printed = [
    ...rotations(members),
    ...(reversedToo ? rotations([...members].reverse()) : []),
  ];
  expect(
    printed.some((text) => error.message.includes(text)),
    `message: ${error.message}`,
  ).toBe(true);
  const cycle = error.details?.cycle as string[];
  expect(cycle).toHaveLength(members.length + 1);
  expect(cycle[0]).toBe(cycle.at(-1));
  expect([...new Set(cycle)].sort()).toEqual([...members].sort());
  expect(printed).toContain(cycle.join(" -> "));
}

const namesOf = (nodes: readonly { name: string }[]) => nodes.map((node) => node.name);
const positionOf = (graph: PipelineGraph, name: string) => graph.byName.get(name)!.index;

describe("buildGraph: structure", () => {
  it("finds upstream steps from the last one and orders a diamond dependencies first", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { inputs: { a }, run: ({ a }) => a + 1 });
    const c = step("c", { inputs: { a }, run: ({ a }) => a + 2 });
    const d = step("d", { inputs: { b, c }, run: ({ b, c }) => b + c });
    const graph = buildGraph("diamond", [d]);
    expect(namesOf(graph.nodes).sort()).toEqual(["a", "b", "c", "d"]);
    graph.nodes.forEach((node, i) => expect(node.index).toBe(i));
    for (const node of graph.nodes)
      for (const dep of node.deps) expect(dep).toBeLessThan(node.index);
    expect(positionOf(graph, "a")).toBe(0);
    expect(positionOf(graph, "d")).toBe(3);
    expect(graph.byName.get("d")!.depNames).toEqual(["b", "c"]);
    expect(graph.byName.get("d")!.deps).toEqual([positionOf(graph, "b"), positionOf(graph, "c")]);
    expect(
      graph.byName
        .get("a")!
        .dependents.map((i) => graph.nodes[i]!.name)
        .sort(),
    ).toEqual(["b", "c"]);
    expect(graph.byName.get("d")!.dependents).toEqual([]);
    expect(
      graph.byName.get("d")!.inputs.map((input) => [input.name, graph.nodes[input.from]!.name]),
    ).toEqual([
      ["b", "b"],
      ["c", "c"],
    ]);
  });

  it("orders correctly whatever order the roots are given in", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { inputs: { a }, run: ({ a }) => a });
    const c = step("c", { inputs: { b }, run: ({ b }) => b });
    const graph = buildGraph("p", [a, c, b]);
    expect(namesOf(graph.nodes)).toEqual(["a", "b", "c"]);
  });

  it("adds `after` as an ordering-only edge", () => {
    const a = step("a", { run: () => 1 });
    const b = step("b", { after: [a], run: () => 2 });
    const graph = buildGraph("p", [b]);
    const node = graph.byName.get("b")!;
    expect(namesOf(graph.nodes)).toEqual(["a", "b"]);
    expect(node.depNames).toEqual(["a"]);
    expect(node.afterOnly.has(positionOf(graph, "a"))).toBe(true);
    expect(node.inputs).toEqual([]);
    expect(graph.byName.get("a")!.dependents).toEqual([node.index]);
  });

  it("does not count a step as `after`-only when data also flows from it", () => {
    const a = step("a", { run: () => 1 });
    const other = step("other", { run: () => 0 });
    const b = step("b", { inputs: { a }, after: [a, other], run: ({ a }) => a });
    const graph = buildGraph("p", [b]);
    const node = graph.byName.get("b")!;
    expect(node.depNames).toEqual(["a", "other"]);
    expect(node.afterOnly.has(positionOf(graph, "a"))).toBe(false);
    expect(node.afterOnly.has(positionOf(graph, "other"))).toBe(true);
  });

  it("lists a step read through several fields once as a dependency", () => {
    const train = step("train", { run: () => ({ model: [1], loss: 0.5 }) });
    const report = step("report", {
      inputs: { model: train.out("model"), loss: train.out("loss") },
      run: ({ model, loss }) => model.length + loss,
    });
    const graph = buildGraph("p", [report]);
    const node = graph.byName.get("report")!;
    expect(node.depNames).toEqual(["train"]);
    expect(node.inputs.map((input) => [input.name, input.field])).toEqual([
      ["model", "model"],
      ["loss", "loss"],
    ]);
  });

  it("wires name-based inputs to the step that outputs that name", () => {
    const load = step("load", { outputs: ["X", "y"], run: () => ({ X: [[1]], y: [0] }) });
    const fit = step("fit", {
      inputs: ["X", "y"],
      outputs: ["model"],
      run: ({ X, y }) => ({ X, y }),
    });
    const graph = buildGraph("p", [fit, load]);
    expect(namesOf(graph.nodes)).toEqual(["load", "fit"]);
    const inputs = graph.byName.get("fit")!.inputs;
    expect(inputs.map((i) => [i.name, graph.nodes[i.from]!.name, i.field])).toEqual([
      ["X", "load", "X"],
      ["y", "load", "y"],
    ]);
  });

  it("reads the whole value of a producer with a single declared output", () => {
    const load = step("load", { outputs: ["data"], run: () => [1, 2] });
    const byName = step("byName", { inputs: ["data"], run: ({ data }) => data });
    const byOut = step("byOut", { inputs: { d: load.out("data" as never) }, run: ({ d }) => d });
    const graph = buildGraph("p", [load, byName, byOut]);
    expect(graph.byName.get("byName")!.inputs).toEqual([
      { name: "data", from: positionOf(graph, "load") },
    ]);
    expect(graph.byName.get("byOut")!.inputs[0]!.field).toBeUndefined();
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
    expect(graph.nodes[9_999]!.name).toBe("s9999");
    expect(upstreamClosure(graph, ["s5"]).map((n) => n.name)).toEqual([
      "s0",
      "s1",
      "s2",
      "s3",
      "s4",
      "s5",
    ]);
    expect(upstreamClosure(graph, ["s9999"])).toHaveLength(10_000);
    expect(downstreamClosure(graph, ["s9997"]).map((n) => n.name)).toEqual([
      "s9997",
      "s9998",
      "s9999",
    ]);
  });

  it("builds a 10000-step chain of `after` edges", () => {
    let last: AnyStep = step("t0", { run: () => 0 });
    for (let i = 1; i < 10_000; i++) last = step(`t${i}`, { after: [last], run: () => i });
    const graph = buildGraph("chain", [last]);
    expect(graph.nodes).toHaveLength(10_000);
    expect(graph.nodes.at(-1)!.name).toBe("t9999");
  });
});

describe("buildGraph: closures", () => {
  const a = step("a", { run: () => 1 });
  const b = step("b", { inputs: { a }, run: ({ a }) => a });
  const c = step("c", { inputs: { b }, run: ({ b }) => b });
  const side = step("side", { inputs: { a }, run: ({ a }) => a });
  const other = step("other", { run: () => 0 });
  const graph = buildGraph("p", [c, side, other]);

  it("returns the targets and everything upstream, in topological order", () => {
    expect(namesOf(upstreamClosure(graph, ["b"]))).toEqual(["a", "b"]);
    expect(namesOf(upstreamClosure(graph, ["c", "other"])).sort()).toEqual([
      "a",
      "b",
      "c",
      "other",
    ]);
    expect(namesOf(upstreamClosure(graph, ["a"]))).toEqual(["a"]);
  });

  it("returns the names and everything downstream, in topological order", () => {
    expect(namesOf(downstreamClosure(graph, ["b"]))).toEqual(["b", "c"]);
    const fromA = namesOf(downstreamClosure(graph, ["a"]));
    expect([...fromA].sort()).toEqual(["a", "b", "c", "side"]);
    expect(fromA.indexOf("b")).toBeLessThan(fromA.indexOf("c"));
    expect(namesOf(downstreamClosure(graph, ["other"]))).toEqual(["other"]);
  });

  it("names an unknown step and suggests a near one", () => {
    const error = errorOf(() => upstreamClosure(graph, ["sid"]));
    expect(error.code).toBe("unknown-step");
    expect(error.message).toContain('"sid"');
    expect(error.message).toContain('Did you mean "side"');
    expect(error.details?.step).toBe("sid");
    const down = errorOf(() => downstreamClosure(graph, ["cc"]));
    expect(down.code).toBe("unknown-step");
    expect(down.message).toContain('Did you mean "c"');
    expect(errorOf(() => upstreamClosure(graph, ["completely-different"])).message).not.toContain(
      "Did you mean",
    );
  });
});

describe("buildGraph: validation", () => {
  it("reports a dependency cycle made by name-based wiring and prints it", () => {
    const a = step("a", { inputs: ["b"], outputs: ["a"], run: ({ b }) => b });
    const b = step("b", { inputs: ["a"], outputs: ["b"], run: ({ a }) => a });
    expectCycle(() => buildGraph("loop", [a, b]), ["a", "b"]);
    expect(errorOf(() => buildGraph("loop", [a, b])).message).toContain('"loop"');
  });

  it("reports a cycle made through `after` (an array changed after the step was made)", () => {
    const after: AnyStep[] = [];
    const a = step("a", { after, run: () => 1 });
    const b = step("b", { after: [a], run: () => 2 });
    after.push(b);
    expectCycle(() => buildGraph("loop", [b]), ["a", "b"]);
  });

  it("reports a step that depends on itself", () => {
    const after: AnyStep[] = [];
    const a = step("a", { after, run: () => 1 });
    after.push(a);
    expectCycle(() => buildGraph("self", [a]), ["a"]);
    const named = step("n", { inputs: ["n_out"], outputs: ["n_out"], run: ({ n_out }) => n_out });
    expectCycle(() => buildGraph("self", [named]), ["n"]);
  });

  it("prints only the steps on the cycle, in data-flow order, not what hangs off it", () => {
    const a = step("a", { inputs: ["c"], outputs: ["a"], run: ({ c }) => c });
    const b = step("b", { inputs: ["a"], outputs: ["b"], run: ({ a }) => a });
    const c = step("c", { inputs: ["b"], outputs: ["c"], run: ({ b }) => b });
    const tail = step("tail", { inputs: ["c"], run: ({ c }) => c });
    // a -> b -> c -> a: each arrow points at the step that consumes the one before it.
    expectCycle(() => buildGraph("three", [tail, a, b, c]), ["a", "b", "c"], false);
  });

  it("reports a missing name-based input, naming the step and the input, with a suggestion", () => {
    const load = step("load", { outputs: ["X_train"], run: () => [1] });
    const fit = step("fit", { inputs: ["X_trian"], run: ({ X_trian }) => X_trian });
    const error = errorOf(() => buildGraph("p", [load, fit]));
    expect(error.code).toBe("missing-input");
    expect(error.message).toContain('step "fit"');
    expect(error.message).toContain('"X_trian"');
    expect(error.message).toContain('Did you mean "X_train"');
    expect(error.step).toBe("fit");
    expect(error.details?.input).toBe("X_trian");
  });

  it("reports a missing input without a suggestion when nothing is near", () => {
    const load = step("load", { outputs: ["features"], run: () => [1] });
    const fit = step("fit", { inputs: ["labels"], run: ({ labels }) => labels });
    const error = errorOf(() => buildGraph("p", [load, fit]));
    expect(error.code).toBe("missing-input");
    expect(error.message).not.toContain("Did you mean");
    expect(error.message).toContain("features");
  });

  it("reports two steps producing the same output name, naming both", () => {
    const a = step("a", { outputs: ["data"], run: () => 1 });
    const b = step("b", { outputs: ["data"], run: () => 2 });
    const error = errorOf(() => buildGraph("p", [a, b]));
    expect(error.code).toBe("duplicate-output");
    expect(error.message).toContain('"data"');
    expect(error.message).toContain('"a"');
    expect(error.message).toContain('"b"');
    expect(error.details?.steps).toEqual(["a", "b"]);
  });

  it("reports two different step objects with the same name", () => {
    const first = step("load", { run: () => 1 });
    const second = step("load", { run: () => 2 });
    const user = step("user", {
      inputs: { first, second },
      run: ({ first, second }) => first + second,
    });
    const error = errorOf(() => buildGraph("p", [user]));
    expect(error.code).toBe("duplicate-step");
    expect(error.message).toContain('"load"');
    expect(errorOf(() => buildGraph("p", [first, second])).code).toBe("duplicate-step");
    // The same object reached twice is fine.
    expect(() =>
      buildGraph("p", [first, first, step("u", { inputs: { first }, run: ({ first }) => first })]),
    ).not.toThrow();
  });

  it("rejects an input named `params` when the step is made", () => {
    const a = step("a", { run: () => 1 });
    const byName = errorOf(() => step("s", { inputs: ["params"], run: () => 1 }));
    expect(byName.code).toBe("reserved-name");
    expect(byName.message).toContain('step "s"');
    expect(byName.message).toContain('"params"');
    const byKey = errorOf(() => step("t", { inputs: { params: a } as never, run: () => 1 }));
    expect(byKey.code).toBe("reserved-name");
    expect(byKey.step).toBe("t");
  });

  it("reports schema mismatches between connected steps, with the path", () => {
    const make = step("make", {
      outputs: ["x"],
      schemas: { x: z.array(z.string()) },
      run: () => ["a"],
    });
    const use = step("use", {
      inputs: ["x"],
      schemas: { x: z.array(z.number()) },
      run: ({ x }) => x,
    });
    const error = errorOf(() => buildGraph("p", [make, use]));
    expect(error.code).toBe("schema-mismatch");
    expect(error.message).toContain('step "use"');
    expect(error.message).toContain('input "x"');
    expect(error.message).toContain('"make"');
    expect(error.message).toContain("items");
    expect(error.details?.path).toBe("items");
    expect(error.step).toBe("use");
  });

  it("reports a nested schema mismatch with the full path", () => {
    const make = step("make", {
      outputs: ["rows"],
      schemas: { rows: z.array(z.object({ label: z.string() })) },
      run: () => [{ label: "a" }],
    });
    const use = step("use", {
      inputs: ["rows"],
      schemas: { rows: z.array(z.object({ label: z.number() })) },
      run: ({ rows }) => rows,
    });
    const error = errorOf(() => buildGraph("p", [make, use]));
    expect(error.code).toBe("schema-mismatch");
    expect(error.details?.path).toBe("items.label");
  });

  it("accepts compatible schemas (integer into number, extra producer fields)", () => {
    const ints = step("ints", {
      outputs: ["n"],
      schemas: { n: z.array(z.number().int()) },
      run: () => [1],
    });
    const nums = step("nums", {
      inputs: ["n"],
      schemas: { n: z.array(z.number()) },
      run: ({ n }) => n,
    });
    expect(() => buildGraph("p", [ints, nums])).not.toThrow();
    const make = step("make", {
      outputs: ["x"],
      schemas: { x: z.object({ n: z.number().int(), extra: z.string() }) },
      run: () => ({ n: 1, extra: "e" }),
    });
    const use = step("use", {
      inputs: ["x"],
      schemas: { x: z.object({ n: z.number() }) },
      run: ({ x }) => x.n,
    });
    expect(() => buildGraph("p", [make, use])).not.toThrow();
  });

  it("rejects the reverse direction (number into integer, missing required field)", () => {
    const nums = step("nums", { outputs: ["n"], schemas: { n: z.number() }, run: () => 1.5 });
    const ints = step("ints", {
      inputs: ["n"],
      schemas: { n: z.number().int() },
      run: ({ n }) => n,
    });
    expect(errorOf(() => buildGraph("p", [nums, ints])).code).toBe("schema-mismatch");
    const make = step("make", {
      outputs: ["x"],
      schemas: { x: z.object({ n: z.number() }) },
      run: () => ({ n: 1 }),
    });
    const needs = step("needs", {
      inputs: ["x"],
      schemas: { x: z.object({ other: z.number() }) },
      run: ({ x }) => x,
    });
    const error = errorOf(() => buildGraph("p", [make, needs]));
    expect(error.code).toBe("schema-mismatch");
    expect(error.message).toContain('"other"');
  });

  it("checks schemas on `.out()` inputs of multi-output producers too", () => {
    const load = step("load", {
      outputs: ["X", "y"],
      schemas: { y: z.array(z.string()) },
      run: () => ({ X: [1], y: ["a"] }),
    });
    const use = step("use", {
      inputs: { labels: load.out("y" as never) },
      schemas: { labels: z.array(z.number()) },
      run: ({ labels }) => labels,
    });
    const error = errorOf(() => buildGraph("p", [use]));
    expect(error.code).toBe("schema-mismatch");
    expect(error.message).toContain('input "labels"');
  });

  it("reports .out() of a field a multi-output step does not declare", () => {
    const load = step("load", { outputs: ["X", "y"], run: () => ({ X: 1, y: 2 }) });
    const use = step("use", { inputs: { z: load.out("z" as never) }, run: ({ z }) => z });
    const error = errorOf(() => buildGraph("p", [use]));
    expect(error.code).toBe("missing-input");
    expect(error.message).toContain('step "use"');
    expect(error.message).toContain('"z"');
    expect(error.message).toContain('"load"');
    expect(error.message).toContain('"X", "y"');
    // A declared field is fine.
    const ok = step("ok", { inputs: { y: load.out("y" as never) }, run: ({ y }) => y });
    expect(buildGraph("p", [ok]).byName.get("ok")!.inputs[0]!.field).toBe("y");
  });
});

describe("buildGraph: parameters", () => {
  it("collects every declared parameter with the steps that declare it", () => {
    const a = step("a", {
      params: { seed: z.number(), rows: z.number().default(1) },
      run: () => 1,
    });
    const b = step("b", { inputs: { a }, params: { seed: z.number() }, run: ({ a }) => a });
    const graph = buildGraph("p", [b]);
    expect(graph.params.get("seed")).toEqual(["a", "b"]);
    expect(graph.params.get("rows")).toEqual(["a"]);
    expect(graph.params.size).toBe(2);
  });
});
