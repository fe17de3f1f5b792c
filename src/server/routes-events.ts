/**
 * Server-sent events: a run's events (a `snapshot` first, then live events until `run:end`), and all
 * runs of a project. A run this server is not running (started by the CLI elsewhere) is followed by
 * polling the store, so its end is still reported.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { lightStatusJson } from "../views.js";
import type { Api } from "./app.js";
import { errorResponses, projectParam, runParam } from "./route-parts.js";
import type { PublishedEvent, RunManager } from "./run-manager.js";

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
const sse = (description: string) => ({ description, content: { "text/event-stream": { schema: z.string().describe("events: snapshot, run:start, step:start, step:retry, step:log, step:end, run:end") } } });

export function eventRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({ method: "get", path: "/api/projects/{project}/runs/{runId}/events", operationId: "streamRunEvents", tags: ["events"], summary: "A run's events, live", request: { params: runParam }, responses: { 200: sse("the run's events"), ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const { runId } = c.req.valid("param");
      const run = await manager.ownRun(runId);
      return streamSSE(c, async (stream) => {
        const queue: PublishedEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = manager.subscribe(manager.project, runId, (event) => {
          queue.push(event);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        try {
          await send(stream, { type: "snapshot", project: manager.project, ...lightStatusJson(run) });
          if (!lightStatusJson(run).running) return;
          for (;;) {
            while (queue.length > 0) {
              const event = queue.shift()!;
              await send(stream, event);
              if (event.type === "run:end") return;
            }
            if (stream.aborted) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, manager.isActive(runId) ? KEEPALIVE_MS : POLL_MS).unref();
            });
            wake = undefined;
            if (queue.length === 0 && !manager.isActive(runId)) {
              // Not (or no longer) run here: its end comes from the store.
              const now = lightStatusJson(await manager.ownRun(runId));
              if (!now.running) {
                await send(stream, { type: "run:end", runId, project: manager.project, status: now.status, success: now.status === "succeeded" });
                return;
              }
            }
          }
        } finally {
          unsubscribe();
        }
      });
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/projects/{project}/events", operationId: "streamProjectEvents", tags: ["events"], summary: "Events of every run of the project, live", request: { params: projectParam }, responses: { 200: sse("events"), ...errorResponses(401, 403, 404) } }),
    (c) =>
      streamSSE(c, async (stream) => {
        let closed = false;
        const pending: PublishedEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = manager.subscribe(manager.project, undefined, (event) => {
          pending.push(event);
          wake?.();
        });
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          await stream.writeSSE({ event: "ready", data: JSON.stringify({ project: manager.project }) });
          while (!closed) {
            while (pending.length > 0) await send(stream, pending.shift()!);
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, KEEPALIVE_MS).unref();
            });
            wake = undefined;
            if (pending.length === 0 && !closed) await stream.write(": keep-alive\n\n");
          }
        } finally {
          unsubscribe();
        }
      }),
  );
}

function send(stream: SSEStreamingApi, event: Record<string, unknown> & { type: string }): Promise<void> {
  return stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
}
