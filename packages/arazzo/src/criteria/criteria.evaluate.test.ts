import { describe, expect, it } from "vitest";
import { SluiceError } from "sluice/internal";
import {
  compileCriterion,
  describeCriterion,
  evaluateCriterion,
  type CriterionInput,
} from "./criteria.js";
import { expressionToString } from "../expressions/expression.js";
import { resolverOf, prng } from "../test-support.test-helper.js";

function holds(criterion: CriterionInput, values: Record<string, unknown>): boolean {
  return evaluateCriterion(compileCriterion(criterion), resolverOf(values));
}

const body = (value: unknown) => ({ "$response.body": value });

function compileError(criterion: CriterionInput): SluiceError {
  try {
    compileCriterion(criterion);
  } catch (error) {
    if (SluiceError.is(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(criterion)} not to compile`);
}

describe("the Arazzo 1.0.1 examples", () => {
  it("simple: $statusCode == 200", () => {
    expect(holds({ condition: "$statusCode == 200" }, { $statusCode: 200 })).toBe(true);
    expect(holds({ condition: "$statusCode == 200" }, { $statusCode: 404 })).toBe(false);
  });

  it("regex: ^200$ on $statusCode (a number, tested as its decimal text)", () => {
    const criterion: CriterionInput = { context: "$statusCode", condition: "^200$", type: "regex" };
    expect(holds(criterion, { $statusCode: 200 })).toBe(true);
    expect(holds(criterion, { $statusCode: 2000 })).toBe(false);
    expect(holds(criterion, { $statusCode: "200" })).toBe(true);
  });

  it("jsonpath: $[?count(@.pets) > 0] on $response.body holds when there are pets, not for none", () => {
    const criterion: CriterionInput = {
      context: "$response.body",
      condition: "$[?count(@.pets) > 0]",
      type: "jsonpath",
    };
    expect(holds(criterion, body({ pets: [{ id: 1, name: "Rex" }] }))).toBe(true);
    expect(holds(criterion, body({ pets: [] }))).toBe(false);
    expect(holds(criterion, body({}))).toBe(false);
    expect(holds(criterion, body({ other: [1] }))).toBe(false);
  });

  it("jsonpath with a Criterion Expression Type Object: the Goessner draft", () => {
    const type = { type: "jsonpath", version: "draft-goessner-dispatch-jsonpath-00" } as const;
    expect(
      holds(
        { context: "$response.body", condition: "$[?(@.pets.length > 0)]", type },
        body({ pets: [{ id: 1 }] }),
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body", condition: "$[?(@.pets.length > 0)]", type },
        body({ pets: [] }),
      ),
    ).toBe(false);
    expect(
      holds(
        { context: "$response.body", condition: "$.pets[?(@.age > 2)]", type },
        body({ pets: [{ age: 1 }, { age: 3 }] }),
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body", condition: "$.pets[?(@.age > 5)]", type },
        body({ pets: [{ age: 1 }, { age: 3 }] }),
      ),
    ).toBe(false);
  });

  it("xpath with a Criterion Expression Type Object: xpath-30, evaluated as XPath 1.0", () => {
    const type = { type: "xpath", version: "xpath-30" } as const;
    const xml = "<root><pets><pet>Rex</pet></pets></root>";
    expect(
      holds({ context: "$response.body", condition: "count(/root/pets/*) > 0", type }, body(xml)),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body", condition: "count(/root/pets/*) > 0", type },
        body("<root><pets/></root>"),
      ),
    ).toBe(false);
  });

  it("the example workflows: bnpl's count(@.products) and oauth's access_token test", () => {
    const found: CriterionInput = {
      context: "$response.body",
      type: "jsonpath",
      condition: "$[?count(@.products) > 0]",
    };
    const none: CriterionInput = {
      context: "$response.body",
      type: "jsonpath",
      condition: "$[?count(@.products) == 0]",
    };
    expect([
      holds(found, body({ products: [{ id: "p1" }] })),
      holds(none, body({ products: [{ id: "p1" }] })),
    ]).toEqual([true, false]);
    expect([holds(found, body({ products: [] })), holds(none, body({ products: [] }))]).toEqual([
      false,
      true,
    ]);
    const token: CriterionInput = {
      context: "$response.body",
      condition: "$[?@.access_token != null]",
      type: "jsonpath",
    };
    expect(holds(token, body({ access_token: "abc" }))).toBe(true);
    expect(holds(token, body({ access_token: null }))).toBe(false);
  });

  it("Arazzo 1.1.0's examples: $.pets[*], ^2\\d{2}$ and XPath node sets", () => {
    expect(
      holds(
        { context: "$response.body", condition: "$.pets[*]", type: "jsonpath" },
        body({ pets: [1] }),
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body", condition: "$.pets[*]", type: "jsonpath" },
        body({ pets: [] }),
      ),
    ).toBe(false);
    expect(
      holds(
        { context: "$statusCode", condition: "^2\\d{2}$", type: "regex" },
        { $statusCode: 204 },
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$statusCode", condition: "^2\\d{2}$", type: "regex" },
        { $statusCode: 302 },
      ),
    ).toBe(false);
    expect(
      holds(
        { context: "$response.body", condition: "/root/pets", type: "xpath" },
        body("<root><pets/></root>"),
      ),
    ).toBe(true);
    expect(
      holds({ context: "$response.body", condition: "/root/pets", type: "xpath" }, body("<root/>")),
    ).toBe(false);
  });
});

describe("regex criteria", () => {
  it("are unanchored and tested against strings, numbers and booleans as text", () => {
    expect(
      holds(
        { context: "$response.header.Content-Type", condition: "json", type: "regex" },
        { "$response.header.Content-Type": "application/json; charset=utf-8" },
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body#/ok", condition: "^true$", type: "regex" },
        body({ ok: true }),
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body#/n", condition: "^-1\\.5$", type: "regex" },
        body({ n: -1.5 }),
      ),
    ).toBe(true);
  });

  it("cannot hang the runner: nested quantifiers run in linear time, and patterns RE2 cannot run stop at a hard limit", () => {
    const evil = "a".repeat(40) + "!";
    expect(
      holds({ context: "$response.body", condition: "^(a+)+$", type: "regex" }, body(evil)),
    ).toBe(false);
    expect(
      holds(
        { context: "$response.body", condition: "^(a|aa)+$", type: "regex" },
        body("a".repeat(60)),
      ),
    ).toBe(true);
    // Backreferences and lookaround still work (on the ECMAScript engine)...
    expect(
      holds({ context: "$response.body", condition: "^(\\w)\\1$", type: "regex" }, body("zz")),
    ).toBe(true);
    expect(
      holds(
        { context: "$response.body", condition: "^(?=.*done)", type: "regex" },
        body("all done"),
      ),
    ).toBe(true);
    // ...under a time limit: a catastrophic one fails the step with a clear error instead of hanging.
    const compiled = compileCriterion({
      context: "$response.body",
      condition: "^(?=(a+)+$)b",
      type: "regex",
    });
    expect(() => evaluateCriterion(compiled, resolverOf(body(evil)))).toThrow(
      /did not finish within 1000 ms on a value of 41 characters \(catastrophic backtracking\)/,
    );
  });

  it("are false for objects, arrays, null and missing contexts", () => {
    const criterion: CriterionInput = { context: "$response.body", condition: ".*", type: "regex" };
    expect(holds(criterion, body({ status: "ok" }))).toBe(false);
    expect(holds(criterion, body(["ok"]))).toBe(false);
    expect(holds(criterion, body(null))).toBe(false);
    expect(holds(criterion, {})).toBe(false);
    expect(holds(criterion, body(""))).toBe(true);
  });

  it("use the u flag (code points, \\p{...}) and accept legacy-only patterns", () => {
    expect(
      holds(
        { context: "$inputs.name", condition: "^\\p{Lu}", type: "regex" },
        { "$inputs.name": "Élan" },
      ),
    ).toBe(true);
    expect(
      holds({ context: "$inputs.name", condition: "^.$", type: "regex" }, { "$inputs.name": "😀" }),
    ).toBe(true);
    expect(
      holds(
        { context: "$inputs.name", condition: "^[\\w-.]+$", type: "regex" },
        { "$inputs.name": "a-b.c" },
      ),
    ).toBe(true);
    expect(
      holds(
        { context: "$inputs.name", condition: "^[\\w-.]+$", type: "regex" },
        { "$inputs.name": "a b" },
      ),
    ).toBe(false);
  });

  it("are stateless across evaluations (no g/y flags)", () => {
    const compiled = compileCriterion({ context: "$inputs.x", condition: "a", type: "regex" });
    const resolve = resolverOf({ "$inputs.x": "banana" });
    expect([
      evaluateCriterion(compiled, resolve),
      evaluateCriterion(compiled, resolve),
      evaluateCriterion(compiled, resolve),
    ]).toEqual([true, true, true]);
  });
});

describe("RFC 9535 jsonpath criteria: which value a leading filter tests", () => {
  const jp = (condition: string): CriterionInput => ({
    context: "$response.body",
    condition,
    type: "jsonpath",
  });

  it("a leading filter tests an object context itself, not its members", () => {
    expect(holds(jp("$[?@.status == 'ready']"), body({ status: "ready" }))).toBe(true);
    expect(
      holds(jp("$[?@.status == 'ready']"), body({ status: "pending", job: { status: "ready" } })),
    ).toBe(false);
  });

  it("a leading filter over an array context tests its elements", () => {
    expect(
      holds(jp("$[?@.status == 'ready']"), body([{ status: "pending" }, { status: "ready" }])),
    ).toBe(true);
    expect(holds(jp("$[?@.status == 'ready']"), body([{ status: "pending" }]))).toBe(false);
  });

  it("a leading filter tests a scalar context itself", () => {
    expect(holds(jp("$[?@ > 3]"), body(5))).toBe(true);
    expect(holds(jp("$[?@ > 3]"), body(2))).toBe(false);
    expect(holds(jp("$[?@ == 'done']"), body("done"))).toBe(true);
  });

  it("ordinary paths run on the context as written", () => {
    expect(holds(jp("$.pets[0]"), body({ pets: [{ id: 1 }] }))).toBe(true);
    expect(holds(jp("$.pets[5]"), body({ pets: [{ id: 1 }] }))).toBe(false);
    expect(holds(jp("$.pets[?@.id == 1]"), body({ pets: [{ id: 1 }] }))).toBe(true);
    expect(holds(jp("$..[?@.id == 3]"), body({ a: { b: [{ id: 3 }] } }))).toBe(true);
    expect(holds(jp("$..[?@.id == 4]"), body({ a: { b: [{ id: 3 }] } }))).toBe(false);
    expect(holds(jp("$[0]"), body(["x"]))).toBe(true);
  });

  it("$ inside a leading filter still means the context, and later segments apply to it", () => {
    expect(holds(jp("$[?@.count > $.min]"), body({ count: 5, min: 3 }))).toBe(true);
    expect(holds(jp("$[?@.count > $.min]"), body({ count: 1, min: 3 }))).toBe(false);
    expect(holds(jp("$[?@.pets].pets[0]"), body({ pets: [1] }))).toBe(true);
    expect(holds(jp("$[?@.pets].pets[0]"), body({ pets: [] }))).toBe(false);
  });

  it("members of an object context can still be filtered with a nested filter", () => {
    expect(
      holds(
        jp("$[?@[?@.status == 'failed']]"),
        body({ a: { status: "ok" }, b: { status: "failed" } }),
      ),
    ).toBe(true);
    expect(holds(jp("$[?@[?@.status == 'failed']]"), body({ a: { status: "ok" } }))).toBe(false);
  });
});

describe("RFC 9535 jsonpath criteria: count() and well-typed functions", () => {
  const jp = (condition: string): CriterionInput => ({
    context: "$response.body",
    condition,
    type: "jsonpath",
  });

  it("count() of a singular query counts the children of its value", () => {
    expect(holds(jp("$[?count(@.pets) == 2]"), body({ pets: [1, 2] }))).toBe(true);
    expect(holds(jp("$[?count(@['pets']) == 2]"), body({ pets: { a: 1, b: 2 } }))).toBe(true);
    expect(holds(jp("$[?count(@.items[0]) == 3]"), body({ items: [[1, 2, 3]] }))).toBe(true);
    expect(holds(jp("$[?count(@.name) > 0]"), body({ name: "scalar" }))).toBe(false);
    expect(holds(jp("$[?count($.pets) == 2]"), body({ pets: [1, 2] }))).toBe(true);
  });

  it("count() of other queries counts nodes, as RFC 9535 says", () => {
    expect(holds(jp("$[?count(@.pets[*]) == 2]"), body({ pets: [1, 2] }))).toBe(true);
    expect(holds(jp("$[?count(@..id) == 3]"), body({ id: 1, a: { id: 2, b: [{ id: 3 }] } }))).toBe(
      true,
    );
    expect(holds(jp("$[?count(@) == 1]"), body({ pets: [1, 2] }))).toBe(true);
  });

  it("rewritten queries keep the rest of the syntax: strings, names, slices, logic and functions", () => {
    const condition = `$[?count(@.pets) > 1 && (@.name == "a\\"b" || !@.x) && length(@.tags) >= 2 && match(@.code, "[A-Z]+") && @['k-1'][0] == -1.5 && count(@.list[1:3]) == 2]`;
    const good = {
      pets: [1, 2],
      name: 'a"b',
      tags: ["t", "u"],
      code: "ABC",
      "k-1": [-1.5],
      list: [0, 1, 2, 3],
    };
    expect(holds(jp(condition), body(good))).toBe(true);
    expect(holds(jp(condition), body({ ...good, code: "abc" }))).toBe(false);
    expect(holds(jp(condition), body({ ...good, name: "x", x: true }))).toBe(false);
    expect(holds(jp(condition), body({ ...good, name: "x" }))).toBe(true);
    expect(holds(jp(condition), body({ ...good, pets: [1] }))).toBe(false);
  });

  it("compared singular queries with an index work (jsonpath-rfc9535 alone drops the index)", () => {
    expect(
      holds(jp("$.orders[?@.items[0].sku == 'a']"), body({ orders: [{ items: [{ sku: "a" }] }] })),
    ).toBe(true);
    expect(
      holds(
        jp("$.orders[?@.items[0].sku == 'a']"),
        body({ orders: [{ items: [{ sku: "b" }, { sku: "a" }] }] }),
      ),
    ).toBe(false);
    expect(
      holds(
        jp("$.orders[?@.items[-1].sku == 'a']"),
        body({ orders: [{ items: [{ sku: "b" }, { sku: "a" }] }] }),
      ),
    ).toBe(true);
    expect(holds(jp("$.orders[?@.items[5] == null]"), body({ orders: [{ items: [] }] }))).toBe(
      false,
    );
    expect(
      holds(
        jp("$.orders[?$.limits[0] < @.total]"),
        body({ limits: [10], orders: [{ total: 12 }] }),
      ),
    ).toBe(true);
    expect(holds(jp("$[?@.tags[1] == 'b']"), body({ tags: ["a", "b"] }))).toBe(true);
  });

  it("chains of && hold only when every operand does (jsonpath-rfc9535 alone reads a && b && c as a && (b || c))", () => {
    const three = jp("$[?@.a == 1 && @.b == 2 && @.c == 3]");
    expect(holds(three, body({ a: 1, b: 2, c: 3 }))).toBe(true);
    expect(holds(three, body({ a: 1, b: 2, c: 4 }))).toBe(false);
    expect(holds(three, body({ a: 1, b: 5, c: 3 }))).toBe(false);
    const four = jp("$[?!@.x && @.a == 1 && (@.b == 2 || @.b == 3) && @.c == 3 || @.d == 4]");
    expect(holds(four, body({ a: 1, b: 3, c: 3 }))).toBe(true);
    expect(holds(four, body({ a: 1, b: 3, c: 9 }))).toBe(false);
    expect(holds(four, body({ a: 1, b: 3, c: 9, d: 4 }))).toBe(true);
    expect(holds(four, body({ x: true, a: 1, b: 3, c: 3 }))).toBe(false);
    const strings = jp("$[?@.s == 'a && b, ]' && @.t == \"(1\" && @.u == 2]");
    expect(holds(strings, body({ s: "a && b, ]", t: "(1", u: 2 }))).toBe(true);
    expect(holds(strings, body({ s: "a && b, ]", t: "(1", u: 3 }))).toBe(false);
    const nested = jp(
      "$.orders[?count(@.items[?@.x == 1 && @.y == 2 && @.z == 3]) == 1 && @.ok == true && @.n > 0]",
    );
    expect(
      holds(
        nested,
        body({
          orders: [
            {
              ok: true,
              n: 1,
              items: [
                { x: 1, y: 2, z: 3 },
                { x: 1, y: 2, z: 4 },
              ],
            },
          ],
        }),
      ),
    ).toBe(true);
    expect(
      holds(nested, body({ orders: [{ ok: true, n: 1, items: [{ x: 1, y: 2, z: 4 }] }] })),
    ).toBe(false);
    expect(
      holds(nested, body({ orders: [{ ok: false, n: 1, items: [{ x: 1, y: 2, z: 3 }] }] })),
    ).toBe(false);
    const selectors = jp("$.o[?@ > 0 && @ < 9 && @ != 5, ?@ == 5 && @ > 0 && @ < 0]");
    expect(holds(selectors, body({ o: { p: 5 } }))).toBe(false);
    expect(holds(selectors, body({ o: { p: 5, q: 6 } }))).toBe(true);
  });

  it("RFC 9535's filter examples (Table 12) select the node counts the RFC lists", () => {
    const doc = {
      a: [3, 5, 1, 2, 4, 6, { b: "j" }, { b: "k" }, { b: {} }, { b: "kilo" }],
      o: { p: 1, q: 2, r: 3, s: 5, t: { u: 6 } },
      e: "f",
    };
    const cases: Array<[string, number]> = [
      ["@.a[?@.b == 'kilo']", 1],
      ["@.a[?(@.b == 'kilo')]", 1],
      ["@.a[?@>3.5]", 3],
      ["@.a[?@.b]", 4],
      ["@[?@.*]", 2],
      ["@[?@[?@.b]]", 1],
      ["@.o[?@<3, ?@<3]", 4],
      ['@.a[?@<2 || @.b == "k"]', 2],
      ['@.a[?match(@.b, "[jk]")]', 2],
      ['@.a[?search(@.b, "[jk]")]', 3],
      ["@.o[?@>1 && @<4]", 2],
      ["@.o[?@.u || @.x]", 1],
      ["@.a[?@.b == $.x]", 6],
      ["@.a[?@ == @]", 10],
    ];
    for (const [query, count] of cases) {
      expect(holds(jp(`$[?count(${query}) == ${count}]`), body(doc)), query).toBe(true);
      expect(holds(jp(`$[?count(${query}) == ${count + 1}]`), body(doc)), query).toBe(false);
    }
  });

  it("search(), value() and descendant queries work inside filters", () => {
    expect(holds(jp("$[?search(@.msg, 'err')]"), body({ msg: "an error" }))).toBe(true);
    expect(holds(jp("$[?value(@..code) == 7]"), body({ a: { code: 7 } }))).toBe(true);
  });
});

describe("Goessner jsonpath criteria", () => {
  const type = { type: "jsonpath", version: "draft-goessner-dispatch-jsonpath-00" } as const;
  const gp = (condition: string): CriterionInput => ({
    context: "$response.body",
    condition,
    type,
  });

  it("wrap the same way: a leading filter tests an object itself, an array's elements", () => {
    expect(holds(gp("$[?(@.status == 'ready')]"), body({ status: "ready" }))).toBe(true);
    expect(
      holds(gp("$[?(@.status == 'ready')]"), body({ status: "pending", job: { status: "ready" } })),
    ).toBe(false);
    expect(
      holds(gp("$[?(@.status == 'ready')]"), body([{ status: "pending" }, { status: "ready" }])),
    ).toBe(true);
    expect(holds(gp("$.pets[0].name"), body({ pets: [{ name: "Rex" }] }))).toBe(true);
    expect(holds(gp("$..name"), body({ a: [{ b: { name: 1 } }] }))).toBe(true);
  });

  it("treat script errors as no match and never run code outside the safe evaluator", () => {
    expect(holds(gp("$[?(@.a.b.c > 1)]"), body({}))).toBe(false);
    expect(holds(gp("$[?(constructor.constructor('return process')())]"), body({ a: 1 }))).toBe(
      false,
    );
    expect(holds(gp("$[?(@.a.constructor)]"), body({ a: 1 }))).toBe(false);
  });
});

describe("xpath criteria", () => {
  const xp = (condition: string, type: CriterionInput["type"] = "xpath"): CriterionInput => ({
    context: "$response.body",
    condition,
    type,
  });
  const order = `<?xml version="1.0" encoding="UTF-8"?>
<order id="42"><status>placed</status><count>0</count><items><item sku="a"/><item sku="b"/></items><note></note></order>`;

  it("convert results as XPath 1.0 boolean(): node sets, booleans, numbers and strings", () => {
    expect(holds(xp("/order/items/item"), body(order))).toBe(true);
    expect(holds(xp("/order/missing"), body(order))).toBe(false);
    expect(holds(xp("/order/status = 'placed'"), body(order))).toBe(true);
    expect(holds(xp("/order/status = 'shipped'"), body(order))).toBe(false);
    expect(holds(xp("count(/order/items/item)"), body(order))).toBe(true);
    expect(holds(xp("number(/order/count)"), body(order))).toBe(false);
    expect(holds(xp("string(/order/status)"), body(order))).toBe(true);
    expect(holds(xp("string(/order/note)"), body(order))).toBe(false);
    expect(holds(xp("/order/@id = 42"), body(order))).toBe(true);
    expect(holds(xp("//item[@sku='b']", { type: "xpath", version: "xpath-10" }), body(order))).toBe(
      true,
    );
  });

  it("resolve prefixes against the document element's declarations", () => {
    const xml = `<p:order xmlns:p="urn:pets"><p:status>placed</p:status></p:order>`;
    expect(holds(xp("/p:order/p:status = 'placed'"), body(xml))).toBe(true);
    expect(holds(xp("/order"), body(xml))).toBe(false);
  });

  it("are false, not errors, for malformed XML, non-XML values, null and missing bodies", () => {
    expect(holds(xp("/order"), body("<order><status>"))).toBe(false);
    expect(holds(xp("/order"), body("not xml at all"))).toBe(false);
    expect(holds(xp("/order"), body("<order/><other/>"))).toBe(false);
    expect(holds(xp("/order"), body({ order: {} }))).toBe(false);
    expect(holds(xp("/order"), body(null))).toBe(false);
    expect(holds(xp("/order"), {})).toBe(false);
    expect(holds(xp("/a/p:b"), body("<a><b/></a>"))).toBe(false);
  });

  it("read UTF-8 bytes as XML text", () => {
    expect(
      holds(
        xp("/order/status = 'placé'"),
        body(new TextEncoder().encode("<order><status>placé</status></order>")),
      ),
    ).toBe(true);
  });
});

describe("compile errors", () => {
  it("malformed regexes", () => {
    const error = compileError({ context: "$statusCode", condition: "^(2", type: "regex" });
    expect(error.code).toBe("invalid-expression");
    expect(error.message).toMatch(/^Malformed regex condition "\^\(2": .*Unterminated group/);
  });

  it("malformed RFC 9535 JSONPath, with the offset", () => {
    const error = compileError({
      context: "$response.body",
      condition: "$[?count(@.pets) > ]",
      type: "jsonpath",
    });
    expect(error.code).toBe("invalid-expression");
    expect(error.message).toContain("at offset 19");
    expect(error.details?.offset).toBe(19);
    expect(
      compileError({ context: "$response.body", condition: "pets", type: "jsonpath" }).message,
    ).toMatch(/Malformed JSONPath condition "pets" at offset 0/);
    expect(
      compileError({ context: "$response.body", condition: "$.a[(@.length-1)]", type: "jsonpath" })
        .message,
    ).toContain("draft-goessner-dispatch-jsonpath-00");
  });

  it("JSONPath that parses but is not well-typed (RFC 9535 §2.4.3)", () => {
    const cases: Array<[string, RegExp]> = [
      ["$[?count(@.a)]", /count\(\) returns a value, not a test/],
      ["$[?foo(@.a)]", /unknown function foo\(\)/],
      ["$[?lenght(@.a) > 1]", /did you mean length\(\)/],
      ["$[?length(@.*) > 0]", /argument 1 of length\(\) must be a single value/],
      ["$[?count(1) > 0]", /argument 1 of count\(\) must be a query/],
      ["$[?match(@.a, 'x') == true]", /match\(\) is a test, not a value/],
      ["$[?length(@.a, @.b) > 0]", /length\(\) takes 1 argument, not 2/],
      ["$[?match(@.a, '[')]", /pattern of match\(\) is not a valid regular expression/],
      ["$.x[?@.y[?foo(@)]]", /unknown function foo\(\)/],
    ];
    for (const [condition, message] of cases) {
      const error = compileError({ context: "$response.body", condition, type: "jsonpath" });
      expect(error.code, condition).toBe("invalid-expression");
      expect(error.message, condition).toMatch(message);
    }
  });

  it("malformed Goessner JSONPath", () => {
    const type = { type: "jsonpath", version: "draft-goessner-dispatch-jsonpath-00" } as const;
    const cases: Array<[string, RegExp]> = [
      ["pets", /a path starts with "\$"/],
      ["$[?(@.a ==)]", /does not parse/],
      ["$[?(@.a == 1]", /"]" at offset 12 cannot close the "\(" at offset 3/],
      ["$[?(@.a == 1)", /"\[" at offset 1 is not closed/],
      ["$['a]", /string opened at offset 2 is not closed/],
      ["$.a]", /"]" at offset 3 closes nothing/],
    ];
    for (const [condition, message] of cases) {
      const error = compileError({ context: "$response.body", condition, type });
      expect(error.code, condition).toBe("invalid-expression");
      expect(error.message, condition).toMatch(message);
    }
  });

  it("malformed XPath and XPath beyond 1.0", () => {
    expect(
      compileError({ context: "$response.body", condition: "/root[", type: "xpath" }).message,
    ).toMatch(/XPath condition "\/root\[" does not parse/);
    const later = compileError({
      context: "$response.body",
      condition: "exists(/root)",
      type: { type: "xpath", version: "xpath-20" },
    });
    expect(later.message).toMatch(/calls exists\(\), which is not an XPath 1.0 function/);
    expect(later.message).toContain("evaluates xpath-20 as XPath 1.0");
    expect(
      compileError({
        context: "$response.body",
        condition: "some $x in /a satisfies $x",
        type: "xpath",
      }).code,
    ).toBe("invalid-expression");
    expect(
      compileError({ context: "$response.body", condition: "/a[. = $limit]", type: "xpath" })
        .message,
    ).toMatch(/variable \$limit/);
    expect(
      compileError({ context: "$response.body", condition: "cuont(/a)", type: "xpath" }).message,
    ).toMatch(/did you mean count\(\)/);
  });

  it("a missing or malformed context when the type needs one", () => {
    for (const type of ["regex", "jsonpath", "xpath"] as const) {
      const error = compileError({
        condition: type === "regex" ? "^2" : type === "jsonpath" ? "$.a" : "/a",
        type,
      });
      expect(error.message, type).toMatch(new RegExp(`^A ${type} criterion needs a context`));
    }
    expect(
      compileError({ context: "$respons.body", condition: "$.a", type: "jsonpath" }).message,
    ).toMatch(/context "\$respons.body" is not a runtime expression.*Did you mean "\$response"/);
    expect(compileError({ context: "$bad", condition: "$statusCode == 200" }).message).toContain(
      "context",
    );
  });

  it("unknown types and versions, with suggestions", () => {
    expect(compileError({ condition: "x", type: "regexp" as "regex" }).message).toMatch(
      /Unknown criterion type "regexp". Did you mean "regex"\?/,
    );
    expect(
      compileError({
        context: "$response.body",
        condition: "/a",
        type: { type: "xpath", version: "xpath-40" },
      }).message,
    ).toMatch(/Unknown xpath version "xpath-40". Did you mean "xpath-30"\?.*xpath-10/);
    expect(
      compileError({
        context: "$response.body",
        condition: "$.a",
        type: { type: "jsonpath", version: "goessner" },
      }).message,
    ).toMatch(/Unknown jsonpath version "goessner"/);
    expect(
      compileError({
        context: "$response.body",
        condition: "$.a",
        type: { type: "regex", version: "1" } as never,
      }).message,
    ).toMatch(/needs type "jsonpath" or "xpath"/);
    expect(compileError({ condition: "" }).message).toMatch(/non-empty string/);
    expect(compileError({ condition: "$statusCode ==" }).code).toBe("invalid-expression");
  });

  it("accepts Arazzo 1.1.0's names for the default versions", () => {
    expect(
      compileCriterion({
        context: "$response.body",
        condition: "$.a",
        type: { type: "jsonpath", version: "rfc9535" },
      }).type,
    ).toBe("jsonpath");
    expect(
      compileCriterion({
        context: "$response.body",
        condition: "/a",
        type: { type: "xpath", version: "xpath-31" },
      }).type,
    ).toBe("xpath");
  });
});

describe("evaluation", () => {
  it("a null or missing context is false for every typed criterion", () => {
    const criteria: CriterionInput[] = [
      { context: "$response.body", condition: "null", type: "regex" },
      { context: "$response.body", condition: "$[?@ == null]", type: "jsonpath" },
      {
        context: "$response.body",
        condition: "$",
        type: { type: "jsonpath", version: "draft-goessner-dispatch-jsonpath-00" },
      },
      { context: "$response.body", condition: "true()", type: "xpath" },
    ];
    for (const criterion of criteria) {
      expect(holds(criterion, body(null)), criterion.condition).toBe(false);
      expect(holds(criterion, {}), criterion.condition).toBe(false);
    }
  });

  it("a throwing resolver propagates", () => {
    const compiled = compileCriterion({
      context: "$response.body",
      condition: "$.a",
      type: "jsonpath",
    });
    expect(() =>
      evaluateCriterion(compiled, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
  });

  it("the context reaches the resolver with its pointer", () => {
    const seen: string[] = [];
    const compiled = compileCriterion({
      context: "$response.body#/data/status",
      condition: "^ok$",
      type: "regex",
    });
    expect(
      evaluateCriterion(
        compiled,
        (expression) => (seen.push(expressionToString(expression)), { found: true, value: "ok" }),
      ),
    ).toBe(true);
    expect(seen).toEqual(["$response.body#/data/status"]);
  });

  it("lists what each criterion reads and describes it for logs", () => {
    const simple = compileCriterion({ condition: "$statusCode == 200 && $response.body#/ok" });
    expect(simple.expressions.map(expressionToString)).toEqual([
      "$statusCode",
      "$response.body#/ok",
    ]);
    expect(describeCriterion(simple)).toBe("$statusCode == 200 && $response.body#/ok");
    const jsonpath = compileCriterion({
      context: "$response.body",
      condition: "$[?count(@.pets) > 0]",
      type: "jsonpath",
    });
    expect(jsonpath.expressions.map(expressionToString)).toEqual(["$response.body"]);
    expect(describeCriterion(jsonpath)).toBe('jsonpath "$[?count(@.pets) > 0]" on $response.body');
    expect(
      describeCriterion(
        compileCriterion({
          context: "$response.body",
          condition: "/a",
          type: { type: "xpath", version: "xpath-20" },
        }),
      ),
    ).toBe('xpath (xpath-20, evaluated as XPath 1.0) "/a" on $response.body');
    expect(
      describeCriterion(
        compileCriterion({ context: "$statusCode", condition: "^2", type: "regex" }),
      ),
    ).toBe('regex "^2" on $statusCode');
  });

  it("compiled criteria are reused across evaluations (poll loops)", () => {
    const compiled = compileCriterion({
      context: "$response.body",
      condition: "$[?@.state == 'done']",
      type: "jsonpath",
    });
    const states = ["pending", "pending", "done"].map((state) =>
      evaluateCriterion(compiled, resolverOf(body({ state }))),
    );
    expect(states).toEqual([false, false, true]);
  });
});

describe("fuzz: compiling random conditions", () => {
  const FRAGMENTS = [
    "$",
    "@",
    ".",
    "..",
    "[",
    "]",
    "(",
    ")",
    "?",
    "*",
    "'",
    '"',
    "count(",
    "length(",
    "match(",
    "==",
    "<",
    "&&",
    "||",
    "!",
    "0",
    "-1",
    ":",
    ",",
    "a",
    "pets",
    "/",
    "//",
    "text()",
    "@id",
    "$x",
    "{",
    "}",
    "\\",
    "^",
    "|",
    " ",
    "😀",
    "\ud800",
  ];

  it("throws only SluiceError(invalid-expression), and what compiles never throws when evaluated", () => {
    const next = prng(9535);
    const types: CriterionInput["type"][] = [
      "regex",
      "jsonpath",
      { type: "jsonpath", version: "draft-goessner-dispatch-jsonpath-00" },
      "xpath",
      "simple",
    ];
    const values: unknown[] = [
      { pets: [{ a: 1 }], a: "x" },
      [1, "a", null],
      "<a id='1'><b>t</b></a>",
      42,
      true,
    ];
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      let condition = "";
      const length = 1 + Math.floor(next() * 12);
      for (let j = 0; j < length; j++)
        condition += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!;
      const type = types[i % types.length];
      try {
        const criterion = compileCriterion({ condition, context: "$response.body", type });
        compiled++;
        for (const value of values)
          expect(typeof evaluateCriterion(criterion, resolverOf(body(value)))).toBe("boolean");
      } catch (error) {
        expect(
          SluiceError.is(error),
          `${JSON.stringify(type)} ${JSON.stringify(condition)}: ${String(error)}`,
        ).toBe(true);
        expect((error as SluiceError).code).toBe("invalid-expression");
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });
});

describe("property: RFC 9535 filter logic matches a reference evaluation", () => {
  type Expr = { text: string; test: (o: Record<string, number>) => boolean };
  const OPS: Array<[string, (x: number, y: number) => boolean]> = [
    ["==", (x, y) => x === y],
    ["!=", (x, y) => x !== y],
    ["<", (x, y) => x < y],
    ["<=", (x, y) => x <= y],
    [">", (x, y) => x > y],
    [">=", (x, y) => x >= y],
  ];

  function generate(next: () => number, depth: number): Expr {
    const pick = next();
    if (depth <= 0 || pick < 0.35) {
      const field = "abc"[Math.floor(next() * 3)]!;
      const [op, fn] = OPS[Math.floor(next() * OPS.length)]!;
      const n = Math.floor(next() * 4);
      return { text: `@.${field} ${op} ${n}`, test: (o) => fn(o[field]!, n) };
    }
    if (pick < 0.45) {
      const inner = generate(next, depth - 1);
      return { text: `!(${inner.text})`, test: (o) => !inner.test(o) };
    }
    // A flat run of operands joined by && and ||, so precedence decides the grouping.
    const count = 2 + Math.floor(next() * 4);
    const operands = Array.from({ length: count }, () => generate(next, depth - 1)).map((e) =>
      e.text.includes("&&") || e.text.includes("||") ? { ...e, text: `(${e.text})` } : e,
    );
    const ops = Array.from({ length: count - 1 }, () => (next() < 0.6 ? "&&" : "||"));
    let text = operands[0]!.text;
    ops.forEach((op, i) => (text += ` ${op} ${operands[i + 1]!.text}`));
    const test = (o: Record<string, number>) => {
      let any = false;
      let all = operands[0]!.test(o);
      ops.forEach((op, i) => {
        const value = operands[i + 1]!.test(o);
        if (op === "&&") all = all && value;
        else {
          any = any || all;
          all = value;
        }
      });
      return any || all;
    };
    return { text, test };
  }

  it("for random and/or/not trees, with the filter on the context and on array elements", () => {
    const next = prng(1729);
    for (let i = 0; i < 300; i++) {
      const expr = generate(next, 3);
      const object = {
        a: Math.floor(next() * 4),
        b: Math.floor(next() * 4),
        c: Math.floor(next() * 4),
      };
      const onContext = compileCriterion({
        context: "$response.body",
        condition: `$[?${expr.text}]`,
        type: "jsonpath",
      });
      const onElements = compileCriterion({
        context: "$response.body",
        condition: `$.items[?${expr.text}]`,
        type: "jsonpath",
      });
      expect(evaluateCriterion(onContext, resolverOf(body(object))), expr.text).toBe(
        expr.test(object),
      );
      expect(evaluateCriterion(onElements, resolverOf(body({ items: [object] }))), expr.text).toBe(
        expr.test(object),
      );
    }
  });
});
