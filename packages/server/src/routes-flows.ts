/** Routes: projects, flows (with graph, parameter schema and versions), and triggering a run. */
import { createRoute, z } from "@hono/zod-openapi";
import * as wire from "./wire.js";
import { runJson, type WorkspaceFlow } from "sluice/internal";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";

export function flowRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects",
      operationId: "listProjects",
      tags: ["projects"],
      summary: "Projects this key can see",
      responses: { 200: json(wire.ProjectList, "projects"), ...errorResponses(401) },
    }),
    (c) => {
      const key = c.get("key");
      const visible = key === undefined || key.project === manager.project;
      return c.json(
        {
          projects: visible ? [{ key: manager.project, flows: manager.workspace.flows.size }] : [],
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/flows",
      operationId: "listFlows",
      tags: ["flows"],
      summary: "Registered flows",
      request: { params: projectParam },
      responses: { 200: json(wire.FlowList, "flows"), ...errorResponses(401, 403, 404) },
    }),
    (c) =>
      c.json(
        {
          flows: [...manager.workspace.flows.values()].map(({ definition: d }) => ({
            project: manager.project,
            name: d.name,
            version: d.version,
            hash: d.hash,
            steps: d.steps.length,
            ...(d.description ? { description: d.description } : {}),
          })),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/flows/{flow}",
      operationId: "getFlow",
      tags: ["flows"],
      summary: "A flow: graph, parameter schema, registered versions",
      request: { params: projectParam.extend({ flow: z.string() }) },
      responses: { 200: json(wire.FlowDetail, "the flow"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const flow = manager.flow(c.req.valid("param").flow);
      const d = flow.definition;
      const versions = await manager.tables.listFlowVersions(manager.project, d.name);
      return c.json(
        {
          project: manager.project,
          name: d.name,
          version: d.version,
          hash: d.hash,
          ...(d.description ? { description: d.description } : {}),
          graph: { steps: graphSteps(flow) },
          paramsSchema: d.paramsSchema,
          versions: versions.map((v) => ({
            version: v.version,
            hash: v.hash,
            registeredAt: new Date(v.registeredAt).toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/flows/{flow}/runs",
      operationId: "triggerRun",
      tags: ["runs"],
      summary: "Trigger a run of a flow",
      description:
        "Starts a run with these params. With an Idempotency-Key header, the same key (in this project) returns the same run, never a second one.",
      request: {
        params: projectParam.extend({ flow: z.string() }),
        headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
        body: { content: { "application/json": { schema: wire.TriggerRequest } }, required: false },
      },
      responses: {
        201: json(wire.TriggerResponse, "the run was created"),
        200: json(wire.TriggerResponse, "the Idempotency-Key named an earlier run: that run"),
        ...errorResponses(400, 401, 403, 404, 409, 413),
      },
    }),
    async (c) => {
      const { flow } = c.req.valid("param");
      const key = c.req.valid("header")["idempotency-key"];
      const body = (c.req.header("content-type") ?? "").includes("json") ? c.req.valid("json") : {};
      const { parent, ...request } = body ?? {};
      const trigger = parent
        ? { kind: "parent" as const, parentRunId: parent.runId, parentStep: parent.step }
        : undefined;
      const { run, created } = await manager.trigger(
        flow,
        { ...request, ...(trigger ? { trigger } : {}) },
        key,
      );
      return c.json({ ...manager.errors.withError(runJson(run)), created }, created ? 201 : 200);
    },
  );
}

/** The registered steps, with what the live graph adds for a UI: kind, order-only deps, sub-pipeline. */
function graphSteps(flow: WorkspaceFlow): wire.FlowStep[] {
  const graph = flow.pipeline.graph();
  return flow.definition.steps.map((step) => {
    const node = graph.byName.get(step.name);
    if (!node) return { ...step, kind: "step" };
    const def = node.def;
    const kind = def.map ? "map" : def.dynamic ? "dynamic" : def.childFlow ? "flow" : "step";
    const after = [...node.afterOnly].map((index) => graph.nodes[index]!.name);
    return {
      ...step,
      kind,
      ...(after.length > 0 ? { after } : {}),
      ...(def.group !== undefined ? { group: def.group } : {}),
    };
  });
}
