/** A named limit on steps running at once, as a step or runFlow declares it, and its check. */
import { SluiceError as Err } from "./errors.js";

/** A named limit on steps running at once (see StepOptions.concurrency). */
export interface ConcurrencyLimit {
  readonly key: string;
  readonly limit: number;
}

const LIMIT_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/** A `{ key, limit }` as given, or an error naming `field` (steps and runFlow share it). */
export function checkConcurrencyLimit(field: string, given: unknown): ConcurrencyLimit {
  const { key, limit } = (given ?? {}) as Partial<ConcurrencyLimit>;
  if (typeof key !== "string" || !LIMIT_KEY.test(key))
    throw new Err(
      "invalid-pipeline",
      `${field}.key must be a name of letters, digits, '_', '.', ':', '/' or '-' (e.g. { key: "gpu", limit: 2 }), got ${JSON.stringify(key)}.`,
    );
  if (!Number.isInteger(limit) || (limit as number) < 1)
    throw new Err(
      "invalid-pipeline",
      `${field}.limit must be a whole number of at least 1, got ${String(limit)}.`,
    );
  return Object.freeze({ key, limit: limit as number });
}
