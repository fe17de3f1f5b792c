/** Pieces the route definitions share: the project path parameter, JSON responses, error responses. */
import { z } from "@hono/zod-openapi";
import * as wire from "../core/wire.js";

export const projectParam = z.object({ project: z.string().describe("the project key") });
export const runParam = projectParam.extend({ runId: z.string() });

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "invalid request (the error names the field)",
  401: "no API key, or an unknown or revoked one",
  403: "the key may not do this (read-only, or another project's)",
  404: "no such project, flow, run, dataset or artifact",
  409: "conflict with the run's state or the loaded version",
  413: "request body too large",
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(wire.ErrorBody, ERROR_DESCRIPTIONS[status]!)])) as Record<number, ReturnType<typeof json>>;
}

type WithError = { error?: { stack?: string } };

function strip<E extends { stack?: string } | undefined>(error: E): E {
  if (error === undefined || error.stack === undefined) return error;
  const { stack: _stack, ...rest } = error;
  return rest as E;
}

/** A run as clients see it: stack traces stay in the store and the CLI (they name server paths and code). */
export function publicRun<T extends WithError>(run: T): T {
  return run.error?.stack === undefined ? run : { ...run, error: strip(run.error) };
}

/** A run's full status without stack traces (see publicRun). */
export function withoutStacks<T extends WithError & { steps: WithError[]; firstFailure?: { error: { stack?: string } } }>(detail: T): T {
  return {
    ...publicRun(detail),
    ...(detail.firstFailure ? { firstFailure: { ...detail.firstFailure, error: strip(detail.firstFailure.error) } } : {}),
    steps: detail.steps.map((step) => publicRun(step)),
  };
}
