// The model registry through the real CLI and server, on the iris example: runs register model
// "iris" (a version per new model), promotions move versions between stages and are recorded with
// who, the scoring pipeline reads the production model as an input (a new production model reruns
// it), and bad references are refused with the versions there are.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SluiceApiError, SluiceClient } from "@sluice/client";
import { root, sluice, startSluice } from "../../../test/support/cli.js";
import { createKey } from "../../../test/support/sluice-server.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { writeFileSync } from "node:fs";
import { memoryStores, model, pipeline, step } from "sluice";
import { z } from "zod";

const iris = "examples/iris/pipeline.ts";
const score = "examples/iris/score.ts";

describe("the model registry", () => {
  it("registers iris versions, promotes them, and scores with the production model", () => {
    const home = tempDir();
    expect(sluice(["run", iris], { home }).code).toBe(0);
    // An unchanged model is not a new version.
    expect(sluice(["run", iris, "--force", "train"], { home }).code).toBe(0);
    expect(sluice(["run", iris, "--context", "prod"], { home }).code).toBe(0);
    const listed = sluice(["models", "list", "--json"], { home }).json().models;
    expect(listed.map((m: { name: string; version: string }) => `${m.name}:${m.version}`)).toEqual([
      "iris:2",
      "iris:1",
    ]);
    expect(listed[0]).toMatchObject({
      pipeline: "iris",
      step: "train",
      flow: { version: "1.0.0" },
      params: { trees: 100, seed: 7 },
    });
    expect(listed[0].metrics.evaluate.accuracy).toBeGreaterThan(0.8);
    expect(Object.keys(listed[0].inputs)).toEqual(["train"]);

    const noProduction = sluice(["run", score], { home });
    expect(noProduction.code).toBe(1);
    expect(noProduction.stderr).toContain('No version of model "iris" is in production');

    expect(sluice(["models", "promote", "iris", "1", "--stage", "production"], { home }).code).toBe(
      0,
    );
    const first = sluice(["run", score, "--json"], { home });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().steps.score.cached).toBe(false);
    // The same production model: the scoring is reused.
    const again = sluice(["run", score, "--json"], { home }).json();
    expect(again.steps.score.cached).toBe(true);
    // A new production model reaches the scoring like new data.
    expect(sluice(["models", "promote", "iris", "2", "--stage", "production"], { home }).code).toBe(
      0,
    );
    const rescored = sluice(["run", score, "--json"], { home }).json();
    expect(rescored.steps.score).toMatchObject({
      cached: false,
      reason: "upstream-changed",
    });

    const shown = sluice(["models", "show", "iris", "1", "--json"], { home }).json();
    expect(shown.stage).toBe("archive");
    expect(shown.promotions.map((p: { stage: string }) => p.stage)).toEqual([
      "production",
      "archive",
    ]);
    expect(sluice(["models", "show", "iris"], { home }).stdout).toContain(
      "Model iris version 2 (production)",
    );
    const loaded = sluice(["models", "load", "iris@production"], { home });
    expect(loaded.json()).toHaveProperty("baseModel");
    const out = join(tempDir(), "model.json");
    expect(sluice(["models", "load", "iris@1", "--out", out], { home }).code).toBe(0);

    const missing = sluice(["models", "promote", "iris", "9", "--stage", "production"], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'Model "iris" has no version "9". Its versions: 2 (production), 1 (archive).',
    );
    const badStage = sluice(["models", "promote", "iris", "1", "--stage", "prod"], { home });
    expect(badStage.code).toBe(2);
    expect(badStage.stderr).toContain("--stage must be one of staging, production, archive");
    expect(sluice(["models", "show", "nope"], { home }).stderr).toContain('No model "nope"');
  });

  it("promotes over the API with the key's name recorded, and refuses a read-only key", async () => {
    const dir = tempDir(".tmp-models-", join(root, "test/fixtures"));
    writeFileSync(
      join(dir, "sluice.config.json"),
      JSON.stringify({ project: "ml", pipelines: ["../../../examples/iris/pipeline.ts"] }),
    );
    const home = tempDir();
    const writer = await createKey(home, "ml");
    const reader = await createKey(home, "ml", true);
    const server = startSluice(["server", "--port", "0"], { home, cwd: dir });
    try {
      const [, url] = (await server.waitForStderr(/listening on (http:\/\/\S+)/)) as [
        string,
        string,
      ];
      const project = new SluiceClient({ baseUrl: url, apiKey: writer.key }).project("ml");
      const job = await project.flow("iris").run({ wait: true, noFail: true });
      expect(job.status).toBe("succeeded");
      const models = await project.models.list();
      expect(models.map((m) => [m.name, m.version, m.runId])).toEqual([["iris", "1", job.runId]]);
      const promoted = await project.model("iris").promote("1", "staging");
      expect(promoted.stage).toBe("staging");
      expect(promoted.promotions[0]!.by).toBe(writer.keyId);
      expect((await project.model("iris").get("staging")).version).toBe("1");
      const readOnly = new SluiceClient({ baseUrl: url, apiKey: reader.key }).project("ml");
      const refused = await readOnly
        .model("iris")
        .promote("1", "production")
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SluiceApiError);
      expect((refused as SluiceApiError).status).toBe(403);
      const unknown = await project
        .model("iris")
        .get("7")
        .catch((e: unknown) => e);
      expect((unknown as SluiceApiError).status).toBe(404);
    } finally {
      server.child.kill("SIGTERM");
      await server.result;
    }
  });

  it("keeps a run's result when its model cannot be registered (a given version taken), and says so", async () => {
    const stores = memoryStores();
    const fixed = pipeline("fixed", {
      steps: [
        step("fit", {
          params: { w: z.number() },
          run: ({ params }) => model({ weights: [params.w] }, { name: "m", version: "1" }),
        }),
      ],
    });
    await fixed.run({ stores, params: { w: 1 } });
    const warnings: string[] = [];
    const listener = (warning: Error) => warnings.push(warning.message);
    process.on("warning", listener);
    try {
      const second = await fixed.run({ stores, params: { w: 2 } });
      expect(second.status).toBe("succeeded");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    expect(warnings.join("\n")).toContain(
      'Model "m" already has a version "1" with another artifact',
    );
    const versions = await stores.models!.listModels("default");
    expect(versions.map((m) => [m.version, m.runId !== undefined])).toEqual([["1", true]]);
  });
});
