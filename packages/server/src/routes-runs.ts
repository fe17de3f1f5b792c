/** Routes: runs (list, full status, light status, cancel, resume), their logs and their artifacts. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  RUN_STATUSES,
  SluiceError,
  lightStatusJson,
  logJson,
  metricsOfRuns,
  runDetailJson,
  runJson,
} from "sluice/internal";
import * as wire from "./wire.js";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam, runParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";

export function runRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs",
      operationId: "listRuns",
      tags: ["runs"],
      summary: "Recent runs, newest first",
      request: {
        params: projectParam,
        query: z.object({
          flow: z.string().optional(),
          status: z.enum(RUN_STATUSES).optional(),
          trigger: wire.RunTrigger.shape.kind
            .optional()
            .describe("runs started this way (manual: by hand or a script)"),
          since: z.iso
            .datetime({ offset: true })
            .optional()
            .describe("runs started at or after this time (ISO 8601)"),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
      responses: { 200: json(wire.RunList, "runs"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { flow, status, trigger, since, limit } = c.req.valid("query");
      const runs = await manager.home.runs.listRuns({
        project: manager.project,
        pipeline: flow,
        status,
        trigger,
        ...(since !== undefined ? { since: Date.parse(since) } : {}),
        limit: limit ?? 50,
      });
      return c.json({ runs: runs.map((run) => manager.errors.withError(runJson(run))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}",
      operationId: "getRun",
      tags: ["runs"],
      summary: "A run's full status: per-step status, reason, attempts, durations, first failure",
      request: { params: runParam },
      responses: { 200: json(wire.RunDetail, "the run"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { runId } = c.req.valid("param");
      const found = await manager.ownRunDetail(runId);
      const children = (await manager.home.runs.listRuns({ parentRunId: runId })).reverse();
      return c.json(manager.errors.runDetail(runDetailJson(found.run, found.steps, children)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}/light",
      operationId: "getRunLight",
      tags: ["runs"],
      summary: "A run's lightweight status, for polling",
      request: { params: runParam },
      responses: { 200: json(wire.LightStatus, "the status"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(lightStatusJson(await manager.ownRun(c.req.valid("param").runId)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/runs/{runId}/cancel",
      operationId: "cancelRun",
      tags: ["runs"],
      summary: "Cancel a run this server is running",
      request: { params: runParam },
      responses: {
        200: json(wire.RunSummary, "the cancelled run"),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        manager.errors.withError(runJson(await manager.cancel(c.req.valid("param").runId))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/runs/{runId}/resume",
      operationId: "resumeRun",
      tags: ["runs"],
      summary: "Resume a failed, crashed or cancelled run: finished steps are reused",
      request: {
        params: runParam,
        body: {
          content: {
            "application/json": {
              schema: z.object({ params: z.record(z.string(), z.unknown()).optional() }).strict(),
            },
          },
          required: false,
        },
      },
      responses: {
        200: json(wire.RunSummary, "the resumed run (queued or running)"),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const body = (c.req.header("content-type") ?? "").includes("json") ? c.req.valid("json") : {};
      return c.json(
        manager.errors.withError(
          runJson(await manager.resume(c.req.valid("param").runId, body?.params)),
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}/logs",
      operationId: "getRunLogs",
      tags: ["runs"],
      summary: "What a run's steps logged, oldest first",
      request: {
        params: runParam,
        query: z.object({
          step: z.string().optional(),
          tail: z.coerce.number().int().min(1).max(100000).optional(),
        }),
      },
      responses: { 200: json(wire.LogList, "log lines"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { runId } = c.req.valid("param");
      const { step, tail } = c.req.valid("query");
      if (step === undefined) await manager.ownRun(runId);
      else {
        const found = await manager.ownRunDetail(runId);
        if (!found.steps.some((s) => s.step === step))
          throw new SluiceError(
            "not-found",
            `Run ${runId} has no step "${step}". Its steps: ${found.steps.map((s) => s.step).join(", ")}.`,
          );
      }
      const logs = await manager.home.runs.readLogs(runId, { step, tail });
      return c.json({ runId, logs: logs.map((log) => manager.errors.logLine(logJson(log))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}/metrics",
      operationId: "getRunMetrics",
      tags: ["runs"],
      summary: "The metrics a run's steps recorded (ctx.metric, metrics() outputs)",
      request: { params: runParam },
      responses: {
        200: json(wire.RunMetrics, "metrics by step and name"),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { runId } = c.req.valid("param");
      await manager.ownRun(runId);
      const metrics = await metricsOfRuns(manager.home.stores, [runId]);
      return c.json({ runId, metrics: metrics.get(runId) ?? {} }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}/artifacts",
      operationId: "listRunArtifacts",
      tags: ["artifacts"],
      summary: "The outputs a run's steps stored or reused",
      request: { params: runParam },
      responses: {
        200: json(wire.ArtifactList, "artifacts by step"),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { runId } = c.req.valid("param");
      const { steps } = await manager.ownRunDetail(runId);
      const artifacts = steps
        .filter((s) => s.output)
        .map((s) => ({
          step: s.step,
          hash: s.output!.hash,
          kind: s.output!.kind,
          size: s.output!.size,
        }));
      return c.json({ runId, artifacts }, 200);
    },
  );
}
