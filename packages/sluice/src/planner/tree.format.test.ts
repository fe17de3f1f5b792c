import { describe, expect, it } from "vitest";
import { formatTree, type TreeItem } from "./tree.js";

const diamond: TreeItem[] = [
  { name: "a", label: "a (pending)", deps: [] },
  { name: "b", label: "b", deps: ["a"] },
  { name: "c", label: "c", deps: ["a"] },
  { name: "d", label: "d", deps: ["b", "c"] },
];

describe("formatTree", () => {
  it("prints the final step first and what it needs below it, indented", () => {
    expect(formatTree(diamond).split("\n")).toEqual([
      "└─--[d]",
      "   └─--[b]",
      "      └─--[a (pending)]",
      "   └─--[c]",
      "      └─--[a (see above)]",
    ]);
  });

  it("prints a shared dependency in full once and refers to it after that", () => {
    const lines = formatTree(diamond).split("\n");
    const full = lines.findIndex((l) => l.includes("[a (pending)]"));
    const again = lines.findIndex((l) => l.includes("[a (see above)]"));
    expect(lines.filter((l) => l.includes("[a (pending)]"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("[a (see above)]"))).toHaveLength(1);
    expect(full).toBeGreaterThanOrEqual(0);
    expect(again).toBeGreaterThan(full);
  });

  it("does not repeat the dependencies of a step it refers back to", () => {
    const items: TreeItem[] = [
      { name: "root", label: "root", deps: [] },
      { name: "shared", label: "shared", deps: ["root"] },
      { name: "x", label: "x", deps: ["shared"] },
      { name: "y", label: "y", deps: ["shared"] },
    ];
    const lines = formatTree(items).split("\n");
    expect(lines.filter((l) => l.includes("[root]"))).toHaveLength(1);
    expect(lines.some((l) => l.includes("root (see above)"))).toBe(false);
    expect(lines.filter((l) => l.includes("[shared (see above)]"))).toHaveLength(1);
    expect(lines).toHaveLength(5);
  });

  it("prints each final step of several as a root", () => {
    const lines = formatTree([
      { name: "a", label: "a", deps: [] },
      { name: "b", label: "b", deps: [] },
    ]).split("\n");
    expect(lines).toEqual(["└─--[a]", "└─--[b]"]);
  });

  it("handles a 5000-deep chain with capped indentation", () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({
      name: `s${i}`,
      label: `s${i}`,
      deps: i === 0 ? [] : [`s${i - 1}`],
    }));
    let text = "";
    expect(() => (text = formatTree(items))).not.toThrow();
    const lines = text.split("\n");
    expect(lines).toHaveLength(5000);
    expect(lines[0]).toBe("└─--[s4999]");
    expect(lines.at(-1)).toContain("[s0]");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(200);
    // Past the cap, the depth is still told.
    expect(lines.at(-1)).toContain("4999");
  });
});
