import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildGraph, canonicalJson, secret, step } from "../core/index.js";
import {
  canonicalText,
  compareSnapshots,
  readSnapshot,
  snapshotHash,
  snapshotOf,
  snapshotText,
} from "./snapshot.js";

function graph(options: { trainCode?: string; extraStep?: boolean; lrDefault?: number } = {}) {
  const load = step("load", {
    params: { rows: z.number().int().default(5) },
    run: ({ params }) => params.rows,
  });
  const body = options.trainCode ?? "({ load }) => load * 2";
  // eslint-disable-next-line no-new-func
  const train = step("train", {
    inputs: { load },
    params: {
      lr: z.number().default(options.lrDefault ?? 0.1),
      token: secret(z.string().optional()),
    },
    run: new Function(`return ${body}`)(),
  });
  const report = step("report", {
    inputs: { train },
    description: 'a "quoted" report',
    run: ({ train }) => ({ train }),
  });
  const roots = options.extraStep
    ? [report, step("audit", { inputs: { load }, run: () => 1 })]
    : [report];
  return buildGraph("training", roots);
}

describe("frozen snapshots", () => {
  it("hash the canonical JSON of graph, fingerprints, parameter schemas and version", () => {
    const snapshot = snapshotOf(graph(), "1.2.0");
    const { hash, ...content } = snapshot.toJSON();
    expect(canonicalText(content)).toBe(canonicalJson(content));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshotHash(graph(), "1.2.0")).toBe(hash);
    expect(snapshotOf(graph(), "1.2.0").hash).toBe(hash);
    expect(snapshotOf(graph(), "1.3.0").hash).not.toBe(hash);
    expect(snapshot.steps.map((s) => [s.name, s.deps])).toEqual([
      ["load", []],
      ["train", ["load"]],
      ["report", ["train"]],
    ]);
    expect(snapshot.paramsSchema.properties.token).toMatchObject({ writeOnly: true });
    expect(snapshot.verify()).toBe(true);
  });

  it("as JSON text (what a run registers) hold what the snapshot holds, and read back as one", () => {
    const snapshot = snapshotOf(graph(), "1.2.0");
    const text = snapshotText(graph(), "1.2.0", snapshot.hash);
    expect(JSON.parse(text)).toEqual(snapshot.toJSON());
    expect(readSnapshot(JSON.parse(text), "registered").verify()).toBe(true);
  });

  it("are immutable, and verify() notices a snapshot edited after it was written", () => {
    const snapshot = snapshotOf(graph());
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(() => {
      (snapshot.steps[0] as { name: string }).name = "other";
    }).toThrow(TypeError);
    const json = JSON.parse(JSON.stringify(snapshot));
    expect(readSnapshot(json, "a.json").verify()).toBe(true);
    json.steps[1].fingerprint = "0".repeat(32);
    expect(readSnapshot(json, "a.json").verify()).toBe(false);
  });

  it("refuses JSON that is not a snapshot, naming the file and the fields", () => {
    expect(() => readSnapshot({ format: "nope", steps: 3 }, "old.json")).toThrow(
      /old\.json is not a sluice snapshot[\s\S]*format[\s\S]*steps/,
    );
  });

  it("compare lists added, removed and changed steps, and what changed", () => {
    const before = snapshotOf(graph(), "1.0.0");
    expect(compareSnapshots(before, snapshotOf(graph(), "1.0.0"))).toMatchObject({
      same: true,
      added: [],
      removed: [],
      changed: [],
    });
    const after = snapshotOf(
      graph({ trainCode: "({ load }) => load * 3", extraStep: true, lrDefault: 0.2 }),
      "1.1.0",
    );
    const comparison = compareSnapshots(before, after);
    expect(comparison.same).toBe(false);
    expect(comparison.version).toEqual({ from: "1.0.0", to: "1.1.0" });
    expect(comparison.added).toEqual(["audit"]);
    expect(comparison.removed).toEqual([]);
    expect(comparison.changed).toEqual([{ step: "train", changes: ["code"] }]);
    expect(comparison.params).toEqual({ added: [], removed: [], changed: ["lr"] });
    expect(compareSnapshots(after, before).removed).toEqual(["audit"]);
  });
});
