/** The model registry over HTTP: list models and versions, read one, promote a version to a stage. */
import { createRoute, z } from "@hono/zod-openapi";
import { findModelOrFail, type ModelRecord } from "sluice/internal";
import * as wire from "./wire.js";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";

export function modelJson(model: ModelRecord) {
  return {
    ...model,
    promotions: model.promotions.map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
    createdAt: new Date(model.createdAt).toISOString(),
  };
}

export function modelRoutes(app: Api, manager: RunManager): void {
  const modelParam = projectParam.extend({ name: z.string().describe("the model's name") });
  const versionParam = modelParam.extend({ version: z.string().describe("the version") });
  const registry = () => manager.home.stores.models!;

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/models",
      operationId: "listModels",
      tags: ["models"],
      summary: "Every registered model version, by name then newest first",
      request: { params: projectParam },
      responses: { 200: json(wire.ModelList, "models"), ...errorResponses(401, 403, 404) },
    }),
    async (c) =>
      c.json({ models: (await registry().listModels(manager.project)).map(modelJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/models/{name}/versions/{version}",
      operationId: "getModel",
      tags: ["models"],
      summary: "One version of a model (or the version at a stage: staging, production, archive)",
      request: { params: versionParam },
      responses: { 200: json(wire.Model, "the version"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { name, version } = c.req.valid("param");
      const which = ["staging", "production", "archive"].includes(version)
        ? { stage: version as "staging" | "production" | "archive" }
        : { version };
      return c.json(
        modelJson(await findModelOrFail(registry(), manager.project, name, which)),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/models/{name}/versions/{version}/promote",
      operationId: "promoteModel",
      tags: ["models"],
      summary:
        "Put a version at a stage; the version there before (staging, production) moves to archive",
      description: "Recorded with the calling key's name (or id) and the time.",
      request: {
        params: versionParam,
        body: { content: { "application/json": { schema: wire.PromoteRequest } }, required: true },
      },
      responses: {
        200: json(wire.Model, "the promoted version"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { name, version } = c.req.valid("param");
      const { stage } = c.req.valid("json");
      const key = c.get("key");
      // Refused with the versions there are when it does not exist.
      await findModelOrFail(registry(), manager.project, name, { version });
      const promoted = await registry().promoteModel(manager.project, name, version, {
        stage,
        by: key ? (key.name ?? key.keyId) : "local",
        at: Date.now(),
      });
      return c.json(modelJson(promoted!), 200);
    },
  );
}
