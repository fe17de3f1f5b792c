/**
 * Runs a map step's items (core/map.ts): each item is its own instance with a cache key of the item
 * body's fingerprint, the params and the item's content, its own record (`score[3]`: status,
 * attempts, duration, error, cached) and its own completion, written as it finishes, so a rerun or a
 * resumed run redoes only the items not finished. Items run `concurrency` at a time. A synchronous
 * body is called without promises in between (thousands of trivial items cost little), with a pause
 * every few hundred items so that commits, timers and cancellation get their turn.
 *
 * On a stack's workers (run.fanOut) the items not reused are shared: published in units (fan-out.ts),
 * run by any worker serving the step's queue and by the step's own job, then gathered here.
 */
import { mapSucceeds } from "./transitions.js";
import {
  contentHashOf,
  decodeValue,
  encodeValue,
  refOf,
  type EncodedValue,
} from "../artifacts/index.js";
import {
  hashParts,
  isPromise,
  serializeError,
  SluiceError,
  type MapResult,
  type MapSpec,
  type MaybePromise,
  type SerializedError,
  type StepContext,
} from "../core/index.js";
import type { CompletionSummary, StepRunRecord } from "../store/index.js";
import { ChildAttempts, type ChildOutcome, type ChildRun } from "./child-run.js";
import { chunked, shareUnits, type FanOut, type MapUnitInput } from "./fan-out.js";

export interface MapRun extends ChildRun {
  spec: MapSpec;
  /** The item body. */
  body: (args: never, ctx: StepContext) => unknown;
  isAsync: boolean;
  fingerprint: string;
  paramsHash: string;
  params: Record<string, unknown>;
}

const YIELD_EVERY = 256;

interface ItemOutcome {
  record: StepRunRecord;
  value?: unknown;
  error?: SerializedError;
}

export async function runMap(run: MapRun, items: unknown): Promise<MapResult<unknown>> {
  if (!Array.isArray(items)) {
    throw new SluiceError(
      "output-invalid",
      `map "${run.step}": its \`over\` input must be an array, got ${items === null ? "null" : typeof items}.`,
      { step: run.step, runId: run.runId, retryable: false },
    );
  }
  const map = new MapExecution(run, items);
  await map.loadKnown();
  if (run.fanOut && items.length > 0) await shareItems(map, run, items, run.fanOut);
  else await map.runItems();
  return map.finish();
}

/** Items are shared in at most this many units: enough to spread over many workers, few enough that a unit's overhead stays small. */
const MOST_UNITS = 128;

/** Reuses what it can here, then shares the other items with the workers and gathers their results. */
async function shareItems(
  map: MapExecution,
  run: MapRun,
  items: unknown[],
  fanOut: FanOut,
): Promise<void> {
  await fanOut.clear(run.step);
  const { reused, fresh } = map.split();
  await map.runItems(reused);
  const units = await Promise.all(
    chunked(fresh, MOST_UNITS).map(async (indices, n) => {
      const encoded = await encodeValue(
        indices.map((index) => items[index]),
        `${run.step}[]`,
      );
      await run.stores.artifacts.put(encoded);
      const input: MapUnitInput = {
        kind: "map",
        indices,
        items: refOf(encoded),
        paramsHash: run.paramsHash,
      };
      return { key: String(n), input };
    }),
  );
  const { results, ranHere } = await shareUnits(
    fanOut,
    run.step,
    units,
    run.control,
    async (unit) => ({
      records: await map.runItems((unit.input as MapUnitInput).indices),
    }),
  );
  for (const [key, result] of results) if (!ranHere.has(key)) await map.absorb(result.records);
}

/**
 * A unit of a map's items taken by a worker (unit-job.ts): `items` are the unit's, in the order of
 * `indices`. Their records are written as they end, as in a whole map, and handed back.
 */
export async function runMapUnit(
  run: MapRun,
  indices: readonly number[],
  items: readonly unknown[],
): Promise<StepRunRecord[]> {
  const all: unknown[] = [];
  indices.forEach((index, n) => (all[index] = items[n]));
  return new MapExecution(run, all).runItems(indices);
}

class MapExecution {
  private readonly outputs: unknown[];
  private readonly errors: Array<{ index: number; error: SerializedError }> = [];
  private cached = 0;
  private next = 0;
  /** The indices to run (all items when undefined), and the records of those run, for a unit's result. */
  private order: readonly number[] | undefined;
  private ran: StepRunRecord[] = [];
  /** Writes are queued, not waited for one by one (the store group-commits them); finish() waits for all. */
  private readonly writes = new Set<Promise<void>>();
  /** The item completions stored so far, read once instead of looked up per item. */
  private readonly known = new Map<string, CompletionSummary>();
  private readonly attempts: ChildAttempts;

  constructor(
    private readonly run: MapRun,
    private readonly items: unknown[],
  ) {
    this.outputs = new Array(items.length).fill(undefined);
    this.attempts = new ChildAttempts(run);
  }

  async loadKnown(): Promise<void> {
    const itemStep = `${this.run.step}[]`;
    for (const summary of await this.run.stores.completions.completionsOf(this.run.pipeline))
      if (summary.step === itemStep) this.known.set(summary.cacheKey, summary);
  }

  /** Runs the items at `order` (all when undefined), `concurrency` at a time; their records once written. */
  async runItems(order?: readonly number[]): Promise<StepRunRecord[]> {
    this.order = order;
    this.next = 0;
    this.ran = [];
    const count = order ? order.length : this.items.length;
    await Promise.all(
      Array.from({ length: Math.min(this.run.spec.concurrency, Math.max(count, 1)) }, () =>
        this.worker(),
      ),
    );
    await Promise.all(this.writes);
    return this.ran;
  }

  /** The indices of items with a completion to reuse, and of the others. */
  split(): { reused: number[]; fresh: number[] } {
    const reused: number[] = [];
    const fresh: number[] = [];
    this.items.forEach((item, index) => {
      const key = this.cacheKeyOf(contentHashOf(item));
      const summary = key === undefined ? undefined : this.known.get(key);
      (summary && summary.invalidatedAt === undefined ? reused : fresh).push(index);
    });
    return { reused, fresh };
  }

  /** Takes in the records of items another worker ran: their outputs read back, their errors kept. */
  async absorb(records: readonly StepRunRecord[]): Promise<void> {
    const prefix = this.run.step.length + 1;
    await Promise.all(
      records.map(async (record) => {
        const index = Number(record.step.slice(prefix, -1));
        if (record.cached) this.cached++;
        if (record.error || !record.output) {
          this.errors.push({
            index,
            error: record.error ?? { code: "step-failed", message: "no output recorded" },
          });
          return;
        }
        const encoded = await this.run.stores.artifacts.get(record.output);
        if (!encoded)
          throw new SluiceError(
            "store-corrupt",
            `map "${this.run.step}": the output of item ${index} (${record.output.hash}) is missing from the artifact store.`,
            { step: this.run.step, runId: this.run.runId },
          );
        this.outputs[index] = await decodeValue(encoded);
      }),
    );
  }

  private async worker(): Promise<void> {
    let sinceYield = 0;
    const { order } = this;
    const count = order ? order.length : this.items.length;
    while (this.next < count && !this.run.control.aborted) {
      const index = order ? order[this.next++]! : this.next++;
      const pending = this.item(index);
      const outcome = isPromise(pending) ? await pending : pending;
      // Each item's record is written when it ends, so `sluice show` and a crash see every finished item.
      this.track(this.run.stores.runs.putSteps([outcome.record]));
      this.ran.push(outcome.record);
      if (outcome.error) this.errors.push({ index, error: outcome.error });
      else this.outputs[index] = outcome.value;
      if (outcome.record.cached) this.cached++;
      if (isPromise(pending)) sinceYield = 0;
      else if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  async finish(): Promise<MapResult<unknown>> {
    await Promise.all(this.writes);
    const { run, items, errors } = this;
    if (run.control.aborted) throw run.control.reason;
    errors.sort((a, b) => a.index - b.index);
    const result: MapResult<unknown> = {
      total: items.length,
      successes: items.length - errors.length,
      failures: errors.length,
      cached: this.cached,
      outputs: this.outputs,
      errors,
    };
    if (!mapSucceeds(result.successes, items.length, run.spec.minSuccessRatio)) {
      const ratio = result.successes / items.length;
      const first = errors
        .slice(0, 3)
        .map((e) => `[${e.index}] ${e.error.message}`)
        .join("; ");
      throw new SluiceError(
        "step-failed",
        `map "${run.step}": ${errors.length} of ${items.length} items failed (${(ratio * 100).toFixed(1)}% succeeded, below minSuccessRatio ${run.spec.minSuccessRatio}). First errors: ${first}`,
        {
          step: run.step,
          runId: run.runId,
          retryable: false,
          details: { total: items.length, failures: errors.length, errors: errors.slice(0, 10) },
        },
      );
    }
    return result;
  }

  private track(written: MaybePromise<void>): void {
    // The store hands out one promise per group commit: one reaction each is enough.
    if (!isPromise(written) || this.writes.has(written)) return;
    this.writes.add(written);
    written.then(
      () => this.writes.delete(written),
      () => undefined,
    );
  }

  private cacheKeyOf(itemHash: string | undefined): string | undefined {
    const { run } = this;
    return itemHash === undefined
      ? undefined
      : hashParts(["map-item", run.pipeline, run.step, run.fingerprint, run.paramsHash, itemHash]);
  }

  /** One item: its output reused from an earlier run, or computed (with retries) and stored. */
  private item(index: number): MaybePromise<ItemOutcome> {
    const { run } = this;
    const item = this.items[index];
    const itemHash = contentHashOf(item);
    const cacheKey = this.cacheKeyOf(itemHash);
    const record: StepRunRecord = {
      runId: run.runId,
      step: `${run.step}[${index}]`,
      identity: `${run.step}[]@${(itemHash ?? String(index)).slice(0, 16)}`,
      status: "succeeded",
      reason: "missing-output",
      cached: false,
      attempts: 0,
      startedAt: Date.now(),
    };
    if (cacheKey !== undefined) record.cacheKey = cacheKey;
    const item$ = { index, item, itemHash, cacheKey, record };
    const summary = cacheKey === undefined ? undefined : this.known.get(cacheKey);
    if (summary !== undefined && summary.invalidatedAt === undefined) {
      return (async () => {
        const encoded = await run.stores.artifacts.get(summary.output);
        if (!encoded) return this.attempt(item$); // missing or corrupted: computed again
        const value = await decodeValue(encoded);
        return {
          record: ended(record, { cached: true, reason: "complete", output: summary.output }),
          value,
        };
      })();
    }
    return this.attempt(item$);
  }

  private attempt(it: ItemState): MaybePromise<ItemOutcome> {
    const { run } = this;
    const outcome = this.attempts.attempt({
      name: it.record.step,
      body: run.body,
      args: { item: it.item, index: it.index, params: run.params },
      retry: run.spec.retry,
      timeoutMs: run.spec.timeoutMs,
      isAsync: run.isAsync,
    });
    const settle = (o: ChildOutcome) => {
      it.record.attempts = o.attempts;
      return o.ok ? this.succeeded(it, o.value) : this.failed(it, o.error);
    };
    return isPromise(outcome) ? outcome.then(settle) : settle(outcome);
  }

  private succeeded(it: ItemState, value: unknown): MaybePromise<ItemOutcome> {
    let encoded: MaybePromise<EncodedValue>;
    try {
      encoded = encodeValue(value, it.record.step);
    } catch (error) {
      return this.failed(it, error);
    }
    if (isPromise(encoded))
      return encoded.then(
        (ready) => this.stored(it, value, ready),
        (error: unknown) => this.failed(it, error),
      );
    return this.stored(it, value, encoded);
  }

  /** Queues the output and (for a cacheable item) its completion, before the item's record: no record says "succeeded" without them. */
  private stored(it: ItemState, value: unknown, encoded: EncodedValue): ItemOutcome {
    const { run } = this;
    const ref = refOf(encoded);
    const put = run.stores.artifacts.put(encoded);
    this.track(isPromise(put) ? put.then(() => undefined) : undefined);
    if (it.cacheKey !== undefined) {
      this.track(
        run.stores.completions.putCompletion({
          cacheKey: it.cacheKey,
          pipeline: run.pipeline,
          step: `${run.step}[]`,
          identity: it.record.identity,
          codeHash: run.fingerprint,
          paramsHash: run.paramsHash,
          inputHashes: { item: it.itemHash! },
          output: ref,
          runId: run.runId,
          createdAt: Date.now(),
        }),
      );
    }
    return { record: ended(it.record, { output: ref }), value };
  }

  private failed(it: ItemState, thrown: unknown): ItemOutcome {
    const { stack: _stack, ...error } = serializeError(thrown);
    return {
      record: ended(it.record, {
        status: this.run.control.aborted ? "cancelled" : "failed",
        error,
      }),
      error,
    };
  }
}

interface ItemState {
  index: number;
  item: unknown;
  itemHash: string | undefined;
  cacheKey: string | undefined;
  record: StepRunRecord;
}

function ended(record: StepRunRecord, extra: Partial<StepRunRecord>): StepRunRecord {
  const finishedAt = Date.now();
  return Object.assign(record, extra, { finishedAt, durationMs: finishedAt - record.startedAt! });
}
