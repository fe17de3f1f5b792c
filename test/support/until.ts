// Waiting in tests: `until(probe, { what })` checks a condition again and again until it holds, and
// fails with a message naming what it waited for once `timeoutMs` passed. Use it wherever a test would
// otherwise sleep a fixed time and hope the thing it waits for happened (which fails on a busy machine
// and wastes time on an idle one).

export interface UntilOptions {
  /** What is waited for, for the failure message: "the run to start", "two polls". */
  what: string;
  /** @defaultValue 20000, below the suite's 30 s test timeout, so this message is the one shown */
  timeoutMs?: number;
  /** Time between checks. @defaultValue 10 */
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

/** Resolves with the first truthy value `probe` returns (awaited); rejects after `timeoutMs`. */
export async function until<T>(
  probe: () => T | Promise<T>,
  { what, timeoutMs = 20_000, intervalMs = 10 }: UntilOptions,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() >= deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
