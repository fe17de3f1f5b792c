/** What the criteria modules share: their compile-time error, and how they turn failures into false. */
import { SluiceError } from "sluice/internal";
import { quoteForMessage } from "../expressions/expression.js";

/** The Goessner draft's version name (Arazzo 1.0.1's), beside the default RFC 9535. */
export const GOESSNER = "draft-goessner-dispatch-jsonpath-00";

export function criterionError(message: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError("invalid-expression", message, { details });
}

/** What `run` returns, or undefined when it throws: evaluation errors make a criterion false. */
export function attempt<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return quoteForMessage(value);
  return Array.isArray(value)
    ? "an array"
    : value === null
      ? "null"
      : typeof value === "object"
        ? "an object"
        : `${typeof value} ${String(value)}`;
}
