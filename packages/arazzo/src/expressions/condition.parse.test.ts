import { describe, expect, it } from "vitest";
import { compileCondition, conditionExpressions, type ConditionNode } from "./condition.js";
import { expressionToString } from "./expression.js";
import { errorOf } from "../../../../test/support/error-of.js";

/** A compact rendering of the tree, to assert structure and precedence readably. */
function shape(node: ConditionNode): string {
  switch (node.type) {
    case "literal":
      return JSON.stringify(node.value);
    case "expression":
      return (
        expressionToString(node.expression) +
        node.accessors.map((a) => `[${JSON.stringify(a)}]`).join("")
      );
    case "not":
      return `${"!".repeat(node.count)}${shape(node.operand)}`;
    case "compare":
      return `(${shape(node.left)} ${node.operator} ${shape(node.right)})`;
    case "and":
    case "or":
      return `${node.type}(${node.operands.map(shape).join(", ")})`;
  }
}

const tree = (text: string): string => shape(compileCondition(text).root);

describe("compileCondition on the specification's conditions", () => {
  it.each([
    ["$statusCode == 200", "($statusCode == 200)"],
    ["$statusCode == 503", "($statusCode == 503)"],
    ["$statusCode == 200 || $statusCode == 201", "or(($statusCode == 200), ($statusCode == 201))"],
    [
      "$response.body#/existingCustomerNotEligible == false",
      "($response.body#/existingCustomerNotEligible == false)",
    ],
    ["$response.body#/redirectAuthToken != null", "($response.body#/redirectAuthToken != null)"],
    ["$response.body#/access_token != null", "($response.body#/access_token != null)"],
    [
      "$steps.checkLoanCanBeProvided.outputs.eligibilityCheckRequired == true",
      "($steps.checkLoanCanBeProvided.outputs.eligibilityCheckRequired == true)",
    ],
    // 1.0.1's Components example wraps the whole condition in braces.
    ["{$statusCode == 401}", "($statusCode == 401)"],
    // 1.1.0's examples.
    ["$response.body#/0 == null", "($response.body#/0 == null)"],
    ["$response.body.count > $inputs.threshold", '($response.body["count"] > $inputs.threshold)'],
    [
      "$statusCode == 200 && $response.body.data != null",
      'and(($statusCode == 200), ($response.body["data"] != null))',
    ],
  ])("parses %s", (text, expected) => {
    expect(tree(text)).toBe(expected);
  });
});

describe("compileCondition precedence and grouping", () => {
  it("binds ! tighter than comparisons, comparisons tighter than &&, && tighter than ||", () => {
    expect(tree("!$inputs.a == true && $inputs.b || $inputs.c")).toBe(
      "or(and((!$inputs.a == true), $inputs.b), $inputs.c)",
    );
    expect(tree("$inputs.a || $inputs.b && $inputs.c")).toBe(
      "or($inputs.a, and($inputs.b, $inputs.c))",
    );
  });

  it("flattens runs of && and of ||", () => {
    expect(tree("$inputs.a && $inputs.b && $inputs.c")).toBe(
      "and($inputs.a, $inputs.b, $inputs.c)",
    );
    expect(tree("1 || 2 || 3 || 4")).toBe("or(1, 2, 3, 4)");
  });

  it("lets parentheses and {$ braces override precedence", () => {
    expect(tree("($inputs.a || $inputs.b) && $inputs.c")).toBe(
      "and(or($inputs.a, $inputs.b), $inputs.c)",
    );
    expect(tree("!($statusCode == 200)")).toBe("!($statusCode == 200)");
    expect(tree("{$inputs.a || $inputs.b} && true")).toBe("and(or($inputs.a, $inputs.b), true)");
    expect(tree("{$statusCode} == 200")).toBe("($statusCode == 200)");
    expect(tree("((($statusCode)))")).toBe("$statusCode");
  });

  it("counts repeated !", () => {
    expect(tree("!!$inputs.a")).toBe("!!$inputs.a");
    expect(tree("! ! !true")).toBe("!!!true");
  });

  it("needs no spaces around operators", () => {
    expect(tree("$statusCode==200&&$response.body#/a!='x'||!$inputs.b")).toBe(
      'or(and(($statusCode == 200), ($response.body#/a != "x")), !$inputs.b)',
    );
    expect(tree("$statusCode>=200&&$statusCode<300")).toBe(
      "and(($statusCode >= 200), ($statusCode < 300))",
    );
    expect(tree("($response.header.X-A<=1)")).toBe("($response.header.X-A <= 1)");
  });

  it("accepts a bare expression or literal as the whole condition", () => {
    expect(tree("$steps.s.outputs.ok")).toBe("$steps.s.outputs.ok");
    expect(tree("true")).toBe("true");
    expect(tree("  null  ")).toBe("null");
  });
});

describe("compileCondition literals and accessors", () => {
  it("reads numbers: integers, decimals, negatives, exponents", () => {
    expect(tree("$statusCode == 0")).toBe("($statusCode == 0)");
    expect(tree("$statusCode == -12")).toBe("($statusCode == -12)");
    const values = ["0", "42", "-7", "3.25", "-0.5", ".5", "-.5", "1e3", "2E-2", "-1.5e+2"].map(
      (n) => {
        const root = compileCondition(`$statusCode == ${n}`).root;
        return root.type === "compare" && root.right.type === "literal" ? root.right.value : "?";
      },
    );
    expect(values).toEqual([0, 42, -7, 3.25, -0.5, 0.5, -0.5, 1000, 0.02, -150]);
  });

  it("reads single-quoted strings with '' as a quote", () => {
    const right = (text: string) => {
      const root = compileCondition(text).root;
      return root.type === "compare" && root.right.type === "literal" ? root.right.value : "?";
    };
    expect(right("$method == 'GET'")).toBe("GET");
    expect(right("$method == ''")).toBe("");
    expect(right("$method == 'it''s'")).toBe("it's");
    expect(right("$method == ''''")).toBe("'");
    expect(right("$method == 'a == b && (c)'")).toBe("a == b && (c)");
    expect(right("$method == '$inputs.x'")).toBe("$inputs.x");
  });

  it("reads true, false and null", () => {
    expect(tree("true != false")).toBe("(true != false)");
    expect(tree("null == null")).toBe("(null == null)");
  });

  it("reads indexes and property dereferences after an expression", () => {
    expect(tree("$inputs.list[0].id == 1")).toBe('($inputs.list[0]["id"] == 1)');
    expect(tree("$response.body['a b'][12] == 1")).toBe('($response.body["a b"][12] == 1)');
    expect(tree("$response.body#/items[0].x-y.z_1 != null")).toBe(
      '($response.body#/items[0]["x-y"]["z_1"] != null)',
    );
    expect(tree("$statusCode.x")).toBe('$statusCode["x"]');
    expect(tree("$inputs.a.b")).toBe("$inputs.a.b");
  });
});

describe("conditionExpressions", () => {
  it("lists each runtime expression once, in order of first use", () => {
    const compiled = compileCondition(
      "$statusCode == 200 && ($steps.a.outputs.x > $inputs.min || $steps.a.outputs.x == $statusCode) && $inputs.list[0]",
    );
    expect(conditionExpressions(compiled).map(expressionToString)).toEqual([
      "$statusCode",
      "$steps.a.outputs.x",
      "$inputs.min",
      "$inputs.list",
    ]);
  });

  it("is empty for a condition of literals only", () => {
    expect(conditionExpressions(compileCondition("1 < 2"))).toEqual([]);
  });

  it("returns an immutable compiled object", () => {
    const compiled = compileCondition("$statusCode == 200");
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(compiled.source).toBe("$statusCode == 200");
  });
});

describe("compileCondition on malformed input", () => {
  it.each([
    ["", 0, /empty/],
    ["   ", 0, /empty/],
    ["$statusCode = 200", 12, /Single "=".*"=="/],
    ["$statusCode === 200", 12, /"===".*"=="/],
    ["$statusCode !== 200", 12, /"!==".*"!="/],
    ["$statusCode <> 200", 12, /"<>".*"!="/],
    ["$statusCode & true", 12, /Single "&".*"&&"/],
    ["$statusCode | true", 12, /Single "\|".*"\|\|"/],
    ["$statusCode ==", 14, /Expected a value.*after "==".*end of the condition/],
    ["$statusCode == 200 &&", 21, /Expected a value.*after "&&"/],
    ["|| true", 0, /Expected a value.*found "\|\|"/],
    ["!", 1, /Expected a value.*after "!"/],
    ["($statusCode == 200", 19, /"\(" at offset 0 is not closed/],
    ["(($statusCode == 200)", 21, /"\(" at offset 0 is not closed/],
    ["$statusCode == 200)", 18, /Unexpected "\)".*nothing to close/],
    ["()", 1, /Expected a value.*found "\)"/],
    ["($statusCode == 200}", 19, /expected "\)".*found "\}"/],
    ["{$statusCode == 200)", 19, /expected "\}".*found "\)"/],
    ["{true}", 0, /"\{" at offset 0 must open an embedded expression/],
    ["$method == 'GET", 11, /String opened at offset 11 is not closed/],
    ["$method == 'it''s", 11, /not closed/],
    ['$method == "GET"', 11, /single quotes/],
    ["$method == GET", 11, /Unknown word "GET".*'GET'/],
    ["$statusCode == 200 and true", 19, /"and".*&&/],
    ["not true", 0, /"not".*!/],
    ["TRUE", 0, /lower case, write true/],
    ["$statusCode == 200 200", 19, /Expected an operator.*found 200/],
    ["$statusCode $method", 12, /Expected an operator.*found "\$method"/],
    ["$statusCode == 1 == 1", 17, /do not chain/],
    ["1 < 2 < 3", 6, /do not chain/],
    ["$statusCode == 2.", 15, /Malformed number/],
    ["$statusCode == 1.2.3", 15, /Malformed number/],
    ["$statusCode == 200x", 15, /Malformed number/],
    ["$statusCode == -", 15, /does not start a number/],
    ["$statusCode == - 1", 15, /does not start a number/],
    ["$statusCode == .", 15, /does not start a number/],
    ["$inputz.a == 1", 0, /Did you mean "\$inputs"/],
    ["1 == $stepz.a.outputs.b", 5, /Did you mean "\$steps"/],
    ["$steps.a.output.b == 1", 9, /Did you mean "outputs"/],
    ["$response.body#x == 1", 15, /must start with "\/"/],
    ["$response.body#/a~ == 1", 17, /not followed by 0 or 1/],
    ["$inputs.list[ == 1", 13, /whole number or a quoted key/],
    ["$inputs.list[0 == 1", 14, /not closed; end it with "\]"/],
    ["$inputs.list['a == 1", 13, /String opened at offset 13 is not closed/],
    ["$statusCode. == 1", 11, /must be followed by a property name/],
    ["[0] == 1", 0, /must directly follow a runtime expression/],
    ["$statusCode == 200 # comment", 19, /Unexpected "#"/],
    ["$statusCode == 200 ; true", 19, /Unexpected ";"/],
    ["$statusCode == 😀", 15, /Unexpected "😀"/],
  ] as Array<[string, number, RegExp]>)("rejects %j at offset %i", (text, offset, message) => {
    const error = errorOf(() => compileCondition(text));
    expect(error.code).toBe("invalid-expression");
    expect(error.details?.offset).toBe(offset);
    expect(error.message).toMatch(message);
  });

  it("names the condition in every message", () => {
    expect(errorOf(() => compileCondition("$statusCode = 200")).message).toContain(
      '(in the condition "$statusCode = 200")',
    );
  });

  it("limits nesting instead of overflowing the stack", () => {
    const error = errorOf(() => compileCondition(`${"(".repeat(5000)}true${")".repeat(5000)}`));
    expect(error.code).toBe("invalid-expression");
    expect(error.message).toMatch(/nest deeper than 200/);
    expect(tree(`${"(".repeat(200)}true${")".repeat(200)}`)).toBe("true");
  });

  it("handles long flat conditions and long runs of !", () => {
    const long = Array.from({ length: 5000 }, (_, i) => `$inputs.v${i} == ${i}`).join(" && ");
    const compiled = compileCondition(long);
    expect(compiled.root.type === "and" && compiled.root.operands.length).toBe(5000);
    expect(tree(`${"!".repeat(100_000)}true`)).toBe(`${"!".repeat(100_000)}true`);
  });
});
