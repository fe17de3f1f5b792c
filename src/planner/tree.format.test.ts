import { describe, expect, it } from "vitest";
import { formatTree } from "./tree.js";

describe("formatTree", () => {
  it("prints final steps first and a shared dependency once", () => {
    const text = formatTree([
      { name: "a", label: "a (pending)", deps: [] },
      { name: "b", label: "b", deps: ["a"] },
      { name: "c", label: "c", deps: ["a"] },
      { name: "d", label: "d", deps: ["b", "c"] },
    ]);
    const lines = text.split("\n");
    expect(lines[0]).toBe("└─--[d]");
    expect(lines.filter((l) => l.includes("[a (pending)]"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("[a (see above)]"))).toHaveLength(1);
    expect(lines.indexOf("   └─--[b]")).toBe(1);
  });

  it("handles a 5000-deep chain with capped indentation", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ name: `s${i}`, label: `s${i}`, deps: i === 0 ? [] : [`s${i - 1}`] }));
    const lines = formatTree(items).split("\n");
    expect(lines).toHaveLength(5000);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(200);
    expect(lines.at(-1)).toContain("s0");
  });
});
