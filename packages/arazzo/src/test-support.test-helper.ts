// Test support (not built into the package) shared by the Arazzo unit tests.
import type { ExpressionResolver } from "./expressions/condition.js";
import { expressionToString, type RuntimeExpression } from "./expressions/expression.js";
import { resolvePointer } from "./expressions/json-pointer.js";

/** mulberry32: a small seeded PRNG, so a failing fuzz case reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function resolverOf(values: Record<string, unknown>): ExpressionResolver {
  return (expression: RuntimeExpression) => {
    let pointer: string[] | undefined;
    let base: RuntimeExpression = expression;
    if (
      (expression.kind === "request" || expression.kind === "response") &&
      expression.source.type === "body"
    ) {
      pointer = expression.source.pointer;
      base = { ...expression, source: { type: "body" } };
    } else if ("pointer" in expression) {
      pointer = expression.pointer;
      base = { ...expression, pointer: undefined } as RuntimeExpression;
    }
    const key = expressionToString(base);
    if (!Object.prototype.hasOwnProperty.call(values, key)) return { found: false };
    return pointer === undefined
      ? { found: true, value: values[key] }
      : resolvePointer(values[key], pointer);
  };
}
