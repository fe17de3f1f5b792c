/**
 * Evaluation of a parsed simple condition, many times per parse (poll loops).
 *
 * Semantics (the spec says "loose comparisons" and little else; 1.1.0's "Condition Evaluation"
 * spells out part of it, and we follow it):
 * - An expression that cannot be resolved (missing step output, pointer to nothing, index out of
 *   range) is "missing". Missing equals null and only null: `$response.body#/token == null` holds
 *   when the token is absent or JSON null. `!=` is always exactly the negation of `==`.
 * - Strings compare case-insensitively (1.0.1 "Operators": MUST), by lower-cased code units.
 * - `==`: a number equals a numeric string of the same value (`$response.header.X-Count == 3`);
 *   a boolean equals the string "true"/"false" (headers and query values are strings); two strings
 *   compare as strings; arrays and objects compare structurally with these same rules; numbers
 *   never equal booleans; null equals only null (and missing).
 * - `< <= > >=`: numbers and numeric strings compare numerically, even two numeric strings (1.1.0:
 *   numeric strings SHOULD be coerced for numeric operators); other strings compare as strings;
 *   anything else (null, missing, booleans, objects, a number against a non-numeric string) is
 *   false, for every ordering operator.
 * - `!`, `&&`, `||` and the result of the whole condition use truthiness: false, null, missing,
 *   0, NaN, "" and the string "false" (any case) are false; everything else is true. `&&` and `||`
 *   short-circuit and yield booleans.
 */
import type { RuntimeExpression } from "./expression.js";
import type { ComparisonOperator, ConditionNode } from "./condition-lexer.js";

/** Looks a runtime expression up at evaluation time. `found: false` makes it "missing". */
export type ExpressionResolver = (expression: RuntimeExpression) => {
  found: boolean;
  value?: unknown;
};

const MAX_COMPARE_DEPTH = 1000;
const NUMERIC_STRING = /^-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

const MISSING: unique symbol = Symbol("missing");

export function evaluate(node: ConditionNode, resolve: ExpressionResolver): unknown {
  switch (node.type) {
    case "literal":
      return node.value;
    case "expression":
      return lookup(node, resolve);
    case "not": {
      const value = truthy(evaluate(node.operand, resolve));
      return node.count % 2 === 1 ? !value : value;
    }
    case "and":
      for (const operand of node.operands) if (!truthy(evaluate(operand, resolve))) return false;
      return true;
    case "or":
      for (const operand of node.operands) if (truthy(evaluate(operand, resolve))) return true;
      return false;
    case "compare":
      return compare(node.operator, evaluate(node.left, resolve), evaluate(node.right, resolve));
  }
}

function lookup(
  node: Extract<ConditionNode, { type: "expression" }>,
  resolve: ExpressionResolver,
): unknown {
  const result = resolve(node.expression);
  let value: unknown = result.found ? result.value : MISSING;
  if (value === undefined) return MISSING;
  for (const accessor of node.accessors) {
    if (Array.isArray(value) && typeof accessor === "number") {
      value =
        accessor < value.length && Object.prototype.hasOwnProperty.call(value, accessor)
          ? value[accessor]
          : MISSING;
    } else if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.prototype.hasOwnProperty.call(value, accessor)
    ) {
      value = (value as Record<string, unknown>)[String(accessor)];
    } else {
      return MISSING;
    }
    if (value === undefined) return MISSING;
  }
  return value;
}

function compare(operator: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (operator === "==") return looseEquals(left, right, 0);
  if (operator === "!=") return !looseEquals(left, right, 0);
  const order = ordering(left, right);
  if (order === undefined) return false;
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
  }
}

function isNullish(value: unknown): boolean {
  return value === null || value === MISSING || value === undefined;
}

function numericString(value: string): number | undefined {
  return NUMERIC_STRING.test(value) ? Number(value) : undefined;
}

function booleanString(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : undefined;
}

function looseEquals(a: unknown, b: unknown, depth: number): boolean {
  if (isNullish(a) || isNullish(b)) return isNullish(a) && isNullish(b);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "string" && tb === "string")
    return (a as string).toLowerCase() === (b as string).toLowerCase();
  if (ta === "number" && tb === "number") return a === b;
  if (ta === "number" && tb === "string") return numericString(b as string) === a;
  if (ta === "string" && tb === "number") return numericString(a as string) === b;
  if (ta === "boolean" && tb === "boolean") return a === b;
  if (ta === "boolean" && tb === "string") return booleanString(b as string) === a;
  if (ta === "string" && tb === "boolean") return booleanString(a as string) === b;
  if (ta !== "object" || tb !== "object" || depth >= MAX_COMPARE_DEPTH) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!looseEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (
      !looseEquals(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        depth + 1,
      )
    )
      return false;
  }
  return true;
}

function ordering(a: unknown, b: unknown): number | undefined {
  const na = typeof a === "number" ? a : typeof a === "string" ? numericString(a) : undefined;
  const nb = typeof b === "number" ? b : typeof b === "string" ? numericString(b) : undefined;
  if (na !== undefined && nb !== undefined)
    return Number.isNaN(na) || Number.isNaN(nb) ? undefined : na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  }
  return undefined;
}

export function truthy(value: unknown): boolean {
  if (value === true) return true;
  if (value === false || isNullish(value)) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "string") return value !== "" && value.toLowerCase() !== "false";
  return true;
}
