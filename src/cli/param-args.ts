import { usageError } from "./exit.js";

/**
 * Turns repeated `--param key=value` into an object. A value that parses as JSON is taken as JSON
 * (`n=3` is a number, `ok=true` a boolean, `xs=[1,2]` an array), anything else as a string.
 */
export function parseParamArgs(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usageError(`--param expects key=value, got ${JSON.stringify(pair)}. Example: --param rows=100`);
    const key = pair.slice(0, at).trim();
    const text = pair.slice(at + 1);
    params[key] = parseValue(text);
  }
  return params;
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
