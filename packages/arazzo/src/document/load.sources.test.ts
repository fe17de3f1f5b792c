import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "./diagnostics.js";
import { loadArazzo, type LoadedDocument } from "./load.js";
import { checkStructure } from "./structure-check.js";

const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/arazzo/", import.meta.url));
const fixture = (name: string): string => FIXTURES + name;

/** A fetch that serves `files` (URL → text) and answers 404 for anything else; records what was asked. */
function fakeFetch(files: Record<string, string>): { fetch: typeof fetch; asked: string[] } {
  const asked: string[] = [];
  const fn = async (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    asked.push(url);
    const text = files[url];
    return text === undefined
      ? new Response("no", { status: 404, statusText: "Not Found" })
      : new Response(text, { status: 200 });
  };
  return { fetch: fn as typeof fetch, asked };
}

const arazzo = (sources: string): string => `arazzo: 1.0.1
info: { title: t, version: "1" }
sourceDescriptions:
${sources}
workflows:
  - workflowId: w
    steps:
      - stepId: s
        operationId: op
`;

const openapi = (paths: string, extra = ""): string => `openapi: 3.1.0
info: { title: api, version: "1" }
${extra}paths:
${paths}`;

describe("loadArazzo: the run-and-poll fixture", async () => {
  const result = await loadArazzo(fixture("run-and-poll.arazzo.yaml"));
  const api = result.documents.get(fixture("scenario-runs.openapi.yaml"))!;

  it("loads the document and its OpenAPI source without diagnostics", () => {
    expect(result.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(result.root.url).toBe(fixture("run-and-poll.arazzo.yaml"));
    expect(result.root.kind).toBe("arazzo");
    expect([...result.documents.keys()].sort()).toEqual(
      [fixture("run-and-poll.arazzo.yaml"), fixture("scenario-runs.openapi.yaml")].sort(),
    );
    expect(result.root.sources?.get("runner")).toBe(fixture("scenario-runs.openapi.yaml"));
    expect(api.kind).toBe("openapi");
    expect(checkStructure(result.root)).toEqual([]);
  });

  it("indexes operations by operationId with merged, resolved parameters and the request body", () => {
    const ops = api.operations!;
    expect(ops.all.map((o) => o.operationId)).toEqual(["getScenario", "startRun", "getRunStatus"]);
    const start = ops.byId.get("startRun")!;
    expect(start).toMatchObject({
      method: "post",
      path: "/scenarios/{scenarioId}/runs",
      pointer: "/paths/~1scenarios~1{scenarioId}~1runs/post",
    });
    expect(start.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["scenarioId", "path", true],
      ["X-Tenant", "header", true],
      ["dryRun", "query", false],
    ]);
    expect(start.requestBody).toEqual({ required: true, contentTypes: ["application/json"] });
    expect(start.servers).toEqual([
      { url: "https://eu.runner.example.com/v2", description: "Regional endpoint" },
    ]);
    expect(start.unresolvedRefs).toEqual([]);
  });

  it("operation servers win over document servers; operation parameters override path-level ones", () => {
    const status = api.operations!.byId.get("getRunStatus")!;
    expect(status.servers).toEqual([{ url: "https://status.runner.example.com" }]);
    expect(status.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ["runId", "path", true],
      ["X-Tenant", "header", false],
    ]);
    expect(status.requestBody).toBeUndefined();
  });

  it("finds operations by the JSON pointer of an operationPath, raw or percent-encoded", () => {
    const ops = api.operations!;
    expect(ops.byPointer("#/paths/~1runs~1{runId}~1status/get")?.operationId).toBe("getRunStatus");
    expect(ops.byPointer("/paths/~1runs~1%7BrunId%7D~1status/get")?.operationId).toBe(
      "getRunStatus",
    );
    expect(ops.byPointer("#/paths/~1runs~1{runId}~1status/post")).toBeUndefined();
    expect(ops.byPointer("#/paths/%E0%A4%A")).toBeUndefined();
    expect(ops.byPointer("paths")).toBeUndefined();
  });

  it("positions point into the OpenAPI file", () => {
    const start = api.operations!.byId.get("startRun")!;
    expect(api.positionOf([...start.location, "operationId"])).toEqual({ line: 34, column: 20 });
  });
});

describe("loadArazzo: several documents", () => {
  it("follows an arazzo source recursively and loads a shared OpenAPI description once", async () => {
    const result = await loadArazzo(fixture("nightly-suite.arazzo.yaml"));
    expect(result.diagnostics).toEqual([]);
    expect(result.documents.size).toBe(3);
    const nested = result.documents.get(fixture("run-and-poll.arazzo.yaml"))!;
    expect(nested.kind).toBe("arazzo");
    expect(result.root.sources?.get("runs")).toBe(nested.url);
    expect(nested.sources?.get("runner")).toBe(result.root.sources?.get("runner"));
    for (const doc of result.documents.values())
      if (doc.kind === "arazzo") expect(checkStructure(doc)).toEqual([]);
  });

  it("a JSON document loads the same way", async () => {
    const result = await loadArazzo(fixture("status-check.arazzo.json"));
    expect(result.diagnostics).toEqual([]);
    expect(checkStructure(result.root)).toEqual([]);
    expect(result.root.positionOf(["workflows", 0, "steps", 0, "operationPath"])).toEqual({
      line: 14,
      column: 28,
    });
  });

  it("guards cycles between Arazzo documents (over http)", async () => {
    const a = arazzo("  - { name: b, url: b.arazzo.yaml, type: arazzo }");
    const b = arazzo(
      "  - { name: a, url: 'https://x.test/flows/a.arazzo.yaml', type: arazzo }\n  - { name: api, url: ../api/openapi.yaml }",
    );
    const { fetch, asked } = fakeFetch({
      "https://x.test/flows/a.arazzo.yaml": a,
      "https://x.test/flows/b.arazzo.yaml": b,
      "https://x.test/api/openapi.yaml": openapi(
        "  /x:\n    get:\n      operationId: op\n",
        "servers: [{ url: /v1 }]\n",
      ),
    });
    const result = await loadArazzo("https://x.test/flows/a.arazzo.yaml", { fetch });
    expect(result.diagnostics).toEqual([]);
    expect(asked.sort()).toEqual([
      "https://x.test/api/openapi.yaml",
      "https://x.test/flows/a.arazzo.yaml",
      "https://x.test/flows/b.arazzo.yaml",
    ]);
    const api = result.documents.get("https://x.test/api/openapi.yaml")!;
    expect(api.kind).toBe("openapi"); // sniffed: that source has no type
    // A relative server URL is relative to where the description was served.
    expect(api.operations!.byId.get("op")!.servers).toEqual([{ url: "https://x.test/v1" }]);
  });
});

describe("loadArazzo: problems become diagnostics at the source's url", () => {
  it("a missing source file, and the rest of the document is still checked", async () => {
    const result = await loadArazzo(fixture("missing-source.arazzo.yaml"));
    expect(result.diagnostics).toHaveLength(1);
    const [d] = result.diagnostics;
    expect(d).toMatchObject({
      file: fixture("missing-source.arazzo.yaml"),
      line: 7,
      column: 10,
      path: "/sourceDescriptions/0/url",
    });
    expect(d!.message).toContain('source description "gone": cannot read');
    expect(d!.message).toContain("no such file");
    const structure = checkStructure(result.root);
    expect(structure.map((s) => [s.line, s.column, s.hint])).toEqual([
      [16, 9, "did you mean 'successCriteria'?"],
    ]);
  });

  const serve = (root: string, files: Record<string, string>) =>
    fakeFetch({ "https://h.test/root.yaml": root, ...files });
  const load = async (root: string, files: Record<string, string> = {}) => {
    const { fetch } = serve(root, files);
    return await loadArazzo("https://h.test/root.yaml", { fetch });
  };
  const one = async (root: string, files: Record<string, string> = {}) => {
    const result = await load(root, files);
    return result.diagnostics.map(
      (d) => `${d.file.replace("https://h.test/", "")}:${d.line}:${d.column}: ${d.message}`,
    );
  };

  it("HTTP errors", async () => {
    expect(await one(arazzo("  - name: api\n    url: api.yaml\n    type: openapi"))).toEqual([
      'root.yaml:5:10: source description "api": cannot read https://h.test/api.yaml: HTTP 404 Not Found',
    ]);
  });

  it("a source with a syntax error", async () => {
    const [d] = await one(arazzo("  - { name: api, url: api.yaml }"), {
      "https://h.test/api.yaml": "openapi: 3.1.0\npaths:\n  /a: [\n",
    });
    expect(d).toMatch(
      /^root\.yaml:4:23: source description "api": https:\/\/h\.test\/api\.yaml is not valid YAML or JSON \(\d+:\d+: YAML syntax error/,
    );
  });

  it("duplicate operationIds, reported in the OpenAPI file", async () => {
    const api = openapi(
      "  /a:\n    get:\n      operationId: same\n  /b:\n    post:\n      operationId: same\n",
    );
    expect(
      await one(arazzo("  - { name: api, url: api.yaml }"), { "https://h.test/api.yaml": api }),
    ).toEqual(['api.yaml:9:20: operationId "same" of POST /b is already used by GET /a (line 6)']);
  });

  it("Swagger 2.0, other OpenAPI versions, and a type that does not match", async () => {
    const root = arazzo(
      "  - { name: old, url: swagger.json }\n  - { name: next, url: v4.yaml, type: openapi }\n  - { name: flow, url: flow.yaml, type: openapi }\n  - { name: api, url: api.yaml, type: arazzo }",
    );
    const messages = await one(root, {
      "https://h.test/swagger.json": '{"swagger": "2.0", "paths": {}}',
      "https://h.test/v4.yaml": "openapi: 4.0.0\n",
      "https://h.test/flow.yaml": arazzo("  - { name: x, url: x.yaml }"),
      "https://h.test/api.yaml": openapi("  /a: {}\n"),
    });
    expect(messages.sort()).toEqual(
      [
        'root.yaml:4:23: source description "old": https://h.test/swagger.json is a Swagger 2.0 description, which sluice does not support',
        'root.yaml:5:24: source description "next": https://h.test/v4.yaml is not an OpenAPI 3.0.x or 3.1.x description (openapi: "4.0.0")',
        'root.yaml:6:24: source description "flow": https://h.test/flow.yaml is an Arazzo document, but the source description says type: openapi',
        'root.yaml:7:23: source description "api": https://h.test/api.yaml has no "arazzo" version field, so it is not an Arazzo document',
      ].sort(),
    );
  });

  it("unsupported url schemes", async () => {
    expect(await one(arazzo("  - { name: api, url: 'ftp://h.test/api.yaml' }"))).toEqual([
      'root.yaml:4:23: source description "api": url scheme "ftp:" is not supported',
    ]);
  });

  it("an unreadable root document", async () => {
    const result = await loadArazzo(fixture("does-not-exist.arazzo.yaml"));
    expect(result.root.value).toBeUndefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: fixture("does-not-exist.arazzo.yaml"),
        line: 1,
        column: 1,
        message: "cannot read the Arazzo document: no such file",
      }),
    ]);
  });

  it("a root with a syntax error still loads what it can", async () => {
    const result = await load(arazzo("  - { name: api, url: api.yaml }") + "  bad: [\n", {
      "https://h.test/api.yaml": openapi("  /a:\n    get: { operationId: op }\n"),
    });
    expect(
      result.diagnostics.some(
        (d) => d.file === "https://h.test/root.yaml" && /YAML syntax error/.test(d.message),
      ),
    ).toBe(true);
  });
});

describe("loadArazzo: sourceUrls and lazy $refs", () => {
  it("replaces a source's url by name and reports names that do not exist", async () => {
    const { fetch } = fakeFetch({
      "https://h.test/root.yaml": arazzo("  - { name: api, url: 'https://prod.test/api.yaml' }"),
    });
    const result = await loadArazzo("https://h.test/root.yaml", {
      fetch,
      sourceUrls: { api: fixture("scenario-runs.openapi.yaml"), nope: "x.yaml" },
    });
    expect(result.root.sources?.get("api")).toBe(fixture("scenario-runs.openapi.yaml"));
    expect(
      result.documents.get(fixture("scenario-runs.openapi.yaml"))?.operations?.byId.has("startRun"),
    ).toBe(true);
    expect(result.diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [3, 1, 'no source description is named "nope", so its replacement url cannot be used'],
    ]);
  });

  it("resolves only local $refs, and lists the others", async () => {
    const api = openapi(
      [
        "  /items/{id}:",
        "    $ref: '#/components/pathItems/Item'",
        "components:",
        "  pathItems:",
        "    Item:",
        "      parameters:",
        "        - $ref: 'common.yaml#/parameters/Id'",
        "        - $ref: '#/components/parameters/Loop'",
        "      put:",
        "        operationId: putItem",
        "        requestBody: { $ref: '#/components/requestBodies/Missing' }",
        "  parameters:",
        "    Loop: { $ref: '#/components/parameters/Loop' }",
        "",
      ].join("\n"),
    );
    const { fetch } = fakeFetch({
      "https://h.test/root.yaml": arazzo("  - { name: api, url: api.yaml }"),
      "https://h.test/api.yaml": api,
    });
    const result = await loadArazzo("https://h.test/root.yaml", { fetch });
    const doc = result.documents.get("https://h.test/api.yaml") as LoadedDocument;
    const put = doc.operations!.byPointer("#/paths/~1items~1{id}/put")!;
    expect(put.operationId).toBe("putItem");
    expect(put.location).toEqual(["components", "pathItems", "Item", "put"]);
    expect(put.parameters).toEqual([]);
    expect(put.requestBody).toBeUndefined();
    expect(put.unresolvedRefs.sort()).toEqual([
      "#/components/parameters/Loop",
      "#/components/requestBodies/Missing",
      "common.yaml#/parameters/Id",
    ]);
    expect(put.servers).toEqual([{ url: "https://h.test/" }]);
  });

  // How long it takes is measured by bench/arazzo-parse.mjs.
  it("indexes a big JSON description: every operation by id and by pointer, with its shared parameters", async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) {
      paths[`/things${i}/{id}`] = {
        parameters: [{ $ref: "#/components/parameters/Id" }],
        get: {
          operationId: `get${i}`,
          responses: {
            200: {
              description: "ok",
              content: {
                "application/json": {
                  schema: { type: "object", properties: { a: { type: "string" } } },
                },
              },
            },
          },
        },
      };
    }
    const big = JSON.stringify(
      {
        openapi: "3.0.3",
        info: { title: "big", version: "1" },
        paths,
        components: { parameters: { Id: { name: "id", in: "path", required: true } } },
      },
      null,
      2,
    );
    const { fetch } = fakeFetch({
      "https://h.test/root.yaml": arazzo("  - { name: api, url: big.json }"),
      "https://h.test/big.json": big,
    });
    const result = await loadArazzo("https://h.test/root.yaml", { fetch });
    const ops = result.documents.get("https://h.test/big.json")!.operations!;
    expect(ops.all).toHaveLength(3000);
    expect(ops.byId.get("get2999")!.parameters.map((p) => p.name)).toEqual(["id"]);
    expect(ops.byPointer("#/paths/~1things1500~1{id}/get")!.operationId).toBe("get1500");
  });
});
