import { readFileSync } from "node:fs";
import { SluiceError, forbiddenKeyPath, isForbiddenKey, type ErrorCode } from "../core/index.js";
import { usageError } from "./exit.js";

/**
 * Turns repeated `--param key=value` (or `--input`) into an object. A value that parses as JSON is
 * taken as JSON (`n=3` is a number, `ok=true` a boolean, `xs=[1,2]` an array), anything else as a string.
 */
export function parseParamArgs(
  pairs: readonly string[],
  flag = "--param",
  example = "rows=100",
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0)
      throw usageError(
        `${flag} expects key=value, got ${JSON.stringify(pair)}. Example: ${flag} ${example}`,
      );
    const key = pair.slice(0, at).trim();
    const value = parseValue(pair.slice(at + 1));
    refuseForbiddenKeys(
      isForbiddenKey(key) ? key : forbiddenKeyPath(value, key),
      `${flag} ${key}=...`,
    );
    params[key] = value;
  }
  return params;
}

/** A JSON document the CLI reads (params, inputs) may not hold __proto__, constructor or prototype keys. */
export function refuseForbiddenKeys(path: string | undefined, where: string): void {
  if (path !== undefined)
    throw usageError(
      `${where}: the key "${path}" is not allowed (__proto__, constructor and prototype are refused in any JSON sluice reads).`,
    );
}

/** `--flag '{...}'` or `--flag @file.json`: a JSON object (`--params`, Arazzo's `--inputs`). */
export function readJsonObjectOption(
  option: string,
  flag: string,
  example: string,
  code: ErrorCode = "invalid-usage",
): Record<string, unknown> {
  const where = `${flag} ${option.startsWith("@") ? option : "'{...}'"}`;
  let text = option;
  if (option.startsWith("@")) {
    try {
      text = readFileSync(option.slice(1), "utf8");
    } catch (error) {
      throw usageError(
        `${flag} ${option}: cannot read ${option.slice(1)} (${(error as Error).message}).`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SluiceError(
      code,
      `${where}: not JSON (${(error as Error).message}). Give a JSON object such as '${example}', or @file.json holding one.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new SluiceError(code, `${where} must be a JSON object such as '${example}'.`);
  refuseForbiddenKeys(forbiddenKeyPath(parsed), where);
  return parsed as Record<string, unknown>;
}

/** `--param-set FILE`: named parameter sets, `{ "small": { "rows": 10 }, "large": { "rows": 1000 } }`. */
export function readParamSets(path: string): Record<string, Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw usageError(
      `--param-set ${path}: ${(error as Error).message}. Give a JSON file like { "small": { "rows": 10 }, "large": { "rows": 1000 } }.`,
    );
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.keys(parsed).length === 0
  ) {
    throw usageError(
      `--param-set ${path} must hold a non-empty JSON object of named parameter sets, like { "small": { "rows": 10 } }.`,
    );
  }
  refuseForbiddenKeys(forbiddenKeyPath(parsed), `--param-set ${path}`);
  for (const [name, params] of Object.entries(parsed)) {
    if (typeof params !== "object" || params === null || Array.isArray(params))
      throw usageError(`--param-set ${path}: set "${name}" must be an object of parameters.`);
  }
  return parsed as Record<string, Record<string, unknown>>;
}

/** One run's params: `--params '{...}'` or `--params @file.json`, then each `--param` over them. */
export function runParams(options: { params?: string; param?: string[] }): Record<string, unknown> {
  const base =
    options.params === undefined
      ? {}
      : readJsonObjectOption(options.params, "--params", '{"rows": 100}');
  return { ...base, ...parseParamArgs(options.param ?? []) };
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
