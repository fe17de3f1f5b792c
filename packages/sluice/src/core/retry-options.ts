/** A step's `retry` option, as given (a number of attempts, or RetryOptions) made whole, or refused naming the step. */
import { SluiceError as Err } from "./errors.js";
import type { NormalizedRetry, RetryOptions } from "./step.js";

export function normalizeRetry(
  name: string,
  retry: number | RetryOptions | undefined,
): NormalizedRetry {
  const options: RetryOptions =
    typeof retry === "number" ? { attempts: retry } : (retry ?? { attempts: 1 });
  const attempts = options.attempts;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": retry.attempts must be a whole number of at least 1, got ${String(attempts)}.`,
      { step: name },
    );
  }
  const delayMs = options.delayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  if (!(delayMs >= 0) || !(maxDelayMs >= 0)) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": retry delays must be zero or more milliseconds.`,
      { step: name },
    );
  }
  const backoff = options.backoff ?? "exponential";
  if (!["exponential", "linear", "fixed"].includes(backoff)) {
    throw new Err(
      "invalid-pipeline",
      `step "${name}": retry.backoff must be "exponential", "linear" or "fixed", got ${JSON.stringify(backoff)}.`,
      { step: name },
    );
  }
  return { attempts, backoff, delayMs, maxDelayMs, jitter: options.jitter ?? true };
}
