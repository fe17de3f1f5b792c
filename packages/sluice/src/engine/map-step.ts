/**
 * Runs a map step's items (core/map.ts): each item is its own instance with a cache key of the item
 * body's fingerprint, the params and the item's content, its own record (`score[3]`: status,
 * attempts, duration, error, cached) and its own completion, written as it finishes, so a rerun or a
 * resumed run redoes only the items not finished. Items run `concurrency` at a time. A synchronous
 * body is called without promises in between (thousands of trivial items cost little), with a pause
 * every few hundred items so that commits, timers and cancellation get their turn.
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
  await Promise.all(
    Array.from({ length: Math.min(run.spec.concurrency, Math.max(items.length, 1)) }, () =>
      map.worker(),
    ),
  );
  return map.finish();
}

class MapExecution {
  private readonly outputs: unknown[];
  private readonly errors: Array<{ index: number; error: SerializedError }> = [];
  private cached = 0;
  private next = 0;
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

  async worker(): Promise<void> {
    let sinceYield = 0;
    while (this.next < this.items.length && !this.run.control.aborted) {
      const index = this.next++;
      const pending = this.item(index);
      const outcome = isPromise(pending) ? await pending : pending;
      // Each item's record is written when it ends, so `sluice show` and a crash see every finished item.
      this.track(this.run.stores.runs.putSteps([outcome.record]));
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

  /** One item: its output reused from an earlier run, or computed (with retries) and stored. */
  private item(index: number): MaybePromise<ItemOutcome> {
    const { run } = this;
    const item = this.items[index];
    const itemHash = contentHashOf(item);
    const cacheKey =
      itemHash === undefined
        ? undefined
        : hashParts([
            "map-item",
            run.pipeline,
            run.step,
            run.fingerprint,
            run.paramsHash,
            itemHash,
          ]);
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
