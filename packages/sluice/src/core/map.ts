/**
 * Map steps: one body run over every item of an upstream list, each item its own tracked and cached
 * instance (so adding 10 items to 1000 runs 10), with its own concurrency, retries and a minimum share
 * of items that must succeed. The engine runs the items (engine/map-step.ts).
 */
import { normalizeRetry } from "./retry-options.js";
import { SluiceError } from "./errors.js";
import type { SerializedError } from "./errors.js";
import {
  step,
  stepOf,
  type ParamShape,
  type ParamValues,
  type RetryOptions,
  type Source,
  type Step,
  type StepContext,
  type StepRunParams,
} from "./step.js";

export interface MapItemArgs<Item, P> {
  item: Item;
  /** The item's position in the list. */
  index: number;
  params: ParamValues<P>;
}

export interface MapOptions<Item, R, P extends ParamShape, Upstream = {}> {
  /** The list to map over: a step (or step output) whose value is an array. */
  over: Source<readonly Item[], Upstream>;
  params?: P;
  /** The body, run once per item; `ctx.step` names the item (`score[3]`). */
  run: (args: MapItemArgs<Item, P>, ctx: StepContext) => R;
  /** How many items run at once. @defaultValue 8 */
  concurrency?: number;
  /** Retries of each item (a number of attempts, or options as for steps). @defaultValue 1 attempt */
  retry?: number | RetryOptions;
  /** Timeout of each item's attempt, in ms: its ctx.signal aborts and the attempt fails with step-timeout. */
  timeoutMs?: number;
  /** The share of items that must succeed, from 0 to 1. @defaultValue 1 (every item) */
  minSuccessRatio?: number;
  /** Part of the code fingerprint, as for steps. */
  version?: string;
  description?: string;
}

/** What a map step returns: per-item outputs in input order (undefined where an item failed), and counts. */
export interface MapResult<R> {
  total: number;
  successes: number;
  failures: number;
  /** Items whose output was reused from an earlier run. */
  cached: number;
  outputs: Array<R | undefined>;
  /** The failed items, in input order. */
  errors: Array<{ index: number; error: SerializedError }>;
}

/**
 * Declares a map step.
 * @example const scores = map("score", { over: docs, concurrency: 8, retry: 3, minSuccessRatio: 0.95, run: ({ item }) => score(item) });
 */
export function map<
  Item,
  R,
  P extends ParamShape = {},
  Upstream = {},
  const Name extends string = string,
>(
  name: Name,
  options: MapOptions<Item, R, P, Upstream>,
): Step<
  MapResult<Awaited<R>>,
  StepRunParams<P, { over: Source<readonly Item[], Upstream> }, []>,
  Name
> {
  if (typeof options !== "object" || options === null || typeof options.run !== "function") {
    throw new SluiceError(
      "invalid-pipeline",
      `map "${name}": \`run\` must be a function of one item: map("${name}", { over: items, run: ({ item }) => ... }).`,
      { step: name },
    );
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new SluiceError(
      "invalid-pipeline",
      `map "${name}": concurrency must be a whole number of at least 1, got ${String(concurrency)}.`,
      { step: name },
    );
  const ratio = options.minSuccessRatio ?? 1;
  if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1))
    throw new SluiceError(
      "invalid-pipeline",
      `map "${name}": minSuccessRatio must be a number from 0 to 1, got ${String(ratio)}.`,
      { step: name },
    );
  if (
    options.timeoutMs !== undefined &&
    !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)
  ) {
    throw new SluiceError(
      "invalid-pipeline",
      `map "${name}": timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}.`,
      { step: name },
    );
  }
  // A plain step carries the inputs, params and fingerprint (of the item body); the engine sees `map`.
  const base = step(name, {
    inputs: { over: options.over },
    params: options.params,
    run: options.run as never,
    version: options.version,
    description: options.description,
  });
  const spec = {
    concurrency,
    minSuccessRatio: ratio,
    retry: normalizeRetry(name, options.retry),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  return stepOf(name, Object.freeze({ ...base.definition, map: Object.freeze(spec) }));
}
