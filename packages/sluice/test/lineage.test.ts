// Lineage follows step instances, not content hashes: two steps that make identical bytes (a step that
// returns its input unchanged) are each their own producer, and neither is the other's or its own upstream.
import { describe, expect, it } from "vitest";
import { MemoryStore, type Completion } from "sluice";
import { lineageJson, lineageStart } from "../src/runtime/lineage.js";
import { sluice } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";

const steps = (links: Array<{ step: string; depth: number }>) =>
  links.map((l) => `${l.depth}:${l.step}`);

describe("lineage when two steps make identical bytes", () => {
  it("names the step asked for as the producer, and follows the instances up and down (sluice lineage)", () => {
    const home = tempDir("sluice-lineage-");
    const run = sluice(["run", "test/fixtures/identical-bytes.ts", "--json"], { home }).json();
    expect(run.steps.TaskPreprocess.output.hash).toBe(run.steps.TaskGetData.output.hash);

    const getData = sluice(["lineage", "TaskGetData", "--json"], { home }).json();
    expect(getData.madeBy).toEqual([
      { pipeline: "d6t", step: "TaskGetData", runId: run.runId, inputs: {} },
    ]);
    expect(getData.upstream).toEqual([]);
    expect(steps(getData.downstream)).toEqual(["1:TaskPreprocess", "2:TaskTrain"]);
    expect(sluice(["lineage", "TaskGetData"], { home }).stdout.split("\n")[0]).toContain(
      "made by d6t/TaskGetData",
    );

    const preprocess = sluice(["lineage", "d6t/TaskPreprocess", "--json"], { home }).json();
    expect(preprocess.madeBy.map((m: { step: string }) => m.step)).toEqual(["TaskPreprocess"]);
    expect(steps(preprocess.upstream)).toEqual(["1:TaskGetData"]);
    expect(steps(preprocess.downstream)).toEqual(["1:TaskTrain"]);

    const train = sluice(["lineage", "TaskTrain", "--json"], { home }).json();
    expect(steps(train.upstream)).toEqual(["1:TaskPreprocess", "2:TaskGetData"]);

    // A rerun reuses every step: lineage still names the run that made each output.
    expect(sluice(["run", "test/fixtures/identical-bytes.ts", "--quiet"], { home }).code).toBe(0);
    const again = sluice(["lineage", "TaskPreprocess", "--json"], { home }).json();
    expect(again.madeBy[0]).toMatchObject({ step: "TaskPreprocess", runId: run.runId });
    expect(again.upstream).toEqual([
      {
        depth: 1,
        pipeline: "d6t",
        step: "TaskGetData",
        artifact: run.steps.TaskGetData.output.hash,
        runId: run.runId,
        via: { pipeline: "d6t", step: "TaskPreprocess", runId: run.runId },
      },
    ]);

    // Asked by hash, both instances made it.
    const byHash = sluice(["lineage", run.steps.TaskGetData.output.hash, "--json"], {
      home,
    }).json();
    expect(byHash.madeBy.map((m: { step: string }) => m.step).sort()).toEqual([
      "TaskGetData",
      "TaskPreprocess",
    ]);
  });

  it("for completions recorded without the instances of their inputs, never makes a step its own upstream", async () => {
    const store = new MemoryStore();
    const completion = (
      cacheKey: string,
      step: string,
      inputHashes: Record<string, string>,
      createdAt: number,
    ): Completion => ({
      cacheKey,
      pipeline: "d6t",
      step,
      identity: `${step}@0`,
      codeHash: "c",
      paramsHash: "p",
      inputHashes,
      output: { hash: "same", kind: "json", size: 2 },
      runId: "r1",
      createdAt,
    });
    store.putCompletion(completion("k1", "TaskGetData", {}, 1));
    store.putCompletion(completion("k2", "TaskPreprocess", { data: "same" }, 2));
    const roles = { runs: store, completions: store, catalog: store };
    const preprocess = await lineageJson(roles, [(await store.findCompletion("k2"))!], 10);
    expect(steps(preprocess.upstream)).toEqual(["1:TaskGetData"]);
    const getData = await lineageJson(roles, [(await store.findCompletion("k1"))!], 10);
    expect(steps(getData.downstream)).toEqual(["1:TaskPreprocess"]);
    await expect(lineageStart(roles, "nope")).rejects.toThrow(/No artifact or step "nope"/);
  });
});
