import { forbiddenKeyPath, isForbiddenKey } from "../core/index.js";
import { usageError } from "./exit.js";

/**
 * Turns repeated `--param key=value` (or `--input`) into an object. A value that parses as JSON is
 * taken as JSON (`n=3` is a number, `ok=true` a boolean, `xs=[1,2]` an array), anything else as a string.
 */
export function parseParamArgs(pairs: readonly string[], flag = "--param", example = "rows=100"): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usageError(`${flag} expects key=value, got ${JSON.stringify(pair)}. Example: ${flag} ${example}`);
    const key = pair.slice(0, at).trim();
    const value = parseValue(pair.slice(at + 1));
    refuseForbiddenKeys(isForbiddenKey(key) ? key : forbiddenKeyPath(value, key), `${flag} ${key}=...`);
    params[key] = value;
  }
  return params;
}

/** A JSON document the CLI reads (params, inputs) may not hold __proto__, constructor or prototype keys. */
export function refuseForbiddenKeys(path: string | undefined, where: string): void {
  if (path !== undefined) throw usageError(`${where}: the key "${path}" is not allowed (__proto__, constructor and prototype are refused in any JSON sluice reads).`);
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Commander helper: collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
