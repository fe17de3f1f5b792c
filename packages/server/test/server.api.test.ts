// The HTTP API over real HTTP on 127.0.0.1: a real `sluice server` child process on a fresh home,
// keys made by the real CLI. Every route, the error shape, limits and idempotent triggers.
import http from "node:http";
import { join } from "node:path";
import { SqliteStore } from "sluice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesContaining } from "../../../test/support/home-files.js";
import {
  api,
  createKey,
  inWorkspace,
  startServer,
  waitForRun,
  type RunningServer,
} from "../../../test/support/sluice-server.js";
import { sluiceAsync } from "../../../test/support/cli.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { until } from "../../../test/support/until.js";

let server: RunningServer;
let key: string;

beforeAll(async () => {
  const home = tempDir("sluice-server-test-");
  key = (await createKey(home)).key;
  server = await startServer(home);
});
afterAll(async () => {
  await server?.stop();
});

const P = "/api/projects/demo";

async function trigger(body: unknown, headers: Record<string, string> = {}) {
  const response = await api(server, key, "POST", `${P}/flows/training/runs`, body, headers);
  expect(response.status, response.text).toBe(201);
  return response.json;
}

describe("meta routes", () => {
  it("answers the health check and serves the OpenAPI 3.1 document of every route without a key, listing the address it listens on", async () => {
    const health = await api(server, undefined, "GET", "/api/health");
    expect(health.status).toBe(200);
    expect(health.json.ok).toBe(true);
    const served = await api(server, undefined, "GET", "/api/openapi.json");
    expect(served.status, served.text).toBe(200);
    const doc = served.json;
    expect(doc.openapi).toBe("3.1.0");
    // Started with --port 0: the port it was given, not the default.
    expect(doc.servers).toEqual([{ url: server.url, description: "this sluice server" }]);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/api/health",
        "/api/projects",
        "/api/projects/{project}/artifacts/{hash}",
        "/api/projects/{project}/compare",
        "/api/projects/{project}/artifacts/{hash}/content",
        "/api/projects/{project}/datasets",
        "/api/projects/{project}/datasets/{dataset}",
        "/api/projects/{project}/datasets/{dataset}/rows",
        "/api/projects/{project}/events",
        "/api/projects/{project}/flows",
        "/api/projects/{project}/flows/{flow}",
        "/api/projects/{project}/flows/{flow}/preview",
        "/api/projects/{project}/flows/{flow}/reset",
        "/api/projects/{project}/flows/{flow}/runs",
        "/api/projects/{project}/lineage/{ref}",
        "/api/projects/{project}/models",
        "/api/projects/{project}/models/{name}/versions/{version}",
        "/api/projects/{project}/models/{name}/versions/{version}/promote",
        "/api/projects/{project}/runs",
        "/api/projects/{project}/runs/{runId}",
        "/api/projects/{project}/runs/{runId}/artifacts",
        "/api/projects/{project}/runs/{runId}/cancel",
        "/api/projects/{project}/runs/{runId}/events",
        "/api/projects/{project}/runs/{runId}/light",
        "/api/projects/{project}/runs/{runId}/logs",
        "/api/projects/{project}/runs/{runId}/metrics",
        "/api/projects/{project}/runs/{runId}/resume",
        "/api/projects/{project}/schedules",
        "/api/projects/{project}/schedules/{id}/pause",
        "/api/projects/{project}/schedules/{id}/resume",
        "/api/projects/{project}/schedules/{id}/trigger",
        "/api/projects/{project}/workers",
        "/api/whoami",
      ].sort(),
    );
    expect(
      doc.paths["/api/projects/{project}/runs/{runId}/light"].get.responses["200"].content[
        "application/json"
      ].schema.$ref,
    ).toBe("#/components/schemas/LightStatus");
    expect(doc.components.schemas.TriggerRequest.properties.params).toBeDefined();
    expect(doc.components.securitySchemes.apiKey.scheme).toBe("bearer");
    expect(doc.paths["/api/health"].get.security).toEqual([]);
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    const response = await api(server, key, "GET", "/api/nope");
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe("not-found");
  });
});

describe("access control", () => {
  it("refuses every route but the health check and the OpenAPI document without a key", async () => {
    const doc = (await api(server, undefined, "GET", "/api/openapi.json")).json;
    const open: string[] = [];
    for (const [template, operations] of Object.entries(
      doc.paths as Record<string, Record<string, unknown>>,
    )) {
      const path = template.replace("{project}", "demo").replace(/\{[^}]+\}/g, "x");
      for (const method of Object.keys(operations)) {
        const response = await api(server, undefined, method.toUpperCase(), path);
        if (response.status !== 401) open.push(`${method} ${template}: ${response.status}`);
      }
    }
    expect(open).toEqual(["get /api/health: 200"]);
  });

  it("refuses requests without a key, with a malformed, unknown or revoked key", async () => {
    const none = await api(server, undefined, "GET", `${P}/flows`);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    expect(none.json.error.message).toContain("sluice keys create");
    expect(
      (await api(server, undefined, "GET", `${P}/flows`, undefined, { authorization: "Basic abc" }))
        .status,
    ).toBe(401);
    const wrong = await api(
      server,
      "sluice_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "GET",
      `${P}/flows`,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toContain("Unknown API key");
    const doomed = await createKey(server.home);
    expect((await api(server, doomed.key, "GET", `${P}/flows`)).status).toBe(200);
    expect(
      (await sluiceAsync(["keys", "revoke", doomed.keyId], inWorkspace(server.home))).code,
    ).toBe(0);
    const revoked = await api(server, doomed.key, "GET", `${P}/flows`);
    expect(revoked.status).toBe(401);
    expect(revoked.json.error.message).toContain("revoked");
  });

  it("lets a read-only key read but not trigger, cancel or resume", async () => {
    const reader = (await createKey(server.home, "demo", true)).key;
    expect((await api(server, reader, "GET", `${P}/runs`)).status).toBe(200);
    const post = await api(server, reader, "POST", `${P}/flows/training/runs`, {});
    expect(post.status).toBe(403);
    expect(post.json.error.code).toBe("forbidden");
    expect(post.json.error.message).toContain("read-only");
    expect((await api(server, reader, "POST", `${P}/runs/x/cancel`)).status).toBe(403);
    expect((await api(server, reader, "POST", `${P}/runs/x/resume`)).status).toBe(403);
    // A home folder's runs run in the server: no workers to list.
    expect((await api(server, reader, "GET", `${P}/workers`)).json).toEqual({ workers: [] });
  });

  it("does not let one project's key see another project", async () => {
    const other = (await createKey(server.home, "other")).key;
    const response = await api(server, other, "GET", `${P}/runs`);
    expect(response.status).toBe(403);
    expect(response.json.error.message).toContain('belongs to project "other"');
    expect((await api(server, other, "GET", "/api/projects")).json.projects).toEqual([]);
    expect((await api(server, key, "GET", "/api/projects")).json.projects).toEqual([
      { key: "demo", flows: 2 },
    ]);
    const unknownProject = await api(server, other, "GET", "/api/projects/other/runs");
    expect(unknownProject.status).toBe(404);
  });

  it("lists keys without their secrets", async () => {
    const listed = (await sluiceAsync(["keys", "list", "--json"], inWorkspace(server.home))).json()
      .keys;
    expect(listed.length).toBeGreaterThan(0);
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(listed[0]).toMatchObject({ project: "demo", readOnly: false });
  });
});

describe("flows", () => {
  it("lists flows and gives one with its graph, parameter schema and versions", async () => {
    const list = await api(server, key, "GET", `${P}/flows`);
    expect(list.json.flows.map((f: { name: string }) => f.name)).toEqual(["training", "etl"]);
    const training = (await api(server, key, "GET", `${P}/flows/training`)).json;
    expect(training.version).toBe("1.2.0");
    expect(training.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(
      training.graph.steps.map((s: { name: string; deps: string[] }) => [s.name, s.deps]),
    ).toEqual([
      ["load", []],
      ["train", ["load"]],
    ]);
    expect(training.paramsSchema.properties.rows).toMatchObject({ type: "integer", default: 5 });
    expect(training.paramsSchema.properties.token).toMatchObject({ writeOnly: true });
    expect(training.versions).toEqual([
      { version: "1.2.0", hash: training.hash, registeredAt: expect.any(String) },
    ]);
    const missing = await api(server, key, "GET", `${P}/flows/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain("training, etl");
  });
});

describe("runs", () => {
  it("triggers a run, which the full and light status, logs, artifacts, datasets and lineage then show", async () => {
    const started = await trigger({ params: { rows: 4, token: "hunter2" } });
    expect(started).toMatchObject({
      status: "queued",
      running: true,
      created: true,
      params: { rows: 4, token: "***" },
      flow: { version: "1.2.0" },
    });
    const light = await waitForRun(server, key, started.runId);
    expect(light).toEqual({
      runId: started.runId,
      status: "succeeded",
      running: false,
      finishedAt: expect.any(String),
      outcome: "succeeded",
    });

    const detail = (await api(server, key, "GET", `${P}/runs/${started.runId}`)).json;
    expect(
      detail.steps.map((s: { name: string; status: string; attempts: number }) => [
        s.name,
        s.status,
        s.attempts,
      ]),
    ).toEqual([
      ["load", "succeeded", 1],
      ["train", "succeeded", 1],
    ]);
    expect(detail.firstFailure).toBeUndefined();
    expect(JSON.stringify(detail)).not.toContain("hunter2");
    expect(filesContaining(server.home, "hunter2")).toEqual([]);

    const listed = (
      await api(server, key, "GET", `${P}/runs?flow=training&status=succeeded&limit=5`)
    ).json.runs;
    expect(listed.map((r: { runId: string }) => r.runId)).toContain(started.runId);

    const logs = (await api(server, key, "GET", `${P}/runs/${started.runId}/logs`)).json.logs;
    expect(logs.map((l: { step: string; message: string }) => [l.step, l.message])).toEqual([
      ["load", "loading 4 rows"],
      ["train", "training on 4 rows with lr=0.1"],
    ]);
    expect(
      (await api(server, key, "GET", `${P}/runs/${started.runId}/logs?tail=1`)).json.logs,
    ).toHaveLength(1);
    expect(
      (await api(server, key, "GET", `${P}/runs/${started.runId}/logs?step=load`)).json.logs,
    ).toHaveLength(1);
    expect(
      (await api(server, key, "GET", `${P}/runs/${started.runId}/logs?step=nope`)).status,
    ).toBe(404);

    expect((await api(server, key, "GET", `${P}/runs/${started.runId}/metrics`)).json).toEqual({
      runId: started.runId,
      metrics: { train: { accuracy: 0.9 } },
    });

    const artifacts = (await api(server, key, "GET", `${P}/runs/${started.runId}/artifacts`)).json
      .artifacts;
    expect(artifacts.map((a: { step: string }) => a.step)).toEqual(["load", "train"]);
    const trained = artifacts.find((a: { step: string }) => a.step === "train");
    const meta = (await api(server, key, "GET", `${P}/artifacts/${trained.hash}`)).json;
    expect(meta).toMatchObject({
      hash: trained.hash,
      kind: "json",
      madeBy: [{ pipeline: "training", step: "train", runId: started.runId }],
    });
    const content = await api(server, key, "GET", `${P}/artifacts/${trained.hash}/content`);
    expect(content.headers.get("content-type")).toContain("application/json");
    expect(content.json).toEqual({ accuracy: 0.9, rows: 4 });
    expect((await api(server, key, "GET", `${P}/artifacts/${"0".repeat(64)}`)).status).toBe(404);
    expect((await api(server, key, "GET", `${P}/artifacts/xyz`)).status).toBe(400);

    const datasets = (await api(server, key, "GET", `${P}/datasets`)).json.datasets;
    expect(datasets.map((d: { dataset: string }) => d.dataset)).toContain("training/load");
    const schema = (
      await api(server, key, "GET", `${P}/datasets/${encodeURIComponent("training/load")}`)
    ).json;
    expect(schema).toMatchObject({
      dataset: "training/load",
      rows: 4,
      columns: [{ name: "id" }, { name: "score" }, { name: "label" }],
    });
    const rows = (await api(server, key, "GET", `${P}/datasets/load/rows?limit=2`)).json;
    expect(rows).toEqual({
      dataset: "training/load",
      rows: [
        { id: 0, score: 0, label: "row-0" },
        { id: 1, score: 0.1, label: "row-1" },
      ],
      total: 4,
    });
    expect((await api(server, key, "GET", `${P}/datasets/nope`)).status).toBe(404);

    const lineage = (
      await api(server, key, "GET", `${P}/lineage/${encodeURIComponent("training/train")}`)
    ).json;
    expect(lineage.artifact).toBe(trained.hash);
    expect(lineage.upstream.map((l: { step: string }) => l.step)).toEqual(["load"]);
  });

  it("names an artifact by a unique prefix of 12 or more hex digits; refuses a shorter one, and asks for more digits when several match", async () => {
    const started = await trigger({ params: { rows: 6 } });
    await waitForRun(server, key, started.runId);
    const hash: string = (
      await api(server, key, "GET", `${P}/runs/${started.runId}`)
    ).json.steps.find((s: { name: string }) => s.name === "train").output.hash;
    const prefix = hash.slice(0, 12);
    expect((await api(server, key, "GET", `${P}/artifacts/${prefix}`)).json).toMatchObject({
      hash,
      madeBy: [{ step: "train", runId: started.runId }],
    });
    expect((await api(server, key, "GET", `${P}/artifacts/${prefix}/content`)).json).toEqual({
      accuracy: 0.9,
      rows: 6,
    });
    const short = await api(server, key, "GET", `${P}/artifacts/${hash.slice(0, 11)}`);
    expect(short.status).toBe(400);
    expect(short.json.error).toMatchObject({
      code: "invalid-request",
      message: expect.stringContaining("at least 12"),
    });

    // Another output of the project sharing those 12 digits (made up: SHA-256 prefixes do not meet by chance).
    const twin = prefix + (hash[12] === "0" ? "1" : "0").repeat(52);
    const store = SqliteStore.open(join(server.home, "sluice.db"));
    await store.putCompletion({
      cacheKey: `twin-${twin}`,
      pipeline: "training",
      step: "twin",
      identity: "twin",
      codeHash: "x",
      paramsHash: "x",
      inputHashes: {},
      output: { hash: twin, kind: "json", size: 2 },
      runId: "twin",
      createdAt: 1,
      invalidatedAt: 1,
    });
    store.close();
    for (const path of [
      `${P}/artifacts/${prefix}`,
      `${P}/artifacts/${prefix}/content`,
      `${P}/lineage/${prefix}`,
    ]) {
      const ambiguous = await api(server, key, "GET", path);
      expect(ambiguous.status, path).toBe(409);
      expect(ambiguous.json.error).toMatchObject({
        code: "conflict",
        message: expect.stringContaining("matches 2 artifacts"),
        details: { candidates: 2 },
      });
      expect(ambiguous.json.error.message).toContain("more hex digits");
    }
    expect((await api(server, key, "GET", `${P}/artifacts/${hash.slice(0, 13)}`)).json.hash).toBe(
      hash,
    );
  });

  it("reports a failed run's first failure with its code and message, and no stack trace", async () => {
    const started = await trigger({ params: { fail: true } });
    expect((await waitForRun(server, key, started.runId)).outcome).toBe("failed");
    const detail = (await api(server, key, "GET", `${P}/runs/${started.runId}`)).json;
    expect(detail.firstFailure.step).toBe("train");
    expect(detail.firstFailure.error.message).toBe("training diverged");
    expect(JSON.stringify(detail)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(detail.firstFailure.error.stack).toBeUndefined();
  });

  it("cancels a running run and resumes it, reusing what finished", async () => {
    const started = await trigger({ params: { waitMs: 20_000 } });
    await until(
      async () =>
        (await api(server, key, "GET", `${P}/runs/${started.runId}`)).json.steps.find(
          (s: { name: string }) => s.name === "load",
        )?.status === "running",
      { what: "the run's first step to start" },
    );
    const cancelled = await api(server, key, "POST", `${P}/runs/${started.runId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json.status).toBe("cancelled");
    expect((await api(server, key, "POST", `${P}/runs/${started.runId}/cancel`)).status).toBe(409);
    const resumed = await api(server, key, "POST", `${P}/runs/${started.runId}/resume`, {
      params: { waitMs: 0 },
    });
    expect(resumed.status, resumed.text).toBe(200);
    expect((await waitForRun(server, key, started.runId)).outcome).toBe("succeeded");
    const again = await api(server, key, "POST", `${P}/runs/${started.runId}/resume`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("conflict");
  });

  it("shows a resumed run as queued or running, without the end of its earlier attempt, until it ends again", async () => {
    const started = await trigger({ params: { waitMs: 20_000 } });
    const cancelled = await api(server, key, "POST", `${P}/runs/${started.runId}/cancel`);
    expect(cancelled.json).toMatchObject({
      status: "cancelled",
      running: false,
      finishedAt: expect.any(String),
    });
    const resumed = await api(server, key, "POST", `${P}/runs/${started.runId}/resume`);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.json).toMatchObject({
      status: "queued",
      running: true,
      finishedAt: null,
      durationMs: null,
    });
    expect(resumed.json.error).toBeUndefined();
    const light = (await api(server, key, "GET", `${P}/runs/${started.runId}/light`)).json;
    expect(light).toMatchObject({ running: true, finishedAt: null, outcome: null });
    expect(["queued", "running"]).toContain(light.status);
    expect((await api(server, key, "GET", `${P}/runs/${started.runId}`)).json).toMatchObject({
      running: true,
      finishedAt: null,
      durationMs: null,
    });
    const ended = await api(server, key, "POST", `${P}/runs/${started.runId}/cancel`);
    expect(ended.json).toMatchObject({ status: "cancelled", finishedAt: expect.any(String) });
    expect((await api(server, key, "GET", `${P}/runs/${started.runId}/light`)).json).toMatchObject({
      status: "cancelled",
      running: false,
      finishedAt: expect.any(String),
      outcome: "cancelled",
    });
  });

  it("returns one run for twenty concurrent triggers with the same Idempotency-Key", async () => {
    const headers = { "idempotency-key": `key-${Date.now()}` };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(server, key, "POST", `${P}/flows/etl/runs`, {}, headers),
      ),
    );
    const ids = new Set(responses.map((r) => r.json.runId));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
    const runId = [...ids][0];
    await waitForRun(server, key, runId);
    const etlRuns = (await api(server, key, "GET", `${P}/runs?flow=etl&limit=100`)).json.runs;
    expect(etlRuns.filter((r: { runId: string }) => r.runId === runId)).toHaveLength(1);
    // The same key for another request is refused, naming the earlier run.
    const reused = await api(server, key, "POST", `${P}/flows/training/runs`, {}, headers);
    expect(reused.status).toBe(409);
    expect(reused.json.error.details.runId).toBe(runId);
    // Without a key, every POST is a new run.
    const [a, b] = await Promise.all([
      api(server, key, "POST", `${P}/flows/etl/runs`, {}),
      api(server, key, "POST", `${P}/flows/etl/runs`, {}),
    ]);
    expect(a.json.runId).not.toBe(b.json.runId);
  });
});

describe("bad requests", () => {
  it("answers malformed JSON, bad fields, unknown params, oversized bodies and unknown ids with the error shape", async () => {
    const malformed = await api(server, key, "POST", `${P}/flows/training/runs`, "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe("invalid-request");
    expect(malformed.json.error.message).toContain("not valid JSON");

    const extra = await api(server, key, "POST", `${P}/flows/training/runs`, {
      params: {},
      colour: "red",
    });
    expect(extra.status).toBe(400);
    expect(extra.json.error.details.issues[0].field).toContain("json");
    expect(extra.json.error.message).toContain("colour");

    const runsBefore = (await api(server, key, "GET", `${P}/runs?limit=1000`)).json.runs.length;
    for (const raw of [
      '{"params":{"__proto__":{"rows":7}}}',
      '{"params":{"rows":3,"lr":{"constructor":{"x":1}}}}',
      '{"__proto__":{"params":{}}}',
    ]) {
      const refused = await api(server, key, "POST", `${P}/flows/training/runs`, raw);
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({
        code: "invalid-request",
        message: expect.stringContaining("is not allowed"),
      });
    }
    expect((await api(server, key, "GET", `${P}/runs?limit=1000`)).json.runs).toHaveLength(
      runsBefore,
    );

    const unknown = await api(server, key, "POST", `${P}/flows/training/runs`, {
      params: { rowz: 3 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("unknown-param");
    expect(unknown.json.error.message).toContain('Did you mean "rows"');

    const invalid = await api(server, key, "POST", `${P}/flows/training/runs`, {
      params: { rows: -1 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe("invalid-param");

    const badTarget = await api(server, key, "POST", `${P}/flows/training/runs`, {
      targets: ["nope"],
    });
    expect(badTarget.status).toBe(400);

    const version = await api(server, key, "POST", `${P}/flows/training/runs`, {
      version: "0.9.0",
    });
    expect(version.status).toBe(409);
    expect(version.json.error.details).toEqual({ loaded: "1.2.0", requested: "0.9.0" });

    const big = await api(
      server,
      key,
      "POST",
      `${P}/flows/training/runs`,
      JSON.stringify({ params: { pad: "x".repeat(2 * 1024 * 1024) } }),
    );
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("payload-too-large");

    const limit = await api(server, key, "GET", `${P}/runs?limit=0`);
    expect(limit.status).toBe(400);
    expect(limit.json.error.details.issues[0].field).toBe("query.limit");
    const status = await api(server, key, "GET", `${P}/runs?status=done`);
    expect(status.status).toBe(400);

    for (const path of [
      `${P}/runs/nope`,
      `${P}/runs/nope/light`,
      `${P}/runs/nope/logs`,
      `${P}/runs/nope/metrics`,
      `${P}/runs/nope/artifacts`,
      `${P}/flows/nope`,
    ]) {
      const response = await api(server, key, "GET", path);
      expect(response.status, path).toBe(404);
      expect(response.json.error.code, path).toBe("not-found");
    }
    expect((await api(server, key, "POST", `${P}/flows/nope/runs`, {})).status).toBe(404);
    expect((await api(server, key, "POST", `${P}/runs/nope/cancel`)).status).toBe(404);
  });
});

describe("connections", () => {
  /** One request on `agent`; `body` is written in 64 KiB chunks (chunked, unless `length` is declared). */
  function send(
    agent: http.Agent,
    method: string,
    path: string,
    body?: { size: number; length?: number },
  ) {
    return new Promise<{
      status: number;
      connection: string | undefined;
      reused: boolean;
      text: string;
    }>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
      };
      if (body?.length !== undefined) headers["content-length"] = body.length;
      const request = http.request(
        `${server.url}${path}`,
        { method, agent, headers },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode!,
              connection: response.headers.connection,
              reused: request.reusedSocket,
              text,
            }),
          );
        },
      );
      request.on("error", reject);
      if (body === undefined) return request.end();
      const chunk = Buffer.alloc(64 * 1024, "x");
      for (let sent = 0; sent < body.size; sent += chunk.length)
        request.write(chunk.subarray(0, Math.min(chunk.length, body.size - sent)));
      if (body.length === undefined || body.length === body.size) request.end();
    });
  }

  it("keeps a connection usable after a 413, whether the body's length was declared or not", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await send(agent, "GET", `${P}/runs?limit=1`)).status).toBe(200);
      for (const body of [
        { size: 2 * 1024 * 1024 },
        { size: 2 * 1024 * 1024, length: 2 * 1024 * 1024 },
      ]) {
        const refused = await send(agent, "POST", `${P}/flows/training/runs`, body);
        expect(refused.status, refused.text).toBe(413);
        expect(JSON.parse(refused.text).error.code).toBe("payload-too-large");
        expect(refused.connection).toBe("keep-alive");
        const next = await send(agent, "GET", `${P}/runs?limit=1`);
        expect(next).toMatchObject({ status: 200, reused: true });
      }
    } finally {
      agent.destroy();
    }
  });

  it("says Connection: close on a 413 for a body too large to wait for", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // 64 MiB declared, 1 KiB sent: the answer comes without the rest, and the connection is not reused.
      const refused = await send(agent, "POST", `${P}/flows/training/runs`, {
        size: 1024,
        length: 64 * 1024 * 1024,
      });
      expect(refused.status).toBe(413);
      expect(refused.connection).toBe("close");
      expect(await send(agent, "GET", `${P}/runs?limit=1`)).toMatchObject({
        status: 200,
        reused: false,
      });
    } finally {
      agent.destroy();
    }
  });
});
