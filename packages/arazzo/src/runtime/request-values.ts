/**
 * The values of a step's request fields, evaluated with the runner's resolver for runtime
 * expressions, and the helpers the parameter, body and XML code share.
 *
 * Values: a string that is one expression keeps the value's type; embedded `{$...}` make a string
 * (objects as JSON); objects and arrays are walked and every string in them evaluated. A whole-value
 * expression that resolves to nothing leaves the parameter out (an object member: dropped); an
 * embedded one is an error, as is a payload or replacement value that resolves to nothing.
 */
import { SluiceError } from "sluice/internal";
import type { ExpressionResolver } from "../expressions/condition.js";
import { expressionToString, type RuntimeExpression } from "../expressions/expression.js";
import { parseTemplate, type Template } from "../expressions/template.js";

const MAX_DEPTH = 200;

/**
 * Evaluates a field value: strings as templates (one expression keeps its type, undefined when it
 * resolves to nothing), objects and arrays deeply; anything else as it is.
 */
export function resolveValue(
  value: unknown,
  resolve: ExpressionResolver,
  where: string,
  depth = 0,
): unknown {
  if (typeof value === "string") return evaluateTemplate(template(value, where), resolve, where);
  if (depth > MAX_DEPTH)
    throw documentError(`${where} nests deeper than ${MAX_DEPTH} levels.`, { where });
  if (Array.isArray(value))
    return value.map((item) => resolveValue(item, resolve, where, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveValue(item, resolve, where, depth + 1);
    if (resolved !== undefined) setOwn(out, key, resolved);
  }
  return out;
}

// Templates are parsed once per distinct string (steps run many times: retries, loops).
const TEMPLATES = new Map<string, Template>();

export function template(text: string, where: string): Template {
  let parsed = TEMPLATES.get(text);
  if (parsed === undefined) {
    try {
      parsed = parseTemplate(text);
    } catch (error) {
      if (!SluiceError.is(error)) throw error;
      throw new SluiceError(error.code, `In the ${where}: ${error.message}`, {
        details: { ...error.details, where },
      });
    }
    if (TEMPLATES.size >= 4096) TEMPLATES.clear();
    TEMPLATES.set(text, parsed);
  }
  return parsed;
}

export function evaluateTemplate(
  parsed: Template,
  resolve: ExpressionResolver,
  where: string,
  encode: (text: string) => string = (text) => text,
): unknown {
  if (parsed.kind === "literal") return parsed.text;
  if (parsed.kind === "expression") {
    const result = resolve(parsed.expression);
    return result.found ? result.value : undefined;
  }
  let out = "";
  for (const part of parsed.parts)
    out +=
      part.kind === "literal"
        ? part.text
        : encode(embeddedText(required(part.expression, resolve, where, true)));
  return out;
}

export function required(
  expression: RuntimeExpression,
  resolve: ExpressionResolver,
  where: string,
  embedded: boolean,
): unknown {
  const result = resolve(expression);
  if (result.found && result.value !== undefined) return result.value;
  const text = embedded ? `{${expressionToString(expression)}}` : expressionToString(expression);
  const fix = expression.kind === "inputs" ? ` Give the workflow input "${expression.name}".` : "";
  throw new SluiceError(
    expression.kind === "inputs" ? "invalid-inputs" : "invalid-expression",
    `${text} in the ${where} has no value.${fix}`,
    { details: { expression: expressionToString(expression), where } },
  );
}

export function replacementValue(
  raw: unknown,
  resolve: ExpressionResolver,
  where: string,
): unknown {
  if (typeof raw === "string") {
    const parsed = template(raw, where);
    if (parsed.kind === "expression") return required(parsed.expression, resolve, where, false);
  }
  return resolveValue(raw, resolve, where);
}

export function headerName(headers: Record<string, string>, lower: string): string | undefined {
  return Object.keys(headers).find((name) => name.toLowerCase() === lower);
}

/** One item's text in a parameter: null is empty, objects are JSON. */
export function listText(value: unknown): string {
  return value === null || value === undefined ? "" : embeddedText(value);
}

/** A value's text inside a string: objects and arrays as JSON, bytes as UTF-8. */
export function embeddedText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Own property even for "__proto__" (payloads come from YAML and JSON). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

export function documentError(message: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError("invalid-document", message, { details });
}
