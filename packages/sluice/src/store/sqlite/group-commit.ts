/**
 * Group commit: writes are queued, then committed together on the next turn of the event loop; the
 * promise a write returns resolves once its batch is committed. A batch is also committed at once
 * when it holds MAX_WRITES writes or is MAX_AGE_MS old: code that never yields to the event loop (a
 * run in "batched" durability, whose steps do not wait for commits) still commits as it goes, and a
 * crash costs at most one batch.
 */
export const MAX_WRITES = 1000;
export const MAX_AGE_MS = 200;

export class GroupCommit {
  private queue: Array<() => void> = [];
  private batch?: {
    promise: Promise<void>;
    resolve: () => void;
    reject: (error: unknown) => void;
    openedAt: number;
  };

  /** `commit` writes a batch in one transaction; a batch's promise rejects with what it throws. */
  constructor(private readonly commit: (writes: ReadonlyArray<() => void>) => void) {}

  /** Queues a write for the next group commit; the promise resolves once it is committed. */
  enqueue(write: () => void): Promise<void> {
    this.queue.push(write);
    if (!this.batch) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Callers await it; this only keeps an unawaited failure from crashing the process.
      promise.catch(() => undefined);
      this.batch = { promise, resolve, reject, openedAt: Date.now() };
      setImmediate(() => this.flush());
    }
    const { promise, openedAt } = this.batch;
    if (this.queue.length >= MAX_WRITES || Date.now() - openedAt >= MAX_AGE_MS) this.flush();
    return promise;
  }

  /** Commits every queued write now. */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const writes = this.queue;
    this.queue = [];
    try {
      this.commit(writes);
      batch.resolve();
    } catch (error) {
      batch.reject(error);
    }
  }
}
