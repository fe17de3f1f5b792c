/**
 * The HTTP API as a Hono app: auth on every route but the health check and the OpenAPI document, a
 * body-size limit, one JSON error shape, and the OpenAPI 3.1 document generated from the same route
 * schemas that validate requests.
 */
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import {
  ERROR_CODES,
  SluiceError,
  forbiddenKeyPath,
  type ErrorCode,
  type ApiKeyRecord,
} from "sluice/internal";
import * as wire from "./wire.js";
import { bodyLimit } from "./body-limit.js";
import { authenticate } from "./keys.js";
import type { PublicErrors } from "./public-errors.js";
import type { RunManager } from "./run-manager.js";
import { catalogRoutes } from "./routes-catalog.js";
import { modelRoutes } from "./routes-models.js";
import { eventRoutes } from "./routes-events.js";
import { flowRoutes } from "./routes-flows.js";
import { planRoutes } from "./routes-plans.js";
import { errorResponses, json } from "./route-parts.js";
import { serveUi } from "./ui-files.js";
import { runRoutes } from "./routes-runs.js";
import { scheduleRoutes } from "./routes-schedules.js";

export type Env = { Variables: { key?: ApiKeyRecord } };
export type Api = OpenAPIHono<Env>;

export interface AppOptions {
  manager: RunManager;
  version: string;
  /** No API key needed (only ever bound to 127.0.0.1; the CLI checks). */
  insecureLocal?: boolean;
  /** Largest request body accepted, in bytes. @defaultValue 1 MiB */
  maxBodyBytes?: number;
  /** The address the server listens on, once it does: the OpenAPI document lists it. */
  listeningUrl?: () => string | undefined;
}

/** Routes anyone may call: they hold no data (the OpenAPI document is also what the start-up message points to). */
const OPEN_ROUTES = new Set(["/api/health", "/api/openapi.json"]);
/** POST routes that change nothing, which a read-only key may call. */
const READ_ONLY_POSTS = /^\/api\/projects\/[^/]+\/flows\/[^/]+\/preview$/;

export function buildApp(options: AppOptions): Api {
  const app: Api = new OpenAPIHono<Env>({
    // Invalid requests: 400 in the one error shape, naming each offending field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        field: [result.target, ...issue.path].join("."),
        message: issue.message,
      }));
      return c.json(
        errorBody(
          "invalid-request",
          `Invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
          { issues },
        ),
        400,
      );
    },
  });

  // The manager is read per request: describeApi builds this app without one.
  const fail = (c: Context, error: unknown) => errorResponse(c, error, options.manager.errors);
  app.onError((error, c) => fail(c, error));
  app.notFound((c) =>
    c.json(
      errorBody(
        "not-found",
        `No route ${c.req.method} ${c.req.path}. The API is described at /api/openapi.json.`,
      ),
      404,
    ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      operationId: "getHealth",
      tags: ["meta"],
      summary: "Liveness (no API key needed)",
      security: [],
      responses: {
        200: { description: "alive", content: { "application/json": { schema: wire.Health } } },
      },
    }),
    (c) => c.json({ ok: true, version: options.version }, 200),
  );

  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const limitBody = bodyLimit(maxBody, (c) =>
    c.json(
      errorBody(
        "payload-too-large",
        `The request body is larger than ${maxBody} bytes; send less (params and bodies are small JSON).`,
      ),
      413,
    ),
  );
  // Only requests that carry a body: looking at one makes the adapter build a full web Request, which a GET does not need.
  app.use("/api/*", (c, next) =>
    c.req.method === "GET" || c.req.method === "HEAD" ? next() : limitBody(c, next),
  );
  app.use("/api/*", async (c, next) => {
    if (OPEN_ROUTES.has(c.req.path) || options.insecureLocal) return next();
    const key = await authenticate(options.manager.tables, c.req.header("authorization"));
    if (SluiceError.is(key)) return fail(c, key);
    const reads =
      c.req.method === "GET" || c.req.method === "HEAD" || READ_ONLY_POSTS.test(c.req.path);
    if (key.readOnly && !reads) {
      return fail(
        c,
        new SluiceError(
          "forbidden",
          `API key ${key.keyId} is read-only: it cannot trigger, cancel, resume or reset. Use a key made without --read-only.`,
        ),
      );
    }
    c.set("key", key);
    return next();
  });
  // A JSON body may not hold __proto__, constructor or prototype keys: copied by assignment, as a
  // schema's record parsing does, they would set a prototype instead of a field.
  app.use("/api/*", async (c, next) => {
    if (
      c.req.method === "GET" ||
      c.req.method === "HEAD" ||
      !c.req.header("content-type")?.includes("json")
    )
      return next();
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return next(); // malformed JSON: the route's validator answers it
    }
    const path = forbiddenKeyPath(body);
    if (path === undefined) return next();
    const message = `the key "${path}" is not allowed (__proto__, constructor and prototype are refused in any JSON sluice reads)`;
    return fail(
      c,
      new SluiceError("invalid-request", `Invalid request: json.${path}: ${message}`, {
        details: { issues: [{ field: `json.${path}`, message }] },
      }),
    );
  });
  app.use("/api/projects/:project/*", async (c, next) => {
    const key = c.get("key");
    const project = c.req.param("project");
    if (key && key.project !== project)
      return fail(
        c,
        new SluiceError(
          "forbidden",
          `API key ${key.keyId} belongs to project "${key.project}", not "${project}".`,
        ),
      );
    if (project !== options.manager.project)
      return fail(
        c,
        new SluiceError(
          "not-found",
          `No project "${project}" on this server; it serves "${options.manager.project}".`,
        ),
      );
    return next();
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A key made by `sluice keys create`.",
  });
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/whoami",
      operationId: "whoami",
      tags: ["meta"],
      summary: "The caller's project and whether its key is read-only",
      responses: { 200: json(wire.Whoami, "who the caller is"), ...errorResponses(401) },
    }),
    (c) => {
      const key = c.get("key");
      return c.json(
        key
          ? {
              project: key.project,
              readOnly: key.readOnly,
              auth: "api-key" as const,
              keyId: key.keyId,
              ...(key.name ? { name: key.name } : {}),
            }
          : { project: options.manager.project, readOnly: false, auth: "none" as const },
        200,
      );
    },
  );
  flowRoutes(app, options.manager);
  planRoutes(app, options.manager);
  runRoutes(app, options.manager);
  catalogRoutes(app, options.manager);
  modelRoutes(app, options.manager);
  eventRoutes(app, options.manager);
  scheduleRoutes(app, options.manager);

  let document: ReturnType<typeof openApiDocument> | undefined; // the routes are fixed once built
  app.get("/api/openapi.json", (c) =>
    c.json((document ??= openApiDocument(app, options.version, options.listeningUrl?.()))),
  );
  // Everything else is the web UI (its own login page takes the key; its data comes from /api).
  app.get("*", (c) => (c.req.path.startsWith("/api/") ? c.notFound() : serveUi(c)));
  return app;
}

/** The OpenAPI document; `url` is the address of the server serving it (else the default address is listed). */
export function openApiDocument(app: Api, version: string, url?: string) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "sluice API",
      version,
      description: "Trigger and inspect sluice runs: flows, runs, logs, datasets, lineage, events.",
    },
    servers: [
      url === undefined
        ? { url: "http://127.0.0.1:8080", description: "sluice server's default address" }
        : { url, description: "this sluice server" },
    ],
    security: [{ apiKey: [] }],
  });
}

/** The API's OpenAPI document without a running server (routes only read the manager when called). */
export function describeApi(version: string) {
  const unused = new Proxy(
    {},
    {
      get: () => {
        throw new Error("describeApi: no server behind this app");
      },
    },
  ) as RunManager;
  return openApiDocument(buildApp({ manager: unused, version }), version);
}

export function errorBody(
  code: ErrorCode | string,
  message: string,
  details?: Record<string, unknown>,
): wire.ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Any thrown value as the error shape: sluice errors as clients see them (PublicErrors); anything else is a 500 without internals. */
export function errorResponse(c: Context, error: unknown, errors: PublicErrors): Response {
  if (SluiceError.is(error)) {
    const status = error.code === "cancelled" ? 409 : (ERROR_CODES[error.code]?.http ?? 500);
    return c.json({ error: errors.error(error) } satisfies wire.ErrorBody, status as 400);
  }
  if (error instanceof HTTPException) {
    const code =
      error.status === 413
        ? "payload-too-large"
        : error.status === 401
          ? "unauthorized"
          : "invalid-request";
    const message = error.message && error.message !== "" ? error.message : "Invalid request.";
    return c.json(
      errorBody(
        code,
        /malformed json/i.test(message) ? "The request body is not valid JSON." : message,
      ),
      error.status,
    );
  }
  process.stderr.write(
    `sluice server: internal error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return c.json(errorBody("internal", "Internal error; the server's log has the details."), 500);
}
