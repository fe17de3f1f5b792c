/** Routes: the dataset catalog (schema, first rows), artifacts (metadata, download) and lineage. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  type ArtifactRef,
  SluiceError,
  artifactOfPrefix,
  datasetJson,
  datasetRows,
  findDataset,
  lineageQuery,
  MIN_HASH_PREFIX,
  schemaJson,
  lineageJson,
  lineageStart,
} from "sluice/internal";
import * as wire from "./wire.js";
import type { Api } from "./app.js";
import { errorResponses, json, projectParam } from "./route-parts.js";
import type { RunManager } from "./run-manager.js";

const CONTENT_TYPES = {
  json: "application/json",
  blob: "application/octet-stream",
  records: "application/vnd.apache.arrow.stream",
  table: "application/vnd.apache.arrow.stream",
  parquet: "application/vnd.apache.parquet",
} as const;

export function catalogRoutes(app: Api, manager: RunManager): void {
  // What a project can see of the shared catalog: the outputs of its own flows.
  const flows = () => new Set(manager.workspace.flows.keys());
  const datasetParam = projectParam.extend({
    dataset: z
      .string()
      .describe("pipeline/step (URL-encoded), a step name, or an artifact hash prefix"),
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/datasets",
      operationId: "listDatasets",
      tags: ["datasets"],
      summary: "The newest dataset, model or metrics of each step",
      request: { params: projectParam, query: z.object({ flow: z.string().optional() }) },
      responses: { 200: json(wire.DatasetList, "datasets"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { flow } = c.req.valid("query");
      const allowed = flows();
      const entries = (await manager.home.catalog.listDatasets({ pipeline: flow })).filter((e) =>
        allowed.has(e.pipeline),
      );
      return c.json({ datasets: entries.map(datasetJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/datasets/{dataset}",
      operationId: "getDatasetSchema",
      tags: ["datasets"],
      summary: "A dataset's schema: columns and types, row count",
      request: { params: datasetParam },
      responses: {
        200: json(wire.DatasetSchema, "the schema"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        schemaJson(await findDataset(manager.home, c.req.valid("param").dataset, flows())),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/datasets/{dataset}/rows",
      operationId: "getDatasetRows",
      tags: ["datasets"],
      summary: "A dataset's first rows",
      request: {
        params: datasetParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(10000).optional() }),
      },
      responses: { 200: json(wire.DatasetRows, "rows"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const entry = await findDataset(manager.home, c.req.valid("param").dataset, flows());
      const { rows, total } = await datasetRows(
        manager.home,
        entry,
        c.req.valid("query").limit ?? 10,
      );
      return c.json({ dataset: `${entry.pipeline}/${entry.step}`, rows, total }, 200);
    },
  );

  const artifactParam = projectParam.extend({
    hash: z
      .string()
      .describe(
        `an artifact's SHA-256 (64 hex digits), or a prefix of it naming one artifact (at least ${MIN_HASH_PREFIX} hex digits)`,
      )
      // Documented, not validated here: artifactOfPrefix's 400 says what is wrong with the hash given.
      .meta({ pattern: `^[0-9a-f]{${MIN_HASH_PREFIX},64}$` }),
  });
  async function artifactRef(prefix: string): Promise<{
    ref: ArtifactRef;
    madeBy: Array<{ pipeline: string; step: string; runId: string }>;
  }> {
    const allowed = flows();
    const hash = await artifactOfPrefix(manager.home, prefix, allowed);
    const producers = (await manager.home.completions.producersOf(hash)).filter(
      (p) => allowed.has(p.pipeline) && p.output.hash === hash,
    );
    if (producers.length === 0)
      throw new SluiceError(
        "not-found",
        `No artifact ${hash.slice(0, 12)} made by a flow of project "${manager.project}".`,
      );
    return {
      ref: producers[0]!.output as ArtifactRef,
      madeBy: producers.map((p) => ({ pipeline: p.pipeline, step: p.step, runId: p.runId })),
    };
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/artifacts/{hash}",
      operationId: "getArtifact",
      tags: ["artifacts"],
      summary: "An artifact's metadata and the step runs that made it",
      request: { params: artifactParam },
      responses: {
        200: json(wire.ArtifactMeta, "metadata"),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { ref, madeBy } = await artifactRef(c.req.valid("param").hash);
      return c.json({ hash: ref.hash, kind: ref.kind, size: ref.size, madeBy }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/artifacts/{hash}/content",
      operationId: "downloadArtifact",
      tags: ["artifacts"],
      summary: "Download an artifact: JSON, Arrow IPC stream (datasets) or raw bytes",
      request: { params: artifactParam },
      responses: {
        200: {
          description: "the stored bytes, verified against their hash",
          content: {
            "application/octet-stream": { schema: z.string().meta({ format: "binary" }) },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { ref } = await artifactRef(c.req.valid("param").hash);
      const encoded = await manager.home.artifacts.get(ref);
      if (!encoded)
        throw new SluiceError(
          "not-found",
          `The stored bytes of artifact ${ref.hash.slice(0, 12)} are missing or corrupted; rerun the step that made it.`,
        );
      const body = encoded.kind === "json" ? encoded.text : encoded.bytes;
      return c.body(body as never, 200, {
        "content-type": CONTENT_TYPES[encoded.kind],
        "content-disposition": `attachment; filename="${ref.hash.slice(0, 12)}.${encoded.kind === "json" ? "json" : encoded.kind === "blob" ? "bin" : "arrow"}"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{project}/lineage/{ref}",
      operationId: "getLineage",
      tags: ["artifacts"],
      summary: "Upstream and downstream artifacts and steps of an artifact or step",
      request: {
        params: projectParam.extend({
          ref: z.string().describe("artifact hash, pipeline/step (URL-encoded) or step"),
        }),
        query: z.object({ depth: z.coerce.number().int().min(1).max(100).optional() }),
      },
      responses: { 200: json(wire.Lineage, "lineage"), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const start = await lineageStart(
        manager.home,
        await lineageQuery(manager.home, c.req.valid("param").ref, flows()),
        flows(),
      );
      return c.json(await lineageJson(manager.home, start, c.req.valid("query").depth ?? 10), 200);
    },
  );
}
