import type { Reason, RunStatus, SerializedError, StepStatus } from "../core/index.js";

export interface OutputRefJson {
  readonly hash: string;
  readonly kind: "json" | "blob" | "records" | "table" | "parquet";
  readonly size: number;
}

export interface StepResult {
  readonly name: string;
  readonly status: StepStatus;
  readonly reason: Reason;
  /** True when an earlier output was reused instead of running the body. */
  readonly cached: boolean;
  /** How many times the body ran. */
  readonly attempts: number;
  readonly durationMs: number;
  /** True when the value came from `onFailure` after the last attempt failed. */
  readonly fallback?: boolean;
  readonly identity: string;
  readonly cacheKey?: string;
  readonly output?: OutputRefJson;
  readonly error?: SerializedError;
}

/** Which steps were scheduled and what became of them, by name (like Luigi's execution summary). */
export interface ExecutionSummary {
  /** Every step the plan covered. */
  scheduled: string[];
  /** Complete before the run: nothing to do. */
  complete: string[];
  /** Their body ran and they succeeded (fallbacks included). */
  ran: string[];
  /** Planned to run, but an earlier output matched once their inputs were known. */
  cached: string[];
  skipped: string[];
  failed: string[];
  cancelled: string[];
}

export interface FirstFailure {
  /** The step that failed; absent when the run itself failed (its end could not be recorded). */
  step?: string;
  error: SerializedError;
}

const INLINE_LIMIT = 1024 * 1024;

/** What `pipeline.run()` returns. */
/**
 * A finished run. `Outputs` types the outputs of the pipeline's final steps by name (see pipeline());
 * each may be absent (a failed or skipped step, or `loadOutputs: "ran"` and a reused one).
 */
export class RunResult<Outputs = Record<string, unknown>> {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  readonly success: boolean;
  /** Each step's output value, by step name (for steps that produced one). */
  readonly outputs: Partial<Outputs> & Record<string, unknown>;
  readonly steps: Record<string, StepResult>;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly durationMs: number;
  /** The first step to fail, in the order failures happened. */
  readonly firstFailure?: FirstFailure;
  /** The stored JSON text of outputs, for inline JSON output; not part of the public shape. */
  readonly #outputTexts: ReadonlyMap<string, string>;

  constructor(fields: {
    runId: string;
    pipeline: string;
    status: RunStatus;
    outputs: Record<string, unknown>;
    outputTexts: ReadonlyMap<string, string>;
    steps: Record<string, StepResult>;
    startedAt: number;
    finishedAt: number;
    firstFailure?: FirstFailure;
  }) {
    this.runId = fields.runId;
    this.pipeline = fields.pipeline;
    this.status = fields.status;
    this.success = fields.status === "succeeded";
    this.outputs = fields.outputs as Partial<Outputs> & Record<string, unknown>; // typed by the pipeline that ran
    this.steps = fields.steps;
    this.startedAt = fields.startedAt;
    this.finishedAt = fields.finishedAt;
    this.durationMs = fields.finishedAt - fields.startedAt;
    this.firstFailure = fields.firstFailure;
    this.#outputTexts = fields.outputTexts;
  }

  summary(): ExecutionSummary {
    const summary: ExecutionSummary = {
      scheduled: [],
      complete: [],
      ran: [],
      cached: [],
      skipped: [],
      failed: [],
      cancelled: [],
    };
    for (const step of Object.values(this.steps)) {
      summary.scheduled.push(step.name);
      if (step.status === "succeeded") {
        if (!step.cached) summary.ran.push(step.name);
        else if (step.reason === "complete") summary.complete.push(step.name);
        else summary.cached.push(step.name);
      } else if (step.status === "skipped") summary.skipped.push(step.name);
      else if (step.status === "failed") summary.failed.push(step.name);
      else if (step.status === "cancelled" || step.status === "pending")
        summary.cancelled.push(step.name);
    }
    return summary;
  }

  /**
   * The result as JSON: outputs inline when they are JSON and under 1 MiB, else `{ "$ref": { hash, kind, size } }`.
   * Values JSON cannot hold (NaN, Dates, ...) appear in sluice's tagged form `{ "$sluice": kind, "v": ... }`,
   * except `undefined`, which is `null` as JSON.stringify writes it (a failed map item's output, say).
   */
  toJSON(): Record<string, unknown> {
    const outputs: Record<string, unknown> = {};
    for (const step of Object.values(this.steps)) {
      if (!step.output) continue;
      const text = this.#outputTexts.get(step.name);
      const small = step.output.size < INLINE_LIMIT;
      if (step.output.kind === "json" && small && text !== undefined)
        outputs[step.name] = parseForJson(text);
      else if (step.output.kind === "records" && small && step.name in this.outputs)
        outputs[step.name] = this.outputs[step.name];
      else outputs[step.name] = { $ref: step.output };
    }
    return {
      runId: this.runId,
      pipeline: this.pipeline,
      status: this.status,
      success: this.success,
      startedAt: new Date(this.startedAt).toISOString(),
      finishedAt: new Date(this.finishedAt).toISOString(),
      durationMs: this.durationMs,
      ...(this.firstFailure ? { firstFailure: this.firstFailure } : {}),
      summary: this.summary(),
      steps: this.steps,
      outputs,
    };
  }
}

/** How the codec tags `undefined` (in an array, or as a whole output); it has no other meaning in stored text. */
const UNDEFINED_TAG = `{"$sluice":"undefined"}`;

/** Stored JSON text as JSON output shows it: `undefined` is `null`, as JSON.stringify writes it in arrays. */
function parseForJson(text: string): unknown {
  if (!text.includes(UNDEFINED_TAG)) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) => (isUndefinedTag(value) ? null : value));
}

function isUndefinedTag(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (value as Record<string, unknown>).$sluice === "undefined";
}
