import { describe, expect, it } from "vitest";
import { evaluateValue, resolverFor, textOf, type EvaluationScope } from "./context.js";
import { parseExpression } from "./expression.js";

function scope(): EvaluationScope {
  const headers = new Map([
    ["content-type", "application/json"],
    ["x-rate-limit", "10, 20"],
  ]);
  return {
    doc: {
      value: {
        components: {
          parameters: { page: { name: "page", in: "query", value: 1 } },
          inputs: { pagination: { type: "object" } },
        },
      },
      sources: new Map([
        [
          "petstore",
          {
            entry: { name: "petstore", url: "./pets.yaml", type: "openapi" },
            url: "/abs/pets.yaml",
          },
        ],
      ]),
      workflows: new Map([
        ["other", { inputs: { user: "ann" }, outputs: { token: { value: "t-1" } } }],
      ]),
    },
    inputs: { id: 7, customer: { name: "Bo", tags: ["a", "b"] }, "dotted.name": true },
    steps: { login: { token: "abc", list: [{ id: 1 }, { id: 2 }] } },
    request: {
      url: "http://h/pets/7?q=x",
      method: "GET",
      headers: { "X-Trace": "t1", accept: "*/*" },
      query: { q: "x" },
      path: { id: 7 },
      hasBody: true,
      body: { pet: { name: "Rex" } },
    },
    response: {
      status: 201,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      body: { pets: [{ name: "Rex" }], "a/b": { "c~d": 5 } },
    },
    outputs: { outcome: "passed" },
  };
}

const read = (text: string, s = scope()) => resolverFor(s)(parseExpression(text));

describe("resolverFor", () => {
  it("reads $url, $method, $statusCode and the request's parts", () => {
    expect(read("$url")).toEqual({ found: true, value: "http://h/pets/7?q=x" });
    expect(read("$method")).toEqual({ found: true, value: "GET" });
    expect(read("$statusCode")).toEqual({ found: true, value: 201 });
    expect(read("$request.header.x-trace")).toEqual({ found: true, value: "t1" });
    expect(read("$request.header.Accept")).toEqual({ found: true, value: "*/*" });
    expect(read("$request.query.q")).toEqual({ found: true, value: "x" });
    expect(read("$request.path.id")).toEqual({ found: true, value: 7 });
    expect(read("$request.body#/pet/name")).toEqual({ found: true, value: "Rex" });
    expect(read("$request.query.nope").found).toBe(false);
  });

  it("reads response headers case-insensitively and the body through JSON pointers (RFC 6901 escapes)", () => {
    expect(read("$response.header.Content-Type")).toEqual({
      found: true,
      value: "application/json",
    });
    expect(read("$response.header.X-RATE-LIMIT")).toEqual({ found: true, value: "10, 20" });
    expect(read("$response.body#/pets/0/name")).toEqual({ found: true, value: "Rex" });
    expect(read("$response.body#/a~1b/c~0d")).toEqual({ found: true, value: 5 });
    expect(read("$response.body")).toEqual({ found: true, value: scope().response!.body });
    expect(read("$response.body#/pets/1").found).toBe(false);
    expect(read("$response.header.Missing").found).toBe(false);
  });

  it("reads inputs, step outputs, called workflow outputs and other workflows, with pointers", () => {
    expect(read("$inputs.id")).toEqual({ found: true, value: 7 });
    expect(read("$inputs.customer#/tags/1")).toEqual({ found: true, value: "b" });
    expect(read("$inputs.dotted.name")).toEqual({ found: true, value: true });
    expect(read("$steps.login.outputs.token")).toEqual({ found: true, value: "abc" });
    expect(read("$steps.login.outputs.list#/1/id")).toEqual({ found: true, value: 2 });
    expect(read("$steps.nope.outputs.token").found).toBe(false);
    expect(read("$outputs.outcome")).toEqual({ found: true, value: "passed" });
    expect(read("$workflows.other.inputs.user")).toEqual({ found: true, value: "ann" });
    expect(read("$workflows.other.outputs.token#/value")).toEqual({ found: true, value: "t-1" });
    expect(read("$workflows.missing.outputs.token").found).toBe(false);
  });

  it("reads source descriptions and components", () => {
    expect(read("$sourceDescriptions.petstore.url")).toEqual({
      found: true,
      value: "/abs/pets.yaml",
    });
    expect(read("$sourceDescriptions.petstore.type")).toEqual({ found: true, value: "openapi" });
    expect(read("$sourceDescriptions.petstore.getPet").found).toBe(false);
    expect(read("$components.parameters.page")).toEqual({
      found: true,
      value: { name: "page", in: "query", value: 1 },
    });
    expect(read("$components.inputs.pagination")).toEqual({
      found: true,
      value: { type: "object" },
    });
    expect(read("$components.successActions.none").found).toBe(false);
  });

  it("finds nothing for a request or response that has not happened, or inherited properties", () => {
    const empty: EvaluationScope = {
      doc: { value: {}, sources: new Map(), workflows: new Map() },
      inputs: {},
      steps: {},
    };
    for (const text of [
      "$url",
      "$method",
      "$statusCode",
      "$request.body",
      "$response.body",
      "$outputs.x",
      "$inputs.toString",
      "$steps.constructor.outputs.x",
    ])
      expect(read(text, empty).found).toBe(false);
  });
});

describe("evaluateValue", () => {
  const resolve = resolverFor(scope());
  it("keeps the type of a whole-value expression and interpolates embedded ones as text", () => {
    expect(evaluateValue("$inputs.customer", resolve)).toEqual({
      found: true,
      value: { name: "Bo", tags: ["a", "b"] },
    });
    expect(
      evaluateValue(
        "id={$inputs.id}, who={$inputs.customer#/name}, obj={$inputs.customer#/tags}",
        resolve,
      ),
    ).toEqual({ found: true, value: 'id=7, who=Bo, obj=["a","b"]' });
    expect(evaluateValue("plain", resolve)).toEqual({ found: true, value: "plain" });
    expect(evaluateValue(42, resolve)).toEqual({ found: true, value: 42 });
  });

  it("walks objects and arrays, leaving out members that find nothing", () => {
    expect(
      evaluateValue(
        {
          a: "$inputs.id",
          b: "$inputs.missing",
          c: ["$steps.login.outputs.token", "$inputs.missing"],
        },
        resolve,
      ),
    ).toEqual({ found: true, value: { a: 7, c: ["abc", null] } });
  });

  it("is not found when the expression or a part of the text is not", () => {
    expect(evaluateValue("$inputs.missing", resolve).found).toBe(false);
    expect(evaluateValue("x {$inputs.missing}", resolve).found).toBe(false);
  });

  it("writes values as text the JSON way", () => {
    expect([textOf("s"), textOf(1), textOf(null), textOf(true), textOf({ a: 1 })]).toEqual([
      "s",
      "1",
      "null",
      "true",
      '{"a":1}',
    ]);
  });
});
