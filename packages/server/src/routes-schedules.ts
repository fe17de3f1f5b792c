/** Routes: the workspace's schedules (pausing and resuming them, firing one tick now) and the stack's workers. */
import { createRoute, z } from "@hono/zod-openapi";
import { scheduleViews } from "sluice/internal";
import * as wire from "./wire.js";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";

const scheduleParam = projectParam.extend({ id: z.string().describe("the schedule's id") });

export function scheduleRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/schedules",
      operationId: "listSchedules",
      tags: ["schedules"],
      summary: "The workspace's schedules, with next and last tick and whether each is paused",
      request: { params: projectParam },
      responses: { 200: json(wire.ScheduleList, "schedules"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const schedules = await scheduleViews(
        manager.workspace,
        manager.scheduler,
        manager.home.schedules,
      );
      return c.json({ schedules }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/workers",
      operationId: "listWorkers",
      tags: ["workers"],
      summary:
        "The live workers of the stack (sluice worker): host, queues, concurrency, running steps, heartbeat",
      request: { params: projectParam },
      responses: { 200: json(wire.WorkerList, "workers"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const workers = (await manager.home.workers?.listWorkers()) ?? [];
      return c.json(
        {
          workers: workers.map((worker) => ({
            ...worker,
            startedAt: new Date(worker.startedAt).toISOString(),
            heartbeatAt: new Date(worker.heartbeatAt).toISOString(),
          })),
        },
        200,
      );
    },
  );

  for (const [action, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const)
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/projects/{project}/schedules/{id}/${action}`,
        operationId: `${action}Schedule`,
        tags: ["schedules"],
        summary: `${paused ? "Pause" : "Resume"} a schedule (kept in the store: every scheduler on it obeys)`,
        request: { params: scheduleParam },
        responses: {
          200: json(wire.ScheduleView, "the schedule"),
          ...errorResponses(401, 403, 404),
        },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        manager.scheduler.schedule(id); // not-found, listing the ids
        await manager.home.schedules.setSchedulePaused(manager.project, id, paused);
        const views = await scheduleViews(
          manager.workspace,
          manager.scheduler,
          manager.home.schedules,
        );
        return c.json(
          views.find((view) => view.id === id)!,
          200,
        );
      },
    );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{project}/schedules/{id}/trigger",
      operationId: "triggerSchedule",
      tags: ["schedules"],
      summary: "Fire one tick of a schedule now, as the schedule would (overlap policy included)",
      request: { params: scheduleParam },
      responses: {
        201: json(wire.TickResult, "what the tick did"),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const event = await manager.scheduler.fire(manager.scheduler.schedule(id), Date.now());
      return c.json({ ...event, tickAt: new Date(event.tickAt).toISOString() }, 201);
    },
  );
}
