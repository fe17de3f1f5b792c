import { describe, expect, it } from "vitest";
import { lineageGraph } from "./lineage-graph.js";

const at = (step: string, runId = "r1") => ({ pipeline: "etl", step, runId });

describe("lineageGraph", () => {
  it("draws upstream links feeding the maker and downstream links fed by it, in dependency order", () => {
    const graph = lineageGraph({
      artifact: "h-clean",
      madeBy: [{ ...at("clean"), inputs: {} }],
      upstream: [
        { depth: 2, ...at("extract"), artifact: "h-x", via: at("load") },
        { depth: 1, ...at("load"), artifact: "h-l", via: at("clean") },
      ],
      downstream: [
        { depth: 1, ...at("report", "r2"), artifact: "h-r", via: at("clean") },
        { depth: 2, ...at("publish", "r2"), artifact: "h-p", via: at("report", "r2") },
      ],
    });
    expect(graph.steps).toEqual([
      { name: "etl/extract", deps: [] },
      { name: "etl/load", deps: ["etl/extract"] },
      { name: "etl/clean", deps: ["etl/load"] },
      { name: "etl/report", deps: ["etl/clean"] },
      { name: "etl/publish", deps: ["etl/report"] },
    ]);
    expect(graph.side.get("etl/clean")).toBe("this");
    expect(graph.side.get("etl/extract")).toBe("upstream");
    expect(graph.side.get("etl/publish")).toBe("downstream");
    expect(graph.runOf.get("etl/publish")).toEqual({ runId: "r2", step: "publish" });
  });

  it("shows a dataset with no lineage as its maker alone", () => {
    const graph = lineageGraph({
      artifact: "h",
      madeBy: [{ ...at("load"), inputs: {} }],
      upstream: [],
      downstream: [],
    });
    expect(graph.steps).toEqual([{ name: "etl/load", deps: [] }]);
  });
});
