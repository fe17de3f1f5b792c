import { describe, expect, it } from "vitest";
import { SluiceError } from "sluice/internal";
import { buildRequest, maskHeaders, type BuiltRequest, type RequestInput } from "./request.js";
import { resolveValue } from "./request-values.js";
import { resolverOf, prng } from "../test-support.test-helper.js";

const BASE = {
  method: "get",
  serverUrl: "https://api.example.com/v1",
  pathTemplate: "/pets",
  parameters: [],
} satisfies RequestInput;

function build(input: Partial<RequestInput>, values: Record<string, unknown> = {}): BuiltRequest {
  return buildRequest({ ...BASE, ...input }, resolverOf(values));
}

function failure(input: Partial<RequestInput>, values: Record<string, unknown> = {}): SluiceError {
  try {
    build(input, values);
  } catch (error) {
    if (SluiceError.is(error)) return error;
    throw error;
  }
  throw new Error("expected buildRequest to fail");
}

describe("URL: server, path and path parameters", () => {
  it("joins the server URL (with a base path) and the path without doubling slashes", () => {
    expect(build({ serverUrl: "https://api.example.com/v1/" }).url).toBe(
      "https://api.example.com/v1/pets",
    );
    expect(build({ serverUrl: "https://api.example.com/v1", pathTemplate: "pets" }).url).toBe(
      "https://api.example.com/v1/pets",
    );
    expect(build({ serverUrl: "https://api.example.com", pathTemplate: "" }).url).toBe(
      "https://api.example.com",
    );
    expect(build({}).method).toBe("GET");
  });

  it("substitutes path parameters from expressions and constants", () => {
    const request = build(
      {
        pathTemplate: "/stores/{storeId}/pets/{petId}",
        parameters: [
          { name: "petId", in: "path", value: "$inputs.petId" },
          { name: "storeId", in: "path", value: 7 },
        ],
      },
      { "$inputs.petId": 42 },
    );
    expect(request.url).toBe("https://api.example.com/v1/stores/7/pets/42");
  });

  it("percent-encodes path values: / becomes %2F, spaces, unicode, and dot segments", () => {
    const url = (value: unknown) =>
      build({ pathTemplate: "/files/{name}", parameters: [{ name: "name", in: "path", value }] })
        .url;
    expect(url("a/b c")).toBe("https://api.example.com/v1/files/a%2Fb%20c");
    expect(url("café 😀")).toBe("https://api.example.com/v1/files/caf%C3%A9%20%F0%9F%98%80");
    expect(url("..")).toBe("https://api.example.com/v1/files/%2E%2E");
    expect(url(["a", "b/c"])).toBe("https://api.example.com/v1/files/a,b%2Fc");
    expect(url("x?y#z&")).toBe("https://api.example.com/v1/files/x%3Fy%23z%26");
  });

  it("embedded expressions in a path value make a string", () => {
    const request = build(
      {
        pathTemplate: "/pets/{id}",
        parameters: [{ name: "id", in: "path", value: "pet-{$inputs.n}" }],
      },
      { "$inputs.n": 3 },
    );
    expect(request.url).toBe("https://api.example.com/v1/pets/pet-3");
  });

  it("a path placeholder with no value is an invalid-document error naming the parameter", () => {
    const none = failure({ pathTemplate: "/pets/{petId}" });
    expect(none.code).toBe("invalid-document");
    expect(none.message).toMatch(/path parameter "petId".*add \{ name: petId, in: path/);
    expect(none.details?.parameter).toBe("petId");
    const unresolved = failure({
      pathTemplate: "/pets/{petId}",
      parameters: [{ name: "petId", in: "path", value: "$inputs.petId" }],
    });
    expect(unresolved.code).toBe("invalid-document");
    expect(unresolved.message).toMatch(/"petId": its value resolved to nothing/);
    expect(
      failure({
        pathTemplate: "/pets/{petId}",
        parameters: [{ name: "petId", in: "path", value: null }],
      }).message,
    ).toMatch(/resolved to null/);
  });

  it("a path parameter the path does not have is an error", () => {
    const error = failure({
      pathTemplate: "/pets/{id}",
      parameters: [
        { name: "id", in: "path", value: 1 },
        { name: "petId", in: "path", value: 2 },
      ],
    });
    expect(error.message).toMatch(
      /"petId" does not appear in the path "\/pets\/\{id\}"; its placeholders are \{id\}/,
    );
  });

  it("rejects bad methods, unknown locations, duplicates and URLs that are not absolute", () => {
    expect(failure({ method: "GE T" }).code).toBe("invalid-document");
    expect(
      failure({ parameters: [{ name: "x", in: "body" as "query", value: 1 }] }).message,
    ).toMatch(/needs a name and "in"/);
    expect(
      failure({
        parameters: [
          { name: "X-A", in: "header", value: 1 },
          { name: "x-a", in: "header", value: 2 },
        ],
      }).message,
    ).toMatch(/given twice/);
    expect(failure({ serverUrl: "" }).message).toMatch(/not an absolute URL/);
  });
});

describe("query, header and cookie parameters", () => {
  it("appends query parameters with URLSearchParams encoding; arrays repeat the key", () => {
    const request = build(
      {
        parameters: [
          { name: "username", in: "query", value: "$inputs.username" },
          { name: "tags", in: "query", value: ["a b", "c&d"] },
          { name: "limit", in: "query", value: 10 },
          { name: "empty", in: "query", value: null },
          { name: "absent", in: "query", value: "$inputs.absent" },
        ],
      },
      { "$inputs.username": "jo+anne" },
    );
    expect(request.url).toBe(
      "https://api.example.com/v1/pets?username=jo%2Banne&tags=a+b&tags=c%26d&limit=10&empty=",
    );
  });

  it("spreads an object into keys (form, explode) and adds to a query the URL already has", () => {
    const request = build(
      {
        serverUrl: "https://h.example/api?key=1",
        pathTemplate: "",
        parameters: [{ name: "filter", in: "query", value: "$inputs.filter" }],
      },
      { "$inputs.filter": { role: "admin", age: 3 } },
    );
    expect(request.url).toBe("https://h.example/api?key=1&role=admin&age=3");
  });

  it("sets header parameters as text: numbers, arrays a,b, objects as JSON", () => {
    const request = build(
      {
        parameters: [
          { name: "X-Api-Key", in: "header", value: "$inputs.x-api-key" },
          { name: "X-Count", in: "header", value: 5 },
          { name: "X-List", in: "header", value: ["a", 1] },
          { name: "X-Obj", in: "header", value: { a: 1 } },
          { name: "X-Trace", in: "header", value: "trace-{$inputs.id}" },
          { name: "X-None", in: "header", value: "$inputs.none" },
        ],
      },
      { "$inputs.x-api-key": "secret", "$inputs.id": 9 },
    );
    expect(request.headers).toEqual({
      "X-Api-Key": "secret",
      "X-Count": "5",
      "X-List": "a,1",
      "X-Obj": '{"a":1}',
      "X-Trace": "trace-9",
    });
  });

  it("refuses line breaks in header values and bad header names", () => {
    const injected = failure(
      { parameters: [{ name: "X-A", in: "header", value: "$inputs.v" }] },
      { "$inputs.v": "a\r\nSet-Cookie: x=1" },
    );
    expect(injected.code).toBe("invalid-inputs");
    expect(injected.message).toMatch(/header parameter "X-A" has a line break in its value/);
    expect(
      failure({ parameters: [{ name: "X-A", in: "header", value: "café ✓" }] }).message,
    ).toMatch(/has the character U\+2713/);
    expect(
      build({ parameters: [{ name: "X-A", in: "header", value: "café\tok" }] }).headers["X-A"],
    ).toBe("café\tok");
    expect(failure({ parameters: [{ name: "Bad Name", in: "header", value: "1" }] }).code).toBe(
      "invalid-document",
    );
  });

  it("joins cookie parameters into one Cookie header, values percent-encoded", () => {
    const request = build(
      {
        parameters: [
          { name: "session", in: "cookie", value: "$inputs.session" },
          { name: "theme", in: "cookie", value: "dark mode;x" },
        ],
      },
      { "$inputs.session": "abc" },
    );
    expect(request.headers.Cookie).toBe("session=abc; theme=dark%20mode%3Bx");
    const merged = build({
      parameters: [
        { name: "cookie", in: "header", value: "a=1" },
        { name: "b", in: "cookie", value: 2 },
      ],
    });
    expect(merged.headers).toEqual({ cookie: "a=1; b=2" });
  });
});

describe("request bodies", () => {
  const order = { "$inputs.pet_id": 12, "$inputs.coupon_code": "SAVE&5", "$inputs.quantity": 2 };

  it("an object payload: expressions keep their types, embedded ones make strings (JSON Object Example)", () => {
    const request = build(
      {
        method: "post",
        requestBody: {
          contentType: "application/json",
          payload: {
            petOrder: {
              petId: "$inputs.pet_id",
              couponCode: "$inputs.coupon_code",
              quantity: "$inputs.quantity",
              status: "placed",
              complete: false,
              note: "order {$inputs.pet_id}",
              missing: "$inputs.nothing",
              tags: ["$inputs.quantity", "x"],
            },
          },
        },
      },
      order,
    );
    const expected = {
      petOrder: {
        petId: 12,
        couponCode: "SAVE&5",
        quantity: 2,
        status: "placed",
        complete: false,
        note: "order 12",
        tags: [2, "x"],
      },
    };
    expect(JSON.parse(request.body as string)).toEqual(expected);
    expect(request.bodyValue).toEqual(expected);
    expect(request.headers["Content-Type"]).toBe("application/json");
    expect(request.method).toBe("POST");
  });

  it("a JSON text payload gets {$...} substituted as written (JSON Templated Example)", () => {
    const payload =
      '{\n  "petOrder": {\n    "petId": "{$inputs.pet_id}",\n    "quantity": {$inputs.quantity},\n    "status": "placed"\n  }\n}\n';
    const request = build({ requestBody: { contentType: "application/json", payload } }, order);
    expect(request.body).toBe(
      '{\n  "petOrder": {\n    "petId": "12",\n    "quantity": 2,\n    "status": "placed"\n  }\n}\n',
    );
    expect(request.bodyValue).toEqual({ petOrder: { petId: "12", quantity: 2, status: "placed" } });
  });

  it("a payload that is one expression is data (Complete Runtime Expression)", () => {
    const petOrderRequest = { petId: 1, tags: ["a"] };
    expect(
      build(
        { requestBody: { contentType: "application/json", payload: "$inputs.petOrderRequest" } },
        { "$inputs.petOrderRequest": petOrderRequest },
      ).body,
    ).toBe('{"petId":1,"tags":["a"]}');
    expect(
      build(
        { requestBody: { contentType: "application/json", payload: "$inputs.name" } },
        { "$inputs.name": "Rex" },
      ).body,
    ).toBe('"Rex"');
    expect(
      build(
        { requestBody: { contentType: "text/plain", payload: "$inputs.name" } },
        { "$inputs.name": "Rex" },
      ).body,
    ).toBe("Rex");
    const missing = failure({
      requestBody: { contentType: "application/json", payload: "$inputs.petOrderRequest" },
    });
    expect([missing.code, missing.message]).toEqual([
      "invalid-inputs",
      '$inputs.petOrderRequest in the request body payload has no value. Give the workflow input "petOrderRequest".',
    ]);
  });

  it("an XML text payload gets its values XML-escaped (XML Templated Example)", () => {
    const payload =
      "<petOrder>\n  <petId>{$inputs.pet_id}</petId>\n  <couponCode>{$inputs.coupon_code}</couponCode>\n</petOrder>";
    const request = build({ requestBody: { contentType: "application/xml", payload } }, order);
    expect(request.body).toBe(
      "<petOrder>\n  <petId>12</petId>\n  <couponCode>SAVE&amp;5</couponCode>\n</petOrder>",
    );
    expect(request.headers["Content-Type"]).toBe("application/xml");
  });

  it("form data: an object is URL-encoded, a text template has its values form-encoded (Form Data Examples)", () => {
    const values = {
      "$inputs.clientId": "my app",
      "$inputs.grantType": "authorization_code",
      "$inputs.redirectUri": "https://x.example/cb?a=1&b=2",
      "$inputs.clientSecret": "s3cr&t",
      "$inputs.scope": "read write",
      "$steps.browser-authorize.outputs.code": "c0de",
    };
    const object = build(
      {
        requestBody: {
          contentType: "application/x-www-form-urlencoded",
          payload: {
            client_id: "$inputs.clientId",
            grant_type: "$inputs.grantType",
            redirect_uri: "$inputs.redirectUri",
            client_secret: "$inputs.clientSecret",
            code: "$steps.browser-authorize.outputs.code",
            scope: "$inputs.scope",
          },
        },
      },
      values,
    );
    expect(object.body).toBe(
      "client_id=my+app&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fx.example%2Fcb%3Fa%3D1%26b%3D2&client_secret=s3cr%26t&code=c0de&scope=read+write",
    );
    expect(object.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    // The spec's own string example, typos included: "code{$...}" and a bare "$inputs.scope}" (evaluated as if braced).
    const text =
      "client_id={$inputs.clientId}&grant_type={$inputs.grantType}&redirect_uri={$inputs.redirectUri}&client_secret={$inputs.clientSecret}&code{$steps.browser-authorize.outputs.code}&scope=$inputs.scope}";
    const string = build(
      { requestBody: { contentType: "application/x-www-form-urlencoded", payload: text } },
      values,
    );
    expect(string.body).toBe(
      "client_id=my+app&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fx.example%2Fcb%3Fa%3D1%26b%3D2&client_secret=s3cr%26t&codec0de&scope=read+write}",
    );
    expect((string.bodyValue as Record<string, string>).redirect_uri).toBe(
      "https://x.example/cb?a=1&b=2",
    );
  });

  it("a header parameter's Content-Type wins over contentType", () => {
    const request = build({
      parameters: [{ name: "content-type", in: "header", value: "application/merge-patch+json" }],
      requestBody: { contentType: "application/json", payload: { a: 1 } },
    });
    expect(request.headers).toEqual({ "content-type": "application/merge-patch+json" });
    expect(request.body).toBe('{"a":1}');
  });

  it("serializes by content type: +json as JSON, bytes as they are, scalars as text; refuses objects as text", () => {
    expect(
      build({
        requestBody: {
          contentType: "application/vnd.api+json; charset=utf-8",
          payload: { data: [] },
        },
      }).body,
    ).toBe('{"data":[]}');
    const bytes = new Uint8Array([1, 2, 3]);
    expect(
      build(
        { requestBody: { contentType: "application/octet-stream", payload: "$inputs.file" } },
        { "$inputs.file": bytes },
      ).body,
    ).toBe(bytes);
    expect(build({ requestBody: { contentType: "text/plain", payload: 42 } }).body).toBe("42");
    expect(build({ requestBody: { payload: { a: 1 } } }).headers["Content-Type"]).toBe(
      "application/json",
    );
    expect(
      build({ requestBody: { payload: "plain text" } }).headers["Content-Type"],
    ).toBeUndefined();
    expect(
      failure({ requestBody: { contentType: "multipart/form-data", payload: { a: 1 } } }).message,
    ).toMatch(/Cannot send an object payload as multipart\/form-data/);
    expect(build({ requestBody: {} }).body).toBeUndefined();
  });

  it("an embedded expression with no value is an error that names where it is", () => {
    const error = failure({
      requestBody: { contentType: "application/json", payload: { note: "for {$inputs.who}" } },
    });
    expect(error.code).toBe("invalid-inputs");
    expect(error.message).toBe(
      '{$inputs.who} in the request body payload has no value. Give the workflow input "who".',
    );
    expect(
      failure({ parameters: [{ name: "q", in: "query", value: "{$steps.s.outputs.x}" }] }).message,
    ).toBe('{$steps.s.outputs.x} in the query parameter "q" has no value.');
    expect(
      failure({ parameters: [{ name: "q", in: "query", value: "{$inptus.x}" }] }).message,
    ).toMatch(/^In the query parameter "q": Unknown runtime expression root/);
  });

  it("payload keys such as __proto__ stay data", () => {
    const request = build(
      {
        requestBody: {
          contentType: "application/json",
          payload: JSON.parse('{"__proto__": {"polluted": "$inputs.x"}}') as unknown,
        },
      },
      { "$inputs.x": true },
    );
    expect(request.body).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("payload replacements", () => {
  it("JSON Pointer targets: the spec's examples, nested members and array items", () => {
    const request = build(
      {
        requestBody: {
          contentType: "application/json",
          payload: { petId: 0, quantity: 1, order: { items: [{ qty: 1 }, { qty: 1 }] } },
          replacements: [
            { target: "/petId", value: "$inputs.pet_id" },
            { target: "/quantity", value: 10 },
            { target: "/order/items/1/qty", value: "$inputs.qty" },
            { target: "/order/items/-", value: { qty: "$inputs.qty" } },
            { target: "/order/note", value: "rush {$inputs.pet_id}" },
            { target: "/a~1b", value: "slash" },
          ],
        },
      },
      { "$inputs.pet_id": 77, "$inputs.qty": 3 },
    );
    expect(request.bodyValue).toEqual({
      petId: 77,
      quantity: 10,
      order: { items: [{ qty: 1 }, { qty: 3 }, { qty: 3 }], note: "rush 77" },
      "a/b": "slash",
    });
    expect(JSON.parse(request.body as string)).toEqual(request.bodyValue);
  });

  it("create nothing that does not exist, and report where", () => {
    const payload = { order: { items: [{ qty: 1 }] } };
    const cases = [
      "/order/missing/qty",
      "/order/items/5",
      "/order/items/01/qty",
      "/order/items/0/qty/deeper",
    ];
    for (const target of cases) {
      const error = failure({
        requestBody: {
          contentType: "application/json",
          payload,
          replacements: [{ target, value: 1 }],
        },
      });
      expect(error.code, target).toBe("invalid-document");
      expect(error.message, target).toMatch(/points at nothing: the payload has no "/);
    }
    expect(
      failure({
        requestBody: {
          contentType: "application/json",
          payload,
          replacements: [{ target: "order", value: 1 }],
        },
      }).code,
    ).toBe("invalid-expression");
    expect(
      failure({
        requestBody: {
          contentType: "application/json",
          payload,
          replacements: [{ target: "/order", value: "$inputs.none" }],
        },
      }).message,
    ).toMatch(/\$inputs.none in the request body replacement 0 .* has no value/);
  });

  it("never change the values the resolver returned", () => {
    const input = { petOrder: { petId: 1 } };
    const request = build(
      {
        requestBody: {
          contentType: "application/json",
          payload: "$inputs.order",
          replacements: [{ target: "/petOrder/petId", value: 2 }],
        },
      },
      { "$inputs.order": input },
    );
    expect(request.bodyValue).toEqual({ petOrder: { petId: 2 } });
    expect(input).toEqual({ petOrder: { petId: 1 } });
  });

  it("apply to JSON text payloads and to the whole payload at the empty pointer", () => {
    const text = build(
      {
        requestBody: {
          contentType: "application/json",
          payload: '{"petId": "{$inputs.id}", "n": 1}',
          replacements: [{ target: "/n", value: 2 }],
        },
      },
      { "$inputs.id": "p1" },
    );
    expect(text.body).toBe('{"petId":"p1","n":2}');
    const whole = build({
      requestBody: {
        contentType: "application/json",
        payload: { a: 1 },
        replacements: [{ target: "", value: [1, 2] }],
      },
    });
    expect(whole.body).toBe("[1,2]");
    expect(
      failure(
        {
          requestBody: {
            contentType: "application/json",
            payload: "{ not json {$inputs.id}",
            replacements: [{ target: "/a", value: 1 }],
          },
        },
        { "$inputs.id": 1 },
      ).message,
    ).toMatch(/JSON payload to parse/);
    expect(
      failure({
        requestBody: {
          contentType: "text/plain",
          payload: "text",
          replacements: [{ target: "/a", value: 1 }],
        },
      }).message,
    ).toMatch(/Replacements need an object or array payload/);
  });

  it("XPath targets in XML payloads set element text, attributes and text nodes", () => {
    const payload =
      '<?xml version="1.0"?>\n<order id="0"><petId>0</petId><items><qty>1</qty><qty>1</qty></items><note>a<b>bold</b></note></order>';
    const request = build(
      {
        requestBody: {
          contentType: "application/xml",
          payload,
          replacements: [
            { target: "/order/petId", value: "$inputs.pet_id" },
            { target: "/order/@id", value: "A&B" },
            { target: "//qty", value: 5 },
            { target: "/order/note", value: "<script>" },
          ],
        },
      },
      { "$inputs.pet_id": 12 },
    );
    expect(request.body).toBe(
      '<?xml version="1.0"?>\n<order id="A&amp;B"><petId>12</petId><items><qty>5</qty><qty>5</qty></items><note>&lt;script&gt;</note></order>',
    );
    expect(request.bodyValue).toBe(request.body);
  });

  it("XPath targets that select nothing, do not parse or do not select nodes are errors", () => {
    const body = (target: string) => ({
      requestBody: {
        contentType: "text/xml",
        payload: "<order><petId>0</petId></order>",
        replacements: [{ target, value: 1 }],
      },
    });
    expect(failure(body("/order/missing")).message).toMatch(/selects nothing in the XML payload/);
    expect(failure(body("/order[")).code).toBe("invalid-expression");
    expect(failure(body("count(/order)")).message).toMatch(
      /not an XPath 1.0 expression that selects nodes/,
    );
    expect(
      failure({
        requestBody: {
          contentType: "application/xml",
          payload: "<order>",
          replacements: [{ target: "/order", value: 1 }],
        },
      }).message,
    ).toMatch(/XML payload to parse/);
    expect(
      failure({ requestBody: { replacements: [{ target: "/a", value: 1 }] } }).message,
    ).toMatch(/no payload/);
  });
});

describe("resolveValue", () => {
  it("walks objects and arrays, keeps whole-value types and leaves other values alone", () => {
    const resolve = resolverOf({
      "$inputs.n": 5,
      "$inputs.o": { a: [1] },
      "$response.body": { items: [{ id: "x" }] },
    });
    const date = new Date(0);
    expect(
      resolveValue(
        {
          n: "$inputs.n",
          o: "$inputs.o",
          id: "$response.body#/items/0/id",
          s: "n={$inputs.n}",
          keep: [true, null, 1.5],
          date,
          price: "$5.00",
        },
        resolve,
        "test",
      ),
    ).toEqual({
      n: 5,
      o: { a: [1] },
      id: "x",
      s: "n=5",
      keep: [true, null, 1.5],
      date,
      price: "$5.00",
    });
  });
});

describe("maskHeaders", () => {
  it("masks the default secret headers whatever their case, and a given list", () => {
    const headers = {
      Authorization: "Bearer t",
      "X-API-Key": "k",
      Cookie: "a=1",
      Accept: "application/json",
      "Proxy-Authorization": "p",
    };
    expect(maskHeaders(headers)).toEqual({
      Authorization: "***",
      "X-API-Key": "***",
      Cookie: "***",
      Accept: "application/json",
      "Proxy-Authorization": "***",
    });
    expect(maskHeaders(headers, ["accept"])).toEqual({ ...headers, Accept: "***" });
    expect(headers.Authorization).toBe("Bearer t");
  });
});

describe("fuzz: random templates, targets and values", () => {
  const FRAGMENTS = [
    "{",
    "}",
    "{$",
    "$inputs.",
    "a",
    "x",
    "$steps.s.outputs.",
    "#/",
    "/",
    "~",
    "~1",
    "<",
    ">",
    "&",
    "'",
    '"',
    "[",
    "]",
    "(",
    ")",
    "//",
    "@",
    " ",
    "\r\n",
    "%",
    "😀",
    "\ud800",
    "-",
    "0",
    "..",
  ];
  const VALUES: unknown[] = ["text", 1, null, [1, "a"], { k: "v" }, "\ud800", "a\r\nb", undefined];

  it("buildRequest throws only SluiceError and never hangs", () => {
    const next = prng(6901);
    const random = () => {
      let out = "";
      for (let i = 0, n = 1 + Math.floor(next() * 10); i < n; i++)
        out += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!;
      return out;
    };
    let built = 0;
    for (let i = 0; i < 2000; i++) {
      const values: Record<string, unknown> = {
        "$inputs.a": VALUES[Math.floor(next() * VALUES.length)],
        "$inputs.x": VALUES[Math.floor(next() * VALUES.length)],
      };
      const xml = next() < 0.5;
      const input: RequestInput = {
        ...BASE,
        pathTemplate: next() < 0.3 ? `/p/{id}` : "/p",
        parameters: [
          { name: "id", in: "path", value: random() },
          {
            name: next() < 0.9 ? "q" : random(),
            in: (["query", "header", "cookie"] as const)[Math.floor(next() * 3)]!,
            value: random(),
          },
        ],
        requestBody: {
          contentType: xml
            ? "application/xml"
            : next() < 0.5
              ? "application/json"
              : "application/x-www-form-urlencoded",
          payload: xml ? `<a><b>${random()}</b></a>` : next() < 0.5 ? random() : { k: random() },
          replacements: next() < 0.5 ? [{ target: random(), value: random() }] : [],
        },
      };
      if (input.pathTemplate === "/p") input.parameters.shift();
      try {
        buildRequest(input, resolverOf(values));
        built++;
      } catch (error) {
        expect(SluiceError.is(error), `${JSON.stringify(input)}: ${String(error)}`).toBe(true);
      }
    }
    expect(built).toBeGreaterThan(100);
  });
});
