/**
 * What a UI shows before it acts: a flow's preview with params (each step's plan status and reason),
 * a reset with its dry run, and two runs compared (params, metrics with deltas, steps that differed).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { compareRuns } from "sluice/internal";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";
import * as wire from "./wire.js";

const flowParam = projectParam.extend({ flow: z.string() });

export function planRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/flows/{flow}/preview",
      operationId: "previewFlow",
      tags: ["flows"],
      summary: "What a run with these params would do, and why, step by step",
      description: "Runs nothing; a read-only key may call it.",
      request: {
        params: flowParam,
        body: { content: { "application/json": { schema: wire.PreviewRequest } }, required: false },
      },
      responses: {
        200: json(wire.FlowPreview, "each step's plan status and reason"),
        ...errorResponses(400, 401, 403, 404, 413),
      },
    }),
    async (c) => {
      const flow = manager.flow(c.req.valid("param").flow);
      const body = (c.req.header("content-type") ?? "").includes("json") ? c.req.valid("json") : {};
      const preview = await flow.pipeline.preview({
        ...body,
        params: body?.params ?? {},
        stores: manager.home.stores,
        ...(body?.context ? { contextsFrom: flow.root } : {}),
      });
      return c.json(
        {
          flow: flow.name,
          version: flow.definition.version,
          hash: flow.definition.hash,
          ...(preview.context ? { context: preview.context } : {}),
          steps: preview.steps,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/flows/{flow}/reset",
      operationId: "resetStep",
      tags: ["flows"],
      summary: "Invalidate a step and its downstream for these params (or, with dryRun, say which)",
      description:
        "The next run with these params recomputes them (reason `reset`); outputs stay stored for lineage.",
      request: {
        params: flowParam,
        body: { content: { "application/json": { schema: wire.ResetRequest } }, required: true },
      },
      responses: {
        200: json(wire.ResetResult, "what was (or would be) invalidated"),
        ...errorResponses(400, 401, 403, 404, 413),
      },
    }),
    async (c) => {
      const flow = manager.flow(c.req.valid("param").flow);
      const { step, params, dryRun } = c.req.valid("json");
      const result = await flow.pipeline.reset(step, {
        params: params ?? {},
        dryRun: dryRun ?? false,
        stores: manager.home.stores,
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/compare",
      operationId: "compareRuns",
      tags: ["runs"],
      summary: "Two runs compared: params, metrics with deltas, the steps that differed",
      request: {
        params: projectParam,
        query: z.object({ a: z.string().min(1), b: z.string().min(1) }),
      },
      responses: {
        200: json(wire.RunComparison, "what differs from run a to run b"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { a, b } = c.req.valid("query");
      await manager.ownRun(a);
      await manager.ownRun(b);
      const comparison = await compareRuns(manager.home.stores, a, b);
      // Run errors as clients see them (no folders of this server).
      const shown = {
        ...comparison,
        a: manager.errors.withError(comparison.a),
        b: manager.errors.withError(comparison.b),
      };
      return c.json(shown as wire.RunComparison, 200);
    },
  );
}
