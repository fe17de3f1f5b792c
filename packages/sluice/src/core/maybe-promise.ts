/**
 * A value now or later. Stores and executors return one so that synchronous backends (the in-memory
 * store, better-sqlite3, a synchronous step body) cost no promise and no microtask per call: on a
 * 10000-step run that is most of the engine's overhead.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
