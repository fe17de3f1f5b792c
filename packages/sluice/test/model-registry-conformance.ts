// The model registry's contract, run by every implementation (memory, SQLite, PostgreSQL): versions
// counted up per name, the same artifact never registered twice, given versions, stages that hold
// one version each, promotions recorded with who and when, and two connections never handing out one
// version twice.
import { describe, expect, it } from "vitest";
import { SluiceError, type ModelRegistry } from "sluice";
import type { ModelRegistration } from "sluice/internal";

export interface ModelRegistryUnderTest {
  models: ModelRegistry;
  /** The same registry through another connection (another process), where there is one. */
  second?: ModelRegistry;
  close(): void | Promise<void>;
}

function entry(name: string, hash: string, version?: string): ModelRegistration {
  return {
    project: "demo",
    name,
    ...(version === undefined ? {} : { version }),
    runId: `run-${hash}`,
    pipeline: "train",
    step: "fit",
    artifact: { hash, kind: "json", size: 10 },
    params: { trees: 3 },
    metrics: { evaluate: { accuracy: 0.9 } },
    flow: { version: "1.0.0", hash: "snap" },
    inputs: { data: "abc" },
    createdAt: 1000,
  };
}

export function describeModelRegistryConformance(
  name: string,
  open: () => ModelRegistryUnderTest | Promise<ModelRegistryUnderTest>,
): void {
  describe(`model registry: ${name}`, () => {
    it("counts versions up per name, keeps one version per artifact, and takes given versions", async () => {
      const { models, close } = await open();
      try {
        expect((await models.registerModel(entry("iris", "a"))).version).toBe("1");
        expect((await models.registerModel(entry("iris", "b"))).version).toBe("2");
        expect((await models.registerModel(entry("other", "c"))).version).toBe("1");
        // The same artifact again is the version it has.
        expect((await models.registerModel(entry("iris", "a"))).version).toBe("1");
        expect((await models.registerModel(entry("iris", "d", "2024-q1"))).version).toBe("2024-q1");
        expect((await models.registerModel(entry("iris", "e"))).version).toBe("3");
        const taken = await models.registerModel(entry("iris", "f", "2")).catch((e: unknown) => e);
        expect(SluiceError.is(taken) && taken.code).toBe("conflict");
        const listed = await models.listModels("demo");
        expect(listed.map((m) => `${m.name}:${m.version}`)).toEqual([
          "iris:3",
          "iris:2024-q1",
          "iris:2",
          "iris:1",
          "other:1",
        ]);
        expect(listed[0]).toMatchObject({
          runId: "run-e",
          params: { trees: 3 },
          metrics: { evaluate: { accuracy: 0.9 } },
          flow: { version: "1.0.0", hash: "snap" },
          inputs: { data: "abc" },
          promotions: [],
        });
        expect(await models.listModels("elsewhere")).toEqual([]);
      } finally {
        await close();
      }
    });

    it("holds one version per stage, archiving the one before, and records each promotion", async () => {
      const { models, close } = await open();
      try {
        await models.registerModel(entry("iris", "a"));
        await models.registerModel(entry("iris", "b"));
        await models.promoteModel("demo", "iris", "1", { stage: "production", by: "alice", at: 1 });
        await models.promoteModel("demo", "iris", "2", { stage: "staging", by: "bob", at: 2 });
        expect((await models.findModel("demo", "iris", { stage: "production" }))?.version).toBe(
          "1",
        );
        const promoted = await models.promoteModel("demo", "iris", "2", {
          stage: "production",
          by: "carol",
          at: 3,
        });
        expect(promoted).toMatchObject({
          version: "2",
          stage: "production",
          promotions: [
            { stage: "staging", by: "bob", at: 2 },
            { stage: "production", by: "carol", at: 3 },
          ],
        });
        expect(await models.findModel("demo", "iris", { version: "1" })).toMatchObject({
          stage: "archive",
          promotions: [
            { stage: "production", by: "alice", at: 1 },
            { stage: "archive", by: "carol", at: 3 },
          ],
        });
        expect((await models.findModel("demo", "iris", { stage: "production" }))?.version).toBe(
          "2",
        );
        expect(await models.findModel("demo", "iris", { stage: "staging" })).toBeUndefined();
        expect(
          await models.promoteModel("demo", "iris", "9", { stage: "production", by: "x", at: 4 }),
        ).toBeUndefined();
        expect(await models.findModel("demo", "nope", { version: "1" })).toBeUndefined();
      } finally {
        await close();
      }
    });

    it("never gives one version twice, from two connections at once", async () => {
      const { models, second, close } = await open();
      try {
        if (!second) return;
        const made = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? second : models).registerModel(entry("race", `h${i}`)),
          ),
        );
        expect(made.map((m) => Number(m.version)).sort((a, b) => a - b)).toEqual([
          1, 2, 3, 4, 5, 6,
        ]);
      } finally {
        await close();
      }
    });
  });
}
