/** The model registry's request and response schemas (see wire.ts for the rest of the API's). */
import { z } from "zod";

const timestamp = z.string().describe("ISO 8601 time (UTC)");

const ModelStageEnum = z.enum(["staging", "production", "archive"]);

export const Model = z
  .object({
    project: z.string(),
    name: z.string(),
    version: z.string(),
    stage: ModelStageEnum.optional().describe("absent until promoted"),
    runId: z.string().describe("the run that made it"),
    pipeline: z.string(),
    step: z.string(),
    artifact: z.object({
      hash: z.string(),
      kind: z.enum(["json", "blob", "records", "table", "parquet"]),
      size: z.number().int(),
    }),
    params: z.record(z.string(), z.unknown()).describe("the run's params (secrets masked)"),
    metrics: z
      .record(z.string(), z.record(z.string(), z.number()))
      .describe("the run's metrics by step and name"),
    flow: z
      .object({ version: z.string(), hash: z.string() })
      .describe("the definition that made it: version label and snapshot hash"),
    inputs: z
      .record(z.string(), z.string())
      .describe("lineage: the content hash of each input of the step that made it"),
    promotions: z.array(
      z.object({
        stage: ModelStageEnum,
        by: z.string().describe("the API key's name (or id) that promoted it"),
        at: timestamp,
      }),
    ),
    createdAt: timestamp,
  })
  .meta({ id: "Model", description: "A registered model version." });

export const ModelList = z
  .object({ models: z.array(Model).describe("every version, by name then newest first") })
  .meta({ id: "ModelList" });

export const PromoteRequest = z
  .object({ stage: ModelStageEnum })
  .strict()
  .meta({ id: "PromoteRequest" });
