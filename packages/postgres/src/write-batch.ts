/**
 * Group commit on PostgreSQL: writes are queued, then committed together in one transaction on the next
 * turn of the event loop (or at once past MAX_WRITES); the promise a write returns resolves once its
 * batch is committed. One batch is written at a time, so writes commit in the order they were queued.
 * `before` runs first in each transaction (the fence check), and can refuse the whole batch.
 */
import type { Pool, PoolClient } from "pg";

export type Write = (client: PoolClient) => Promise<void>;

const MAX_WRITES = 1000;

export interface Batch {
  writes: Write[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class WriteBatch {
  private open?: Batch;
  /** The batch being written (its promise), so the next waits for it. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly before: (client: PoolClient) => Promise<void>,
  ) {}

  /** Queues a write for the next commit; resolves once it is committed. */
  enqueue(write: Write): Promise<void> {
    const batch = (this.open ??= this.newBatch());
    batch.writes.push(write);
    if (batch.writes.length >= MAX_WRITES) void this.flush();
    return batch.promise;
  }

  /** Commits what is queued now; resolves once every write queued so far is committed (or failed). */
  flush(): Promise<void> {
    const batch = this.open;
    if (batch) {
      this.open = undefined;
      this.writing = this.writing.then(() => this.commit(batch));
    }
    return this.writing;
  }

  /**
   * Takes what is queued now, after the batch being written: the caller writes it (apply) in its own
   * transaction, so the two cost one commit, then settles it (settle).
   */
  async take(): Promise<Batch | undefined> {
    await this.writing;
    const batch = this.open;
    this.open = undefined;
    return batch;
  }

  /** A taken batch's writes, in the caller's transaction. */
  async apply(client: PoolClient, batch: Batch): Promise<void> {
    await this.before(client);
    for (const write of batch.writes) await write(client);
  }

  /** A taken batch once the caller's transaction ended: resolved if it committed, else committed on its own. */
  settle(batch: Batch, committed: boolean): Promise<void> {
    if (committed) {
      batch.resolve();
      return Promise.resolve();
    }
    this.writing = this.writing.then(() => this.commit(batch));
    return this.writing;
  }

  private newBatch(): Batch {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers await it; this only keeps an unawaited failure from crashing the process.
    promise.catch(() => undefined);
    setImmediate(() => void this.flush());
    return { writes: [], promise, resolve, reject };
  }

  private async commit(batch: Batch): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      await this.before(client);
      for (const write of batch.writes) await write(client);
      await client.query("COMMIT");
      batch.resolve();
    } catch (error) {
      await client?.query("ROLLBACK").catch(() => undefined);
      batch.reject(error);
    } finally {
      client?.release();
    }
  }
}

/**
 * Records of one kind written by one statement per batch: each `add` joins the records queued in the
 * batch not yet written (the newest record of a key replacing an older one), and resolves with that
 * batch's commit. A step's record, completion and artifact cost one statement per batch, not one each.
 */
export class CoalescedWrite<T> {
  private pending = new Map<unknown, T>();
  private queued?: Promise<void>;
  private next = 0;

  constructor(
    private readonly batch: WriteBatch,
    private readonly write: (client: PoolClient, records: T[]) => Promise<void>,
    /** Records with the same key replace each other; without, every record is kept. */
    private readonly keyOf?: (record: T) => string,
  ) {}

  add(records: readonly T[]): Promise<void> {
    for (const record of records) this.pending.set(this.keyOf?.(record) ?? this.next++, record);
    if (this.queued) return this.queued;
    // Taken once, when the batch first runs; written again if that transaction rolled back and the
    // batch is committed again on its own (PostgresStore.transaction).
    let taken: T[] | undefined;
    const queued = this.batch.enqueue(async (client) => {
      if (!taken) {
        taken = [...this.pending.values()];
        this.pending = new Map();
        this.queued = undefined;
      }
      if (taken.length > 0) await this.write(client, taken);
    });
    // A batch refused before this write ran (a fenced run) fails whole: its records go with it.
    queued.catch(() => {
      if (this.queued !== queued) return;
      this.queued = undefined;
      this.pending = new Map();
    });
    this.queued = queued;
    return queued;
  }
}
