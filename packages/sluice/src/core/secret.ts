import type { z } from "zod";

const secretSchemas = new WeakSet<object>();

/** The text that stands for a secret value wherever sluice records or prints it. */
export const MASK = "***";

/**
 * Marks a parameter schema as secret: its value is masked in run records, logs, `show` and JSON
 * output, and it is left out of the step's identity and cache key (a new token is not new work).
 * @example params: { token: secret(z.string()) }
 */
export function secret<T extends z.ZodType>(schema: T): T {
  secretSchemas.add(schema);
  return schema;
}

/**
 * Whether a schema is secret: marked by `secret()`, or made from a marked schema by any zod wrapper
 * (`.optional()`, `.nullable()`, `.default()`, `.catch()`, `.readonly()`, `.describe()`, `.meta()`,
 * `.refine()`, `.pipe()`, `.transform()`), which all stay legal. Zod keeps the wrapped schema in
 * `def.innerType` (or `def.in`/`def.out` for pipes) and a clone's original in `_zod.parent`.
 */
export function isSecret(schema: unknown): boolean {
  return secretWithin(schema, 0);
}

function secretWithin(schema: unknown, depth: number): boolean {
  if (typeof schema !== "object" || schema === null || depth > 32) return false;
  if (secretSchemas.has(schema)) return true;
  const internals = (schema as { _zod?: { def?: Record<string, unknown>; parent?: unknown } })._zod;
  if (internals === undefined) return false;
  const def = internals.def ?? {};
  return [internals.parent, def.innerType, def.in, def.out].some(
    (inner) => inner !== undefined && secretWithin(inner, depth + 1),
  );
}

/** A copy of `params` with the values of secret parameters replaced by the mask. */
export function maskParams(
  params: Record<string, unknown>,
  secrets: ReadonlySet<string>,
): Record<string, unknown> {
  if (secrets.size === 0) return params;
  const masked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params))
    masked[name] = secrets.has(name) && value !== undefined ? MASK : value;
  return masked;
}

/** Replaces every occurrence of the given secret values in a text by the mask. */
export function maskText(text: string, values: readonly string[]): string {
  let masked = text;
  for (const value of values) if (value.length > 0) masked = masked.split(value).join(MASK);
  return masked;
}
