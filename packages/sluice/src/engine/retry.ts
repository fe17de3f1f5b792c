import type { NormalizedRetry } from "../core/index.js";

/**
 * The wait before the next attempt, after attempt number `failedAttempt` (1-based) failed. With jitter
 * the wait is between half and all of the computed delay ("equal jitter"), so steps that failed
 * together do not all retry at the same moment.
 */
export function retryDelay(
  policy: NormalizedRetry,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  let delay: number;
  if (policy.backoff === "fixed") delay = policy.delayMs;
  else if (policy.backoff === "linear") delay = policy.delayMs * failedAttempt;
  else delay = policy.delayMs * 2 ** (failedAttempt - 1);
  delay = Math.min(delay, policy.maxDelayMs);
  return policy.jitter ? delay / 2 + random() * (delay / 2) : delay;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
