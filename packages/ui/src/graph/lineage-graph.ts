// A dataset's lineage as a graph: the steps upstream feed the step that made it, which feeds the steps
// downstream; each link's `via` (the instance one link nearer the start) gives its edge.
import type { Lineage } from "@sluice/client";
import type { GraphInputStep } from "./collapse.js";

export interface LineageGraph {
  steps: GraphInputStep[];
  /** Where a node leads: the run and step that made it. */
  runOf: Map<string, { runId: string; step: string }>;
  side: Map<string, "upstream" | "this" | "downstream">;
}

const nodeName = (at: { pipeline: string; step: string }) => `${at.pipeline}/${at.step}`;

export function lineageGraph(lineage: Lineage): LineageGraph {
  const deps = new Map<string, Set<string>>();
  const runOf: LineageGraph["runOf"] = new Map();
  const side: LineageGraph["side"] = new Map();
  const add = (
    name: string,
    at: { runId: string; step: string },
    where: "upstream" | "this" | "downstream",
  ) => {
    if (deps.has(name)) return;
    deps.set(name, new Set());
    runOf.set(name, { runId: at.runId, step: at.step });
    side.set(name, where);
  };
  for (const maker of lineage.madeBy) add(nodeName(maker), maker, "this");
  for (const link of lineage.upstream) {
    add(nodeName(link), link, "upstream");
    add(nodeName(link.via), link.via, "upstream");
    // An upstream link feeds the instance it was reached from.
    if (nodeName(link.via) !== nodeName(link)) deps.get(nodeName(link.via))!.add(nodeName(link));
  }
  for (const link of lineage.downstream) {
    add(nodeName(link), link, "downstream");
    add(nodeName(link.via), link.via, "downstream");
    if (nodeName(link.via) !== nodeName(link)) deps.get(nodeName(link))!.add(nodeName(link.via));
  }
  // Upstream first, deepest first, so every node comes after what it depends on.
  const depthOf = (name: string) => {
    const found = lineage.upstream.find((l) => nodeName(l) === name);
    if (found) return -found.depth;
    const below = lineage.downstream.find((l) => nodeName(l) === name);
    return below ? below.depth : 0;
  };
  const names = [...deps.keys()].sort((a, b) => depthOf(a) - depthOf(b));
  return {
    steps: names.map((name) => ({ name, deps: [...deps.get(name)!] })),
    runOf,
    side,
  };
}
