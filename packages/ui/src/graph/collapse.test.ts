import { describe, expect, it } from "vitest";
import { collapse, groupStatus, parentOf } from "./collapse.js";

// load → prep.clean → prep.scale → train (after report), with a nested sub-pipeline prep.stats.
const flow = [
  { name: "load", deps: [] },
  { name: "prep.clean", deps: ["load"], group: "prep" },
  { name: "prep.stats.mean", deps: ["prep.clean"], group: "prep.stats" },
  { name: "prep.scale", deps: ["prep.clean", "prep.stats.mean"], group: "prep" },
  { name: "report", deps: ["load"] },
  { name: "train", deps: ["prep.scale", "report"], after: ["report"] },
];

describe("collapse", () => {
  it("shows a sub-pipeline as one node with its edges, and its steps once expanded", () => {
    const folded = collapse(flow, new Set());
    expect(folded.steps.map((s) => [s.name, s.deps, s.folded])).toEqual([
      ["load", [], 0],
      ["group:prep", ["load"], 2],
      ["report", ["load"], 0],
      ["train", ["group:prep", "report"], 0],
    ]);
    expect(folded.steps.find((s) => s.name === "train")!.after).toEqual(["report"]);
    expect(folded.members.get("group:prep")).toEqual([
      "prep.clean",
      "prep.stats.mean",
      "prep.scale",
    ]);
    expect(folded.toggles).toEqual([
      { id: "prep", label: "sub-pipeline prep (3 steps)", size: 3, expanded: false },
    ]);

    const open = collapse(flow, new Set(["prep"]));
    expect(open.steps.map((s) => s.name)).toEqual([
      "load",
      "prep.clean",
      "report",
      "group:prep.stats",
      "prep.scale",
      "train",
    ]);
    expect(open.toggles.map((t) => [t.id, t.expanded])).toEqual([
      ["prep", true],
      ["prep.stats", false],
    ]);
    expect(collapse(flow, new Set(["prep", "prep.stats"])).steps).toHaveLength(flow.length);
  });

  it("folds a run's map items and dynamic children into their step until it is expanded", () => {
    const run = [
      { name: "docs", deps: [] },
      { name: "score", deps: ["docs"] },
      { name: "sweep", deps: ["docs"] },
      { name: "score[0]", deps: [] },
      { name: "score[1]", deps: [] },
      { name: "sweep/train_1", deps: [] },
    ];
    const folded = collapse(run, new Set());
    expect(folded.steps.map((s) => [s.name, s.folded])).toEqual([
      ["docs", 0],
      ["score", 2],
      ["sweep", 1],
    ]);
    expect(folded.toggles.map((t) => t.label)).toEqual(["score (2 items)", "sweep (1 items)"]);
    const open = collapse(run, new Set(["score"]));
    expect(open.steps.map((s) => s.name)).toContain("score[1]");
    expect(open.steps.map((s) => s.name)).not.toContain("sweep/train_1");
  });

  it("keeps a data edge when an after edge joins the same two nodes, and orders nodes by dependency", () => {
    const steps = [
      { name: "a.x", deps: ["b"], group: "a", after: ["b"] },
      { name: "b", deps: [] },
      { name: "a.y", deps: ["b"], group: "a" },
    ];
    const folded = collapse(steps, new Set());
    expect(folded.steps.map((s) => s.name)).toEqual(["b", "group:a"]);
    expect(folded.steps[1]!.after).toBeUndefined();
  });

  it("finds the parent of items and children only among the graph's steps", () => {
    const known = new Set(["score", "sweep"]);
    expect(parentOf("score[12]", known)).toBe("score");
    expect(parentOf("sweep/train_1", known)).toBe("sweep");
    expect(parentOf("other[1]", known)).toBeUndefined();
    expect(parentOf("score", known)).toBeUndefined();
  });
});

describe("groupStatus", () => {
  it("says the most pressing status of a group's steps", () => {
    expect(groupStatus(["succeeded", "failed", "running"])).toBe("failed");
    expect(groupStatus(["succeeded", "running"])).toBe("running");
    expect(groupStatus(["complete", "pending"])).toBe("pending");
    expect(groupStatus(["succeeded", "succeeded"])).toBe("succeeded");
    expect(groupStatus([undefined])).toBeUndefined();
  });
});
