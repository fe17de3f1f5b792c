import { describe, expect, it } from "vitest";
import { compileCondition, evaluateCondition, type ExpressionResolver } from "./condition.js";
import { expressionToString, type RuntimeExpression } from "./expression.js";
import { resolvePointer } from "./json-pointer.js";

interface Context {
  statusCode?: unknown;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  inputs?: Record<string, unknown>;
  steps?: Record<string, Record<string, unknown>>;
}

/** A resolver over a small context, the way the engine will resolve: own keys and pointers only. */
function resolverFor(context: Context, calls: string[] = []): ExpressionResolver {
  const withPointer = (value: unknown, found: boolean, pointer?: string[]) =>
    !found
      ? { found: false }
      : pointer === undefined
        ? { found: true, value }
        : resolvePointer(value, pointer);
  const own = (record: Record<string, unknown> | undefined, key: string) =>
    record !== undefined && Object.prototype.hasOwnProperty.call(record, key);
  return (expression: RuntimeExpression) => {
    calls.push(expressionToString(expression));
    switch (expression.kind) {
      case "statusCode":
        return { found: context.statusCode !== undefined, value: context.statusCode };
      case "method":
        return { found: context.method !== undefined, value: context.method };
      case "response": {
        const source = expression.source;
        if (source.type === "body")
          return withPointer(context.body, "body" in context, source.pointer);
        if (source.type === "header") {
          const entry = Object.entries(context.headers ?? {}).find(
            ([name]) => name.toLowerCase() === source.name.toLowerCase(),
          );
          return entry === undefined ? { found: false } : { found: true, value: entry[1] };
        }
        return { found: false };
      }
      case "inputs":
        return withPointer(
          context.inputs?.[expression.name],
          own(context.inputs, expression.name),
          expression.pointer,
        );
      case "steps": {
        const outputs = context.steps?.[expression.stepId];
        return withPointer(
          outputs?.[expression.name],
          own(outputs, expression.name),
          expression.pointer,
        );
      }
      default:
        return { found: false };
    }
  };
}

function check(condition: string, context: Context): boolean {
  return evaluateCondition(compileCondition(condition), resolverFor(context));
}

describe("evaluateCondition on the specification's conditions", () => {
  it("evaluates status code checks", () => {
    expect(check("$statusCode == 200", { statusCode: 200 })).toBe(true);
    expect(check("$statusCode == 200", { statusCode: 404 })).toBe(false);
    expect(check("$statusCode == 200 || $statusCode == 201", { statusCode: 201 })).toBe(true);
    expect(check("{$statusCode == 401}", { statusCode: 401 })).toBe(true);
  });

  it("evaluates body checks from the bnpl example", () => {
    expect(
      check("$response.body#/existingCustomerNotEligible == false", {
        body: { existingCustomerNotEligible: false },
      }),
    ).toBe(true);
    expect(
      check("$response.body#/redirectAuthToken != null", { body: { redirectAuthToken: "t" } }),
    ).toBe(true);
    expect(check("$response.body#/redirectAuthToken != null", { body: {} })).toBe(false);
    expect(check("$response.body#/redirectAuthToken == null", { body: {} })).toBe(true);
    expect(
      check("$response.body#/redirectAuthToken == null", { body: { redirectAuthToken: null } }),
    ).toBe(true);
    expect(
      check("$steps.check.outputs.required == true", { steps: { check: { required: true } } }),
    ).toBe(true);
  });

  it("evaluates 1.1.0's dereference examples", () => {
    expect(
      check("$response.body.count > $inputs.threshold", {
        body: { count: 5 },
        inputs: { threshold: 3 },
      }),
    ).toBe(true);
    expect(
      check("$response.body.count > $inputs.threshold", {
        body: { count: 2 },
        inputs: { threshold: 3 },
      }),
    ).toBe(false);
    expect(
      check("$statusCode == 200 && $response.body.data != null", {
        statusCode: 200,
        body: { data: [] },
      }),
    ).toBe(true);
    expect(
      check("$statusCode == 200 && $response.body.data != null", { statusCode: 200, body: {} }),
    ).toBe(false);
    expect(check("$response.body#/0 == null", { body: [] })).toBe(true);
  });
});

describe("comparison semantics", () => {
  it("compares strings case-insensitively, for equality and order", () => {
    expect(check("$method == 'get'", { method: "GET" })).toBe(true);
    expect(check("$method != 'Get'", { method: "GET" })).toBe(false);
    expect(check("'Straße' == 'STRASSE'", {})).toBe(false);
    expect(check("'ÉTÉ' == 'été'", {})).toBe(true);
    expect(check("'B' > 'a'", {})).toBe(true);
    expect(check("'abc' < 'ABD'", {})).toBe(true);
    expect(check("'abc' <= 'ABC' && 'abc' >= 'ABC'", {})).toBe(true);
  });

  it("compares a number with a numeric string numerically", () => {
    const headers = {
      "X-Count": "42",
      "X-Pi": "3.50",
      "X-Empty": "",
      "X-Spaced": " 42",
      "X-Word": "abc",
      "X-Exp": "1e2",
    };
    expect(check("$response.header.X-Count == 42", { headers })).toBe(true);
    expect(check("$response.header.x-count == 42.0", { headers })).toBe(true);
    expect(check("$response.header.X-Pi == 3.5", { headers })).toBe(true);
    expect(check("$response.header.X-Exp == 100", { headers })).toBe(true);
    expect(
      check("$response.header.X-Count > 41 && $response.header.X-Count < 43", { headers }),
    ).toBe(true);
    expect(check("$response.header.X-Empty == 0", { headers })).toBe(false);
    expect(check("$response.header.X-Spaced == 42", { headers })).toBe(false);
    expect(check("$response.header.X-Word == 0", { headers })).toBe(false);
    expect(check("$response.header.X-Word > 0 || $response.header.X-Word <= 0", { headers })).toBe(
      false,
    );
  });

  it("compares two strings as strings for equality but numerically for order when both are numeric", () => {
    expect(check("'10' == '10.0'", {})).toBe(false);
    expect(check("'10' == '10'", {})).toBe(true);
    expect(check("'10' > '9'", {})).toBe(true);
    expect(check("'10' <= '10.0' && '10' >= '10.0'", {})).toBe(true);
    expect(check("'10' > 'abc'", {})).toBe(false);
  });

  it("matches booleans against the strings true and false only", () => {
    const headers = { "X-Flag": "TRUE", "X-Off": "false", "X-Yes": "yes" };
    expect(check("$response.header.X-Flag == true", { headers })).toBe(true);
    expect(check("$response.header.X-Off == false", { headers })).toBe(true);
    expect(check("$response.header.X-Yes == true", { headers })).toBe(false);
    expect(check("1 == true", {})).toBe(false);
    expect(check("0 == false", {})).toBe(false);
    expect(check("true > false", {})).toBe(false);
  });

  it("makes null equal only null and a missing value", () => {
    expect(check("null == null", {})).toBe(true);
    expect(check("$inputs.none == null", { inputs: {} })).toBe(true);
    expect(check("$inputs.none != null", { inputs: {} })).toBe(false);
    expect(check("$inputs.nil == null", { inputs: { nil: null } })).toBe(true);
    for (const other of ["0", "false", "''", "'null'"]) {
      expect(check(`null == ${other}`, {})).toBe(false);
      expect(check(`null != ${other}`, {})).toBe(true);
    }
  });

  it("treats a missing value as unequal to everything but null, and unordered", () => {
    for (const op of ["<", "<=", ">", ">="]) {
      expect(check(`$inputs.none ${op} 5`, { inputs: {} })).toBe(false);
      expect(check(`5 ${op} $inputs.none`, { inputs: {} })).toBe(false);
    }
    expect(check("$inputs.none == 5", { inputs: {} })).toBe(false);
    expect(check("$inputs.none != 5", { inputs: {} })).toBe(true);
    expect(check("$inputs.none == $inputs.other", { inputs: {} })).toBe(true);
    expect(check("$inputs.none", { inputs: {} })).toBe(false);
    expect(check("!$inputs.none", { inputs: {} })).toBe(true);
  });

  it("treats a found undefined as missing", () => {
    const compiled = compileCondition("$statusCode == null");
    expect(evaluateCondition(compiled, () => ({ found: true, value: undefined }))).toBe(true);
    expect(evaluateCondition(compiled, () => ({ found: true }))).toBe(true);
  });

  it("returns false for every ordering of non-comparable values", () => {
    const inputs = { n: null, t: true, o: { a: 1 }, l: [1], s: "abc", num: 5 };
    for (const [a, b] of [
      ["$inputs.n", "1"],
      ["$inputs.t", "$inputs.t"],
      ["$inputs.o", "$inputs.o"],
      ["$inputs.l", "$inputs.l"],
      ["$inputs.s", "$inputs.num"],
      ["$inputs.o", "1"],
    ]) {
      for (const op of ["<", "<=", ">", ">="])
        expect(check(`${a} ${op} ${b}`, { inputs })).toBe(false);
    }
  });

  it("compares NaN as unequal and unordered", () => {
    const compiled = compileCondition(
      "$statusCode == $statusCode || $statusCode <= 1 || $statusCode >= 1",
    );
    expect(evaluateCondition(compiled, () => ({ found: true, value: Number.NaN }))).toBe(false);
  });

  it("compares arrays and objects structurally with the same loose rules", () => {
    const body = {
      a: ["X", 1, { k: null }],
      b: ["x", "1", { k: null }],
      c: ["x", 1],
      d: { p: 1, q: "A" },
      e: { q: "a", p: 1 },
      f: { p: 1 },
      g: {},
    };
    expect(check("$response.body#/a == $response.body#/b", { body })).toBe(true);
    expect(check("$response.body#/a == $response.body#/c", { body })).toBe(false);
    expect(check("$response.body#/d == $response.body#/e", { body })).toBe(true);
    expect(check("$response.body#/d == $response.body#/f", { body })).toBe(false);
    expect(check("$response.body#/c != $response.body#/d", { body })).toBe(true);
    expect(check("$response.body#/g == $response.body#/c", { body })).toBe(false);
  });

  it("does not overflow on deeply nested values", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const compiled = compileCondition("$inputs.a == $inputs.b");
    expect(evaluateCondition(compiled, () => ({ found: true, value: deep }))).toBe(false);
  });
});

describe("logic and truthiness", () => {
  it("applies truthiness to !, &&, || and the whole condition", () => {
    const cases: Array<[unknown, boolean]> = [
      [true, true],
      [false, false],
      [null, false],
      [0, false],
      [1, true],
      [-1, true],
      [Number.NaN, false],
      ["", false],
      ["false", false],
      ["FALSE", false],
      ["0", true],
      ["no", true],
      [[], true],
      [{}, true],
    ];
    for (const [value, expected] of cases) {
      const resolve = () => ({ found: true, value });
      expect(evaluateCondition(compileCondition("$inputs.v"), resolve)).toBe(expected);
      expect(evaluateCondition(compileCondition("!$inputs.v"), resolve)).toBe(!expected);
      expect(evaluateCondition(compileCondition("!!$inputs.v == true"), resolve)).toBe(expected);
      expect(evaluateCondition(compileCondition("$inputs.v && true"), resolve)).toBe(expected);
      expect(evaluateCondition(compileCondition("$inputs.v || false"), resolve)).toBe(expected);
    }
  });

  it("applies ! before the comparison", () => {
    expect(check("!$inputs.a == false", { inputs: { a: true } })).toBe(true);
    expect(check("!($inputs.a == false)", { inputs: { a: true } })).toBe(true);
    expect(check("!$inputs.a == 1", { inputs: { a: 0 } })).toBe(false);
  });

  it("short-circuits && and ||", () => {
    const calls: string[] = [];
    const resolve = resolverFor({ statusCode: 500, inputs: { a: 1 } }, calls);
    expect(
      evaluateCondition(compileCondition("$statusCode == 200 && $inputs.a == 1"), resolve),
    ).toBe(false);
    expect(calls).toEqual(["$statusCode"]);
    calls.length = 0;
    expect(
      evaluateCondition(compileCondition("$statusCode == 500 || $inputs.a == 1"), resolve),
    ).toBe(true);
    expect(calls).toEqual(["$statusCode"]);
  });

  it("propagates an exception thrown by the resolver", () => {
    const compiled = compileCondition("$statusCode == 200");
    expect(() =>
      evaluateCondition(compiled, () => {
        throw new RangeError("boom");
      }),
    ).toThrow("boom");
  });
});

describe("accessors", () => {
  const inputs = {
    list: [{ id: 7 }, { id: 8 }],
    obj: { "0": "zero", "a b": 1, nested: { x: "y" } },
    text: "abc",
  };

  it("indexes arrays and dereferences own properties", () => {
    expect(check("$inputs.list[1].id == 8", { inputs })).toBe(true);
    expect(check("$inputs.obj[0] == 'zero'", { inputs })).toBe(true);
    expect(check("$inputs.obj['a b'] == 1", { inputs })).toBe(true);
    expect(check("$inputs.obj['nested'].x == 'Y'", { inputs })).toBe(true);
    expect(check("$response.body.obj.nested.x == 'Y'", { body: inputs })).toBe(true);
    // Input names may hold dots, so this reads the input named "obj.nested.x", not a path.
    expect(check("$inputs.obj.nested.x == null", { inputs })).toBe(true);
    expect(check("$response.body#/list[0].id == 7", { body: inputs })).toBe(true);
  });

  it("finds what those same paths hold when present", () => {
    const body = {
      list: [1, 2, 3],
      text: { 0: "a", length: 1 },
      obj: { constructor: "c", __proto__x: 1 },
    };
    expect(check("$response.body.list[2] == 3", { body })).toBe(true);
    expect(
      check("$response.body.text[0] == 'A' && $response.body.text.length == 1", { body }),
    ).toBe(true);
    expect(check("$response.body.obj.constructor == 'c'", { body })).toBe(true);
  });

  it("yields missing outside arrays, on primitives and for inherited keys", () => {
    for (const access of [
      "list[2]",
      "list[0].nope",
      "list.length",
      "list['0']",
      "text[0]",
      "text.length",
      "obj.constructor",
      "obj.__proto__",
      "obj['toString']",
      "obj.nested.x.y",
      "none[0]",
    ]) {
      expect(check(`$response.body.${access} == null`, { body: inputs })).toBe(true);
      expect(check(`$response.body.${access} != null`, { body: inputs })).toBe(false);
    }
  });
});

describe("compiled conditions are reusable", () => {
  it("evaluates one compiled condition 10000 times with changing values", () => {
    const compiled = compileCondition(
      "$statusCode >= 200 && $statusCode < 300 && $response.body#/state != 'pending'",
    );
    let passed = 0;
    const context: Context = { statusCode: 0, body: { state: "pending" } };
    const resolve = resolverFor(context);
    for (let i = 0; i < 10_000; i++) {
      context.statusCode = 100 + (i % 400);
      context.body = { state: i % 2 === 0 ? "PENDING" : "done" };
      if (evaluateCondition(compiled, resolve)) passed++;
    }
    // Status 200..299 is 100 of every 400 iterations; half of those are "done".
    expect(passed).toBe(1250);
  });
});
