// Sub-pipelines: parent.use(child, { inputs, outputs }) embeds the child's steps, wired by name
// mapping, cached and shown under the child's name.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryStores, pipeline, step } from "sluice";

function build() {
  const calls: string[] = [];
  // The child: takes "raw" by name, produces "cleaned" (and an internal step).
  const dropEmpty = step("dropEmpty", {
    inputs: ["raw"],
    run: ({ raw }: { raw: string[] }) => (
      calls.push("dropEmpty"),
      raw.filter((r) => r.trim() !== "")
    ),
  });
  const cleaned = step("cleaned", {
    inputs: { dropEmpty },
    params: { upper: z.boolean().default(false) },
    run: ({ dropEmpty, params }) => (
      calls.push("cleaned"),
      dropEmpty.map((r) => (params.upper ? r.toUpperCase() : r.trim()))
    ),
  });
  const prep = pipeline("prep", { steps: [cleaned] });

  const load = step("load", { run: () => (calls.push("load"), ["a ", "", " b"]) });
  const count = step("count", {
    inputs: ["clean"],
    run: ({ clean }: { clean: string[] }) => (calls.push("count"), clean.length),
  });
  const main = pipeline("main", { steps: [count] }).use(prep, {
    inputs: { raw: load },
    outputs: { clean: "cleaned" },
  });
  return { calls, main };
}

describe("sub-pipelines", () => {
  it("nests: a used pipeline's own sub-pipelines come with it, named outermost first", async () => {
    const leaf = step("leaf", { run: () => 1 });
    const inner = pipeline("inner", { steps: [leaf] });
    const twice = step("twice", {
      inputs: ["inner.leaf"],
      run: ({ "inner.leaf": n }: { "inner.leaf": number }) => n * 2,
    });
    const middle = pipeline("middle", { steps: [twice] }).use(inner, {});
    const last = step("last", {
      inputs: ["middle.twice"],
      run: ({ "middle.twice": n }: { "middle.twice": number }) => n + 1,
    });
    const outer = pipeline("outer", { steps: [last] }).use(middle, {});
    expect(outer.graph().nodes.map((n) => [n.name, n.def.group])).toEqual([
      ["middle.inner.leaf", "middle.inner"],
      ["middle.twice", "middle"],
      ["last", undefined],
    ]);
    expect((await outer.run({ stores: memoryStores() })).outputs.last).toBe(3);
  });

  it("embeds the child's steps under its name, wired to the parent by the mappings", async () => {
    const { calls, main } = build();
    expect(main.graph().nodes.map((n) => [n.name, n.depNames])).toEqual([
      ["load", []],
      ["prep.dropEmpty", ["load"]],
      ["prep.cleaned", ["prep.dropEmpty"]],
      ["count", ["prep.cleaned"]],
    ]);
    // Each embedded step knows its sub-pipeline (a UI collapses them into one node).
    expect(main.graph().nodes.map((n) => n.def.group)).toEqual([
      undefined,
      "prep",
      "prep",
      undefined,
    ]);
    const stores = memoryStores();
    const result = await main.run({ stores });
    expect(result.outputs.count).toBe(2);
    expect(result.outputs["prep.cleaned"]).toEqual(["a", "b"]);
    expect(calls).toEqual(["load", "dropEmpty", "cleaned", "count"]);
    // Cached like any step; the child's params are the parent's.
    const again = await main.run({ stores });
    expect(again.steps["prep.cleaned"]).toMatchObject({ status: "succeeded", cached: true });
    expect(calls).toHaveLength(4);
    const upper = await main.run({ stores, params: { upper: true } });
    expect(upper.outputs["prep.cleaned"]).toEqual(["A ", " B"]);
    expect(upper.steps["prep.dropEmpty"]!.cached).toBe(true);
    const preview = await main.preview({ stores });
    expect(preview.toTree()).toContain("prep.cleaned");
  });

  it("names what is missing or unknown in the mappings", () => {
    const child = pipeline("child", {
      steps: [step("c", { inputs: ["raw"], run: ({ raw }: { raw: number }) => raw })],
    });
    const load = step("load", { run: () => 1 });
    expect(() => pipeline("p", { steps: [load] }).use(child, {})).toThrow(
      /pipeline "child" needs input "raw"/,
    );
    expect(() =>
      pipeline("p", { steps: [load] }).use(child, { inputs: { raw: load, extra: load } }),
    ).toThrow(/inputs names "extra", which pipeline "child" does not take/);
    expect(() =>
      pipeline("p", { steps: [load] }).use(child, {
        inputs: { raw: load },
        outputs: { x: "nope" },
      }),
    ).toThrow(/"nope", which no step of pipeline "child" produces/);
  });
});
