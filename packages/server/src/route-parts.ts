/** Pieces the route definitions share: the project path parameter, JSON responses, error responses. */
import { z } from "@hono/zod-openapi";
import * as wire from "./wire.js";

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
  409: "conflict with the run's state or the loaded version, or a hash prefix naming several artifacts",
  413: "request body too large",
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, json(wire.ErrorBody, ERROR_DESCRIPTIONS[status]!)]),
  ) as Record<number, ReturnType<typeof json>>;
}
