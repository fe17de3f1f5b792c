/** Criteria (successCriteria, an action's criteria): the context expression, and the condition as its type reads it. */
import { createRequire } from "node:module";
import { compileCondition, type ConditionNode } from "../expressions/condition.js";
import type { DocPath } from "./diagnostics.js";
import { parseExpression } from "../expressions/expression.js";
import { jsonPathComparisonRewrite } from "../criteria/jsonpath-comparison.js";
import { expression, syntaxError } from "./reference-expressions.js";
import { isObj, list, type Scope } from "./reference-model.js";
import {
  messageOf,
  report,
  type JsonPathParser,
  type ReferenceContext,
} from "./reference-report.js";
import { unknownXPathFunctions } from "../criteria/xpath-functions.js";

let requiredParser: JsonPathParser | undefined;

/** jsonpath-rfc9535's parser (90 kB of generated code), loaded only when a jsonpath criterion is checked. */
function loadJsonPathParser(): JsonPathParser {
  return (requiredParser ??= (
    createRequire(import.meta.url)("jsonpath-rfc9535/parser") as { default: JsonPathParser }
  ).default);
}

export function criteria(
  c: ReferenceContext,
  scope: Scope,
  path: DocPath,
  criteria: unknown,
  what: string,
): void {
  list(criteria).forEach((criterion, i) => {
    if (!isObj(criterion)) return;
    const at = [...path, i];
    const label = `${what}[${i}]`;
    if (typeof criterion.context === "string") {
      try {
        expression(
          c,
          scope,
          [...at, "context"],
          criterion.context,
          0,
          parseExpression(criterion.context),
          `${label} context`,
        );
      } catch (error) {
        syntaxError(
          c,
          scope,
          [...at, "context"],
          criterion.context,
          error,
          `${label} context`,
          "a context is one runtime expression, e.g. $response.body",
        );
      }
    }
    const condition = criterion.condition;
    if (typeof condition !== "string" || condition.trim() === "") return;
    const cp = [...at, "condition"];
    const type = criterion.type === undefined ? "simple" : criterion.type;
    if (type === "simple") {
      let root: ConditionNode;
      try {
        root = compileCondition(condition).root;
      } catch (error) {
        syntaxError(
          c,
          scope,
          cp,
          condition,
          error,
          `${label} condition`,
          "a simple condition compares runtime expressions and literals, e.g. $statusCode == 200 && $response.body#/status == 'done'",
        );
        return;
      }
      for (const node of expressionNodes(root))
        expression(c, scope, cp, condition, node.offset, node.expression, `${label} condition`);
    } else if (type === "regex" && scope.syntax) {
      try {
        new RegExp(condition);
      } catch (error) {
        report(c, scope.doc, cp, {
          message: `${label}: the regular expression ${JSON.stringify(condition)} does not compile: ${messageOf(error)}`,
          hint: "write an ECMAScript regular expression, e.g. ^2\\d\\d$; escape ( ) [ ] { } . * + ? with \\ to match them literally",
        });
      }
    } else if ((type === "xpath" || (isObj(type) && type.type === "xpath")) && scope.syntax) {
      for (const name of unknownXPathFunctions(condition)) {
        report(
          c,
          scope.doc,
          cp,
          {
            message: `${label}: the XPath function ${name}() is not XPath 1.0, which sluice evaluates XPath criteria as`,
            hint: "use XPath 1.0 functions (contains(), starts-with(), translate(), ...), or a regex criterion on the value",
          },
          condition,
          condition.indexOf(`${name}(`),
        );
      }
    } else if (type === "jsonpath" && scope.syntax) {
      try {
        (c.parseJsonPath ??= loadJsonPathParser())(condition);
      } catch (error) {
        const rewrite = jsonPathComparisonRewrite(condition);
        if (rewrite !== undefined) {
          report(
            c,
            scope.doc,
            cp,
            {
              severity: "warning",
              message: `${label}: ${JSON.stringify(condition)} is a comparison, not an RFC 9535 JSONPath query; it is evaluated as the filter it means (the value at that path compared with the literal)`,
              hint: `write ${JSON.stringify(rewrite)}`,
              fix: { value: rewrite },
            },
            condition,
            0,
          );
          return;
        }
        const offset = (error as { location?: { start?: { offset?: unknown } } }).location?.start
          ?.offset;
        report(
          c,
          scope.doc,
          cp,
          {
            message: `${label}: the JSONPath ${JSON.stringify(condition)} is not valid RFC 9535 JSONPath: ${messageOf(error)}`,
            hint: "write a JSONPath query such as $.items[?@.status == 'done'] (RFC 9535)",
          },
          condition,
          typeof offset === "number" ? offset : 0,
        );
      }
    }
  });
}

/** The expression operands of a condition with their offsets, in order. */
function expressionNodes(root: ConditionNode): Extract<ConditionNode, { type: "expression" }>[] {
  const out: Extract<ConditionNode, { type: "expression" }>[] = [];
  const stack: ConditionNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "expression") out.push(node);
    else if (node.type === "not") stack.push(node.operand);
    else if (node.type === "compare") stack.push(node.right, node.left);
    else if (node.type === "and" || node.type === "or")
      for (let i = node.operands.length - 1; i >= 0; i--) stack.push(node.operands[i]!);
  }
  return out;
}
