import { describe, expect, it } from "vitest";
import {
  expressionToString,
  looksLikeExpression,
  parseExpression,
  scanExpression,
  type RuntimeExpression,
} from "./expression.js";
import { errorOf } from "../../../../test/support/error-of.js";

// Every runtime expression written in Arazzo 1.0.1's text (versions/1.0.1.md), with its AST.
const SPEC_EXAMPLES: Array<[string, RuntimeExpression]> = [
  ["$inputs.username", { kind: "inputs", name: "username" }],
  ["$inputs.password", { kind: "inputs", name: "password" }],
  ["$statusCode", { kind: "statusCode" }],
  [
    "$response.header.X-Expires-After",
    { kind: "response", source: { type: "header", name: "X-Expires-After" } },
  ],
  [
    "$response.header.X-Rate-Limit",
    { kind: "response", source: { type: "header", name: "X-Rate-Limit" } },
  ],
  ["$response.body", { kind: "response", source: { type: "body" } }],
  [
    "$steps.loginUser.outputs.sessionToken",
    { kind: "steps", stepId: "loginUser", field: "outputs", name: "sessionToken" },
  ],
  [
    "$steps.getPetStep.outputs.availablePets",
    { kind: "steps", stepId: "getPetStep", field: "outputs", name: "availablePets" },
  ],
  [
    "$steps.loginStep.outputs.tokenExpires",
    { kind: "steps", stepId: "loginStep", field: "outputs", name: "tokenExpires" },
  ],
  ["$inputs.x-api-key", { kind: "inputs", name: "x-api-key" }],
  ["$inputs.x-store-id", { kind: "inputs", name: "x-store-id" }],
  [
    "$components.successActions.notify",
    { kind: "components", type: "successActions", name: "notify" },
  ],
  ["$components.parameters.page", { kind: "components", type: "parameters", name: "page" }],
  ["$inputs.pet_id", { kind: "inputs", name: "pet_id" }],
  ["$inputs.coupon_code", { kind: "inputs", name: "coupon_code" }],
  ["$inputs.quantity", { kind: "inputs", name: "quantity" }],
  ["$inputs.petOrderRequest", { kind: "inputs", name: "petOrderRequest" }],
  ["$inputs.clientId", { kind: "inputs", name: "clientId" }],
  [
    "$steps.browser-authorize.outputs.code",
    { kind: "steps", stepId: "browser-authorize", field: "outputs", name: "code" },
  ],
  ["$method", { kind: "method" }],
  ["$request.header.accept", { kind: "request", source: { type: "header", name: "accept" } }],
  ["$request.path.id", { kind: "request", source: { type: "path", name: "id" } }],
  [
    "$request.body#/user/uuid",
    { kind: "request", source: { type: "body", pointer: ["user", "uuid"] } },
  ],
  ["$url", { kind: "url" }],
  ["$response.body#/status", { kind: "response", source: { type: "body", pointer: ["status"] } }],
  ["$response.header.Server", { kind: "response", source: { type: "header", name: "Server" } }],
  [
    "$workflows.foo.inputs.username",
    { kind: "workflows", workflowId: "foo", field: "inputs", name: "username" },
  ],
  [
    "$steps.someStepId.outputs.pets",
    { kind: "steps", stepId: "someStepId", field: "outputs", name: "pets" },
  ],
  [
    "$steps.someStepId.outputs.pets#/0/id",
    { kind: "steps", stepId: "someStepId", field: "outputs", name: "pets", pointer: ["0", "id"] },
  ],
  ["$outputs.bar", { kind: "outputs", name: "bar" }],
  [
    "$workflows.foo.outputs.bar",
    { kind: "workflows", workflowId: "foo", field: "outputs", name: "bar" },
  ],
  [
    "$workflows.foo.outputs.mappedResponse#/name",
    {
      kind: "workflows",
      workflowId: "foo",
      field: "outputs",
      name: "mappedResponse",
      pointer: ["name"],
    },
  ],
  ["$components.parameters.foo", { kind: "components", type: "parameters", name: "foo" }],
  [
    "$sourceDescriptions.petstoreDescription.url",
    { kind: "sourceDescriptions", name: "petstoreDescription", reference: "url" },
  ],
  // From the examples folder of the specification repository.
  [
    "$sourceDescriptions.auth-api.PAR",
    { kind: "sourceDescriptions", name: "auth-api", reference: "PAR" },
  ],
  ["$inputs.customer#/firstName", { kind: "inputs", name: "customer", pointer: ["firstName"] }],
  ["$response.body#/0/id", { kind: "response", source: { type: "body", pointer: ["0", "id"] } }],
  ["$response.header.Location", { kind: "response", source: { type: "header", name: "Location" } }],
];

describe("parseExpression on the specification's examples", () => {
  it.each(SPEC_EXAMPLES)("parses %s", (text, expected) => {
    expect(parseExpression(text)).toEqual(expected);
  });

  it.each(SPEC_EXAMPLES)("prints %s back unchanged", (text) => {
    expect(expressionToString(parseExpression(text))).toBe(text);
  });
});

describe("parseExpression on each ABNF production", () => {
  it("reads the three bare roots", () => {
    expect(parseExpression("$url")).toEqual({ kind: "url" });
    expect(parseExpression("$method")).toEqual({ kind: "method" });
    expect(parseExpression("$statusCode")).toEqual({ kind: "statusCode" });
  });

  it("reads every source of $request and $response", () => {
    for (const kind of ["request", "response"] as const) {
      expect(parseExpression(`$${kind}.header.Content-Type`)).toEqual({
        kind,
        source: { type: "header", name: "Content-Type" },
      });
      expect(parseExpression(`$${kind}.query.page`)).toEqual({
        kind,
        source: { type: "query", name: "page" },
      });
      expect(parseExpression(`$${kind}.path.petId`)).toEqual({
        kind,
        source: { type: "path", name: "petId" },
      });
      expect(parseExpression(`$${kind}.body`)).toEqual({ kind, source: { type: "body" } });
      expect(parseExpression(`$${kind}.body#/a/1`)).toEqual({
        kind,
        source: { type: "body", pointer: ["a", "1"] },
      });
    }
  });

  it("treats body# as a pointer to the whole body and keeps empty tokens", () => {
    expect(parseExpression("$response.body#")).toEqual({
      kind: "response",
      source: { type: "body", pointer: [] },
    });
    expect(parseExpression("$response.body#/")).toEqual({
      kind: "response",
      source: { type: "body", pointer: [""] },
    });
    expect(parseExpression("$response.body#/a//b")).toEqual({
      kind: "response",
      source: { type: "body", pointer: ["a", "", "b"] },
    });
  });

  it("decodes pointer escapes and re-encodes them when printing", () => {
    const parsed = parseExpression("$response.body#/paths/~1pet~1id~0x");
    expect(parsed).toEqual({
      kind: "response",
      source: { type: "body", pointer: ["paths", "/pet/id~x"] },
    });
    expect(expressionToString(parsed)).toBe("$response.body#/paths/~1pet~1id~0x");
  });

  it("allows any character but braces in pointer tokens of a whole value", () => {
    expect(parseExpression("$response.body#/a b/c.d/é/$x/#")).toEqual({
      kind: "response",
      source: { type: "body", pointer: ["a b", "c.d", "é", "$x", "#"] },
    });
  });

  it("reads header names as RFC 9110 tokens, every tchar included", () => {
    const name = "!#$%&'*+-.^_`|~09AZaz";
    expect(parseExpression(`$request.header.${name}`)).toEqual({
      kind: "request",
      source: { type: "header", name },
    });
  });

  it("reads query and path names as free text up to a brace", () => {
    expect(parseExpression("$request.query.filter[name]")).toEqual({
      kind: "request",
      source: { type: "query", name: "filter[name]" },
    });
    expect(parseExpression("$request.path.a b")).toEqual({
      kind: "request",
      source: { type: "path", name: "a b" },
    });
    expect(parseExpression("$response.query.q")).toEqual({
      kind: "response",
      source: { type: "query", name: "q" },
    });
    expect(parseExpression("$response.path.p")).toEqual({
      kind: "response",
      source: { type: "path", name: "p" },
    });
  });

  it("keeps dots in input and output names (keys match ^[a-zA-Z0-9.\\-_]+$)", () => {
    expect(parseExpression("$inputs.customer.id")).toEqual({ kind: "inputs", name: "customer.id" });
    expect(parseExpression("$outputs.a.b-c_d")).toEqual({ kind: "outputs", name: "a.b-c_d" });
    expect(parseExpression("$steps.s.outputs.x.y#/0")).toEqual({
      kind: "steps",
      stepId: "s",
      field: "outputs",
      name: "x.y",
      pointer: ["0"],
    });
  });

  it("takes a pointer after inputs, outputs, step and workflow outputs", () => {
    expect(parseExpression("$inputs.customer#/address/zip")).toEqual({
      kind: "inputs",
      name: "customer",
      pointer: ["address", "zip"],
    });
    expect(parseExpression("$outputs.list#/0")).toEqual({
      kind: "outputs",
      name: "list",
      pointer: ["0"],
    });
    expect(parseExpression("$workflows.w-1.inputs.i#/k")).toEqual({
      kind: "workflows",
      workflowId: "w-1",
      field: "inputs",
      name: "i",
      pointer: ["k"],
    });
  });

  it("reads $sourceDescriptions references as free text (operationIds are unrestricted)", () => {
    expect(parseExpression("$sourceDescriptions.petstore.getPetById")).toEqual({
      kind: "sourceDescriptions",
      name: "petstore",
      reference: "getPetById",
    });
    expect(parseExpression("$sourceDescriptions.s_1.get.pet/by id")).toEqual({
      kind: "sourceDescriptions",
      name: "s_1",
      reference: "get.pet/by id",
    });
  });

  it("reads every component type", () => {
    expect(parseExpression("$components.inputs.pagination")).toEqual({
      kind: "components",
      type: "inputs",
      name: "pagination",
    });
    expect(parseExpression("$components.parameters.storeId")).toEqual({
      kind: "components",
      type: "parameters",
      name: "storeId",
    });
    expect(parseExpression("$components.successActions.notify.v2")).toEqual({
      kind: "components",
      type: "successActions",
      name: "notify.v2",
    });
    expect(parseExpression("$components.failureActions.retry-later")).toEqual({
      kind: "components",
      type: "failureActions",
      name: "retry-later",
    });
  });

  it("matches roots and keywords case-insensitively (RFC 5234 §2.3) and prints them canonically", () => {
    expect(parseExpression("$STATUSCODE")).toEqual({ kind: "statusCode" });
    expect(parseExpression("$Response.Header.server")).toEqual({
      kind: "response",
      source: { type: "header", name: "server" },
    });
    const steps = parseExpression("$Steps.Login.OUTPUTS.Token");
    expect(steps).toEqual({ kind: "steps", stepId: "Login", field: "outputs", name: "Token" });
    expect(expressionToString(steps)).toBe("$steps.Login.outputs.Token");
    expect(parseExpression("$components.SUCCESSACTIONS.a")).toEqual({
      kind: "components",
      type: "successActions",
      name: "a",
    });
  });
});

describe("parseExpression on malformed input", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["", 0, /starting with "\$"/],
    ["inputs.x", 0, /starting with "\$"/],
    ["$", 0, /not followed by an expression root/],
    ["$inputz.x", 0, /Unknown runtime expression root "\$inputz".*Did you mean "\$inputs"\?/],
    ["$statusCode2", 0, /Did you mean "\$statusCode"\?/],
    ["$stepz.a.outputs.b", 0, /Did you mean "\$steps"\?/],
    ["$foo", 0, /Unknown runtime expression root "\$foo"/],
    ["$inputs", 7, /Expected "\." after "\$inputs"/],
    ["$inputs.", 8, /Expected an input name/],
    ["$inputs.#/a", 8, /Expected an input name/],
    ["$inputs.a b", 9, /no spaces/],
    ["$inputs.a{", 9, /Braces/],
    ["$inputs.a}", 9, /Braces/],
    ["$inputs.a#b", 10, /must start with "\/"/],
    ["$outputs.", 9, /Expected an output name/],
    ["$steps.a", 8, /Expected "\." after "\$steps.a"/],
    ["$steps.", 7, /Expected a step id/],
    ["$steps.a.output.b", 9, /Did you mean "outputs"\?/],
    ["$steps.a.b.outputs.c", 9, /Expected "outputs"/],
    ["$steps.a.outputs.", 17, /Expected an output name/],
    ["$steps.a.outputs.b#/x~", 21, /not followed by 0 or 1/],
    ["$workflows.w.output.x", 13, /"inputs" or "outputs".*Did you mean "outputs"\?/],
    ["$workflows.w.inputs", 19, /Expected "\."/],
    ["$request", 8, /Expected "\."/],
    ["$request.headers.X", 9, /Did you mean "header"\?/],
    ["$request.header.", 16, /header name/],
    ["$request.header.a b", 17, /Unexpected " "/],
    ["$request.header.X(Y", 17, /Unexpected "\("/],
    ["$request.query.", 15, /query parameter name/],
    ["$request.path.", 14, /path parameter name/],
    ["$response.bodyx", 10, /Did you mean "body"\?/],
    ["$response.body.x", 14, /Unexpected "\."/],
    ["$response.body#a", 15, /must start with "\/"/],
    ["$response.body#/a~2", 17, /not followed by 0 or 1/],
    ["$components.parameter.x", 12, /Did you mean "parameters"\?/],
    ["$components.parameters.", 23, /component name/],
    [
      "$components.x",
      12,
      /Expected "parameters" or "successActions" or "failureActions" or "inputs"/,
    ],
    ["$sourceDescriptions.x", 21, /Expected "\."/],
    ["$sourceDescriptions.x.", 22, /operationId, workflowId or field name/],
    ["$url.x", 4, /Unexpected "\."/],
    ["$method ", 7, /no spaces/],
  ];

  it.each(cases)("rejects %j at offset %i", (text, offset, message) => {
    const error = errorOf(() => parseExpression(text));
    expect(error.code).toBe("invalid-expression");
    expect(error.details?.offset).toBe(offset);
    expect(error.details?.expression).toBe(text);
    expect(error.message).toMatch(message);
  });
});

describe("scanExpression", () => {
  it("ends an expression at whitespace or an operator inside a condition", () => {
    const text = "$statusCode == 200 && $response.body#/pets/0/name!='x' || ($inputs.limit)";
    expect(scanExpression(text, 0)).toEqual({ expression: { kind: "statusCode" }, end: 11 });
    const body = text.indexOf("$response");
    expect(scanExpression(text, body)).toEqual({
      expression: { kind: "response", source: { type: "body", pointer: ["pets", "0", "name"] } },
      end: text.indexOf("!="),
    });
    const limit = text.indexOf("$inputs");
    expect(scanExpression(text, limit)).toEqual({
      expression: { kind: "inputs", name: "limit" },
      end: text.length - 1,
    });
  });

  it("stops header tokens at condition operators although they are tchars", () => {
    expect(scanExpression("$request.header.X-A!=1", 0).end).toBe(19);
    expect(scanExpression("$request.header.X-A&&b", 0).end).toBe(19);
    expect(scanExpression("$request.header.X-A||b", 0).end).toBe(19);
  });

  it("stops before index and dereference operators of a condition", () => {
    expect(scanExpression("$response.body.count", 0)).toEqual({
      expression: { kind: "response", source: { type: "body" } },
      end: 14,
    });
    expect(scanExpression("$inputs.list[0]", 0)).toEqual({
      expression: { kind: "inputs", name: "list" },
      end: 12,
    });
    expect(scanExpression("$response.body#/a[0]", 0).end).toBe(17);
  });

  it("in text context reads through spaces and operators up to a brace", () => {
    expect(scanExpression("{$request.query.a b=c}", 1, "text")).toEqual({
      expression: { kind: "request", source: { type: "query", name: "a b=c" } },
      end: 21,
    });
    expect(scanExpression("x {$response.body#/a (b)} y", 3, "text").end).toBe(24);
  });

  it("reports offsets into the whole text", () => {
    const error = errorOf(() => scanExpression("1 == $inputz.a", 5));
    expect(error.details?.offset).toBe(5);
    expect(error.message).toMatch(/Did you mean "\$inputs"/);
    expect(errorOf(() => scanExpression("abc", 1)).details?.offset).toBe(1);
    expect(errorOf(() => scanExpression("x == $response.body#/~", 5)).details?.offset).toBe(21);
  });
});

describe("looksLikeExpression", () => {
  it("says yes for known roots and near misses, no for other dollar strings", () => {
    expect(looksLikeExpression("$inputs.x y")).toBe(true);
    expect(looksLikeExpression("$inputz.x")).toBe(true);
    expect(looksLikeExpression("$StatusCode")).toBe(true);
    expect(looksLikeExpression("$5.00")).toBe(false);
    expect(looksLikeExpression("$HOME/bin")).toBe(false);
    expect(looksLikeExpression("inputs.x")).toBe(false);
    expect(looksLikeExpression("$")).toBe(false);
  });
});
