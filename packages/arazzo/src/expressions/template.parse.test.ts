import { describe, expect, it } from "vitest";
import { parseTemplate, templateExpressions } from "./template.js";
import { errorOf } from "../../../../test/support/error-of.js";

describe("parseTemplate", () => {
  it("makes a value that is exactly one expression a whole-value expression", () => {
    expect(parseTemplate("$inputs.petOrderRequest")).toEqual({
      kind: "expression",
      expression: { kind: "inputs", name: "petOrderRequest" },
    });
    expect(parseTemplate("$response.body#/a b")).toEqual({
      kind: "expression",
      expression: { kind: "response", source: { type: "body", pointer: ["a b"] } },
    });
  });

  it("splits the specification's operationPath template", () => {
    const text = "{$sourceDescriptions.petstoreDescription.url}#/paths/~1pet~1findByStatus/get";
    expect(parseTemplate(text)).toEqual({
      kind: "interpolated",
      parts: [
        {
          kind: "expression",
          expression: { kind: "sourceDescriptions", name: "petstoreDescription", reference: "url" },
          offset: 0,
          end: 45,
        },
        { kind: "literal", text: "#/paths/~1pet~1findByStatus/get" },
      ],
    });
  });

  it("keeps a lone {$...} a string template (embedded values become text)", () => {
    expect(parseTemplate("{$inputs.quantity}")).toEqual({
      kind: "interpolated",
      parts: [
        {
          kind: "expression",
          expression: { kind: "inputs", name: "quantity" },
          offset: 0,
          end: 18,
        },
      ],
    });
  });

  it("reads every expression of the specification's form-data string example", () => {
    const text =
      "client_id={$inputs.clientId}&grant_type={$inputs.grantType}&redirect_uri={$inputs.redirectUri}&client_secret={$inputs.clientSecret}&code{$steps.browser-authorize.outputs.code}&scope=$inputs.scope}";
    const template = parseTemplate(text);
    expect(templateExpressions(template)).toEqual([
      { kind: "inputs", name: "clientId" },
      { kind: "inputs", name: "grantType" },
      { kind: "inputs", name: "redirectUri" },
      { kind: "inputs", name: "clientSecret" },
      { kind: "steps", stepId: "browser-authorize", field: "outputs", name: "code" },
      { kind: "inputs", name: "scope" },
    ]);
    // The example's last "$inputs.scope}" has no "{": a bare expression (as if braced, with a warning), then a literal "}".
    expect(template.kind === "interpolated" && template.parts.slice(-3)).toEqual([
      { kind: "literal", text: "&scope=" },
      {
        kind: "expression",
        expression: { kind: "inputs", name: "scope" },
        offset: text.length - 14,
        end: text.length - 1,
        bare: true,
      },
      { kind: "literal", text: "}" },
    ]);
  });

  it("treats JSON braces and stray } as literal text", () => {
    const text = '{\n  "petId": "{$inputs.pet_id}",\n  "complete": false }';
    const template = parseTemplate(text);
    expect(template).toEqual({
      kind: "interpolated",
      parts: [
        { kind: "literal", text: '{\n  "petId": "' },
        { kind: "expression", expression: { kind: "inputs", name: "pet_id" }, offset: 14, end: 30 },
        { kind: "literal", text: '",\n  "complete": false }' },
      ],
    });
    expect(parseTemplate("{{$inputs.a}}")).toEqual({
      kind: "interpolated",
      parts: [
        { kind: "literal", text: "{" },
        { kind: "expression", expression: { kind: "inputs", name: "a" }, offset: 1, end: 12 },
        { kind: "literal", text: "}" },
      ],
    });
  });

  it("reads XML templates", () => {
    const template = parseTemplate("<petId>{$inputs.pet_id}</petId><q>{$steps.s.outputs.q#/0}</q>");
    expect(templateExpressions(template)).toEqual([
      { kind: "inputs", name: "pet_id" },
      { kind: "steps", stepId: "s", field: "outputs", name: "q", pointer: ["0"] },
    ]);
  });

  it("lets embedded query names and pointers hold spaces and operators", () => {
    expect(templateExpressions(parseTemplate("a {$request.query.x y} b"))).toEqual([
      { kind: "request", source: { type: "query", name: "x y" } },
    ]);
    expect(templateExpressions(parseTemplate("{$response.body#/a==b}"))).toEqual([
      { kind: "response", source: { type: "body", pointer: ["a==b"] } },
    ]);
  });

  it("returns plain text as a literal", () => {
    expect(parseTemplate("")).toEqual({ kind: "literal", text: "" });
    expect(parseTemplate("hello {world}")).toEqual({ kind: "literal", text: "hello {world}" });
    expect(parseTemplate("$5.00")).toEqual({ kind: "literal", text: "$5.00" });
    expect(parseTemplate("$HOME/bin")).toEqual({ kind: "literal", text: "$HOME/bin" });
    // JSON Schema keywords in payloads are not near misses of a root.
    for (const text of ["$ref", "$schema", "$id", "$defs", "$comment", "$anchor"])
      expect(parseTemplate(text)).toEqual({ kind: "literal", text });
    expect(templateExpressions(parseTemplate("plain"))).toEqual([]);
  });

  it("interpolates a dollar string whose start is not an expression", () => {
    expect(parseTemplate("$5 for {$inputs.item}")).toEqual({
      kind: "interpolated",
      parts: [
        { kind: "literal", text: "$5 for " },
        { kind: "expression", expression: { kind: "inputs", name: "item" }, offset: 7, end: 21 },
      ],
    });
  });
});

describe("parseTemplate on malformed input", () => {
  it.each([
    // An intended whole-value expression that does not parse is an error, not text.
    ["$inputz.id", 0, /Did you mean "\$inputs"/],
    ["$steps.retrieveFinalizedPaymentPlan.finalizedPaymentPlan", 36, /Expected "outputs"/],
    ["$inputs.a b", 9, /no spaces/],
    ["$statusCode}", 11, /Braces/],
    // Malformed embedded expressions.
    ["x {$inputs.a", 12, /must end with "}".*reached the end/],
    ["x {$inputs.a b}", 12, /must end with "}".*found " "/],
    ["{$inputs.}", 9, /Expected an input name/],
    ["id={$5}", 4, /Unknown runtime expression root "\$5" at offset 4/],
    ["id={$}", 4, /"\$" at offset 4 is not followed by an expression root/],
    ["a{$inputz.b}", 2, /Did you mean "\$inputs"/],
    ["{$response.body#x}", 16, /must start with "\/"/],
    ["{$response.body#/~}", 17, /not followed by 0 or 1/],
    ["ok {$inputs.a} then {$steps.x}", 29, /Expected "\."/],
    ["{$inputs.a{$inputs.b}}", 10, /must end with "}".*found "\{"/],
  ])("rejects %j at offset %i", (text, offset, message) => {
    const error = errorOf(() => parseTemplate(text));
    expect(error.code).toBe("invalid-expression");
    expect(error.details?.offset).toBe(offset);
    expect(error.message).toMatch(message);
  });
});
