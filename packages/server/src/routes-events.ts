/**
 * Server-sent events: a run's events (a `snapshot` first, then live events until `run:end`), and all
 * runs of a project. A run this server is not running (started by the CLI elsewhere) is followed by
 * polling the store, so its end is still reported.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { lightStatusJson } from "sluice/internal";
import type { Api } from "./app.js";
import { errorResponses, projectParam, runParam } from "./route-parts.js";
import type { PublishedEvent, RunManager } from "./run-manager.js";

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
const sse = (description: string) => ({
  description,
  content: {
    "text/event-stream": {
      schema: z
        .string()
        .describe(
          "events: snapshot, run:waiting, run:start, step:waiting, step:start, step:retry, step:log, step:end, run:end",
        ),
    },
  },
});

export function eventRoutes(app: Api, manager: RunManager): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/runs/{runId}/events",
      operationId: "streamRunEvents",
      tags: ["events"],
      summary: "A run's events, live",
      request: { params: runParam },
      responses: { 200: sse("the run's events"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { runId } = c.req.valid("param");
      const run = await manager.ownRun(runId);
      return streamSSE(c, async (stream) => {
        const events = new EventQueue(manager, stream, runId);
        try {
          const snapshot = lightStatusJson(run);
          await send(stream, { type: "snapshot", project: manager.project, ...snapshot });
          if (!snapshot.running) return;
          while (!stream.aborted) {
            const event = await events.next(manager.isActive(runId) ? KEEPALIVE_MS : POLL_MS);
            if (event) {
              await send(stream, event);
              if (event.type === "run:end") return;
            } else if (!manager.isActive(runId)) {
              // Not (or no longer) run here: its end comes from the store.
              const now = lightStatusJson(await manager.ownRun(runId));
              if (!now.running)
                return send(stream, {
                  type: "run:end",
                  runId,
                  project: manager.project,
                  status: now.status,
                  success: now.status === "succeeded",
                });
            }
          }
        } finally {
          events.close();
        }
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/events",
      operationId: "streamProjectEvents",
      tags: ["events"],
      summary: "Events of every run of the project, live",
      request: { params: projectParam },
      responses: { 200: sse("events"), ...errorResponses(401, 403, 404) },
    }),
    (c) =>
      streamSSE(c, async (stream) => {
        const events = new EventQueue(manager, stream, undefined);
        try {
          await stream.writeSSE({
            event: "ready",
            data: JSON.stringify({ project: manager.project }),
          });
          while (!stream.aborted) {
            const event = await events.next(KEEPALIVE_MS);
            if (event) await send(stream, event);
            else if (!stream.aborted) await stream.write(": keep-alive\n\n");
          }
        } finally {
          events.close();
        }
      }),
  );
}

/** The events of one run (or of the whole project) as they come, buffered while the stream writes. */
class EventQueue {
  private readonly pending: PublishedEvent[] = [];
  private wake?: () => void;
  private readonly unsubscribe: () => void;

  constructor(manager: RunManager, stream: SSEStreamingApi, runId: string | undefined) {
    this.unsubscribe = manager.subscribe(manager.project, runId, (event) => {
      this.pending.push(event);
      this.wake?.();
    });
    stream.onAbort(() => this.wake?.());
  }

  /** The next event, or undefined when none came within `timeoutMs` (or the client left). */
  async next(timeoutMs: number): Promise<PublishedEvent | undefined> {
    if (this.pending.length === 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, timeoutMs).unref();
      });
      this.wake = undefined;
    }
    return this.pending.shift();
  }

  close(): void {
    this.unsubscribe();
  }
}

function send(
  stream: SSEStreamingApi,
  event: Record<string, unknown> & { type: string },
): Promise<void> {
  return stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
}
