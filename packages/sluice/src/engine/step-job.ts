/**
 * One step of a run, executed on its own, as a worker executes a job: its upstream steps known from
 * their records, then the same way to its end as in a whole run (runStep: the skip rules, the cache
 * check once its inputs are known, `when`, attempts and retries, the fallback, map items). The step's
 * final record and its completions are handed back instead of written, for the worker to commit in
 * one fenced transaction with the run's next steps, and its "running" record is the worker's to write
 * (as it takes the attempt); artifacts, logs and metrics are written as usual.
 */
import {
  refOf,
  type ArtifactRef,
  type ArtifactStore,
  type EncodedValue,
} from "../artifacts/index.js";
import { SluiceError, type PipelineGraph, type Reason, type StepStatus } from "../core/index.js";
import type { PlannedStep } from "../planner/index.js";
import type {
  Completion,
  CompletionStore,
  RunStore,
  RunTrigger,
  StepRunRecord,
} from "../store/index.js";
import type { SluiceEventListener } from "./events.js";
import type { Stores } from "./execute-options.js";
import type { FanOut } from "./fan-out.js";
import { RunState } from "./run-state.js";
import { runStep } from "./step-run.js";
import { recordOf, type StepState } from "./step-state.js";

/** What a step job knows of an upstream step: its record, and the field hashes of its completion. */
export interface UpstreamRecord {
  status: StepStatus;
  reason: Reason;
  output?: ArtifactRef;
  cacheKey?: string;
  /** A fallback value: an output with no completion behind it. */
  fallback?: boolean;
  fieldHashes?: Record<string, string>;
}

export interface StepJob {
  runId: string;
  graph: PipelineGraph;
  step: string;
  /** The step as the run's plan had it (made where the run was enqueued). */
  planned: PlannedStep;
  /** The params the step declares, parsed. */
  params: Record<string, unknown>;
  /** Every upstream step's record, by step name. */
  upstream: ReadonlyMap<string, UpstreamRecord>;
  stores: Stores;
  secretValues?: readonly string[];
  source?: { file: string; exportName?: string };
  project?: string;
  trigger?: RunTrigger;
  /** Aborted to cancel the step (the run was cancelled, or the worker is stopping). */
  signal?: AbortSignal;
  onEvent?: SluiceEventListener;
  /** Where the step shares its map items or dynamic children with the other workers. */
  fanOut?: FanOut;
  /**
   * The step's artifacts come back with its outcome, for the caller to commit with its end (a stack
   * whose artifacts are in its database), instead of being written as the step goes. Not for a map or
   * dynamic step, whose items' and children's artifacts other workers read while it runs.
   */
  keepArtifacts?: boolean;
}

export interface StepJobOutcome {
  /** The step's final record, to commit. */
  record: StepRunRecord;
  /** The completions the step made (its own, its map items'), to commit with it. */
  completions: Completion[];
  /** With `keepArtifacts`: the artifacts the step made, to commit with it. */
  artifacts: EncodedValue[];
}

export async function executeStepJob(job: StepJob): Promise<StepJobOutcome> {
  const completions: Completion[] = [];
  const artifacts: EncodedValue[] = [];
  const { run, state } = jobRun(job, job.planned, completions, artifacts);
  run.startedAt = Date.now();
  const onAbort = () => run.cancel();
  if (job.signal?.aborted) run.cancel();
  else job.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await runStep(run, state);
  } catch (error) {
    run.settle(state, "failed", state.reason, error);
  } finally {
    job.signal?.removeEventListener("abort", onAbort);
  }
  if (!state.finished) run.settle(state, "cancelled", "cancelled");
  await closeJobRun(run);
  if (run.storeError !== undefined && state.status !== "failed") {
    // An output that could not be written is not an output: the step failed.
    state.status = "failed";
    state.error = run.serialized(run.storeError);
  }
  return {
    record: recordOf(job.runId, state),
    completions: state.status === "succeeded" ? completions : [],
    artifacts,
  };
}

/**
 * The run a job executes its step in: its upstream steps known from their records, and the step's
 * own state. With `kept`, the step's completions are kept there for the caller to commit.
 */
export function jobRun(
  job: Omit<StepJob, "planned">,
  planned: PlannedStep | undefined,
  kept?: Completion[],
  keptArtifacts?: EncodedValue[],
): { run: StepJobRun; state: StepState } {
  const node = job.graph.byName.get(job.step);
  if (!node)
    throw new SluiceError(
      "not-found",
      `Pipeline "${job.graph.pipeline}" has no step "${job.step}" (run ${job.runId}).`,
    );
  const keepArtifacts =
    keptArtifacts && job.keepArtifacts && !node.def.map && node.def.dynamic !== true;
  const paramsByNode: Array<Record<string, unknown>> = [];
  paramsByNode[node.index] = job.params;
  const run = new StepJobRun({
    graph: job.graph,
    plan: { pipeline: job.graph.pipeline, steps: planned ? [planned] : [], byName: new Map() },
    paramsByNode,
    params: {},
    secretValues: job.secretValues,
    stores: {
      ...job.stores,
      runs: withoutRunningRecord(job.stores.runs),
      completions: kept ? deferringPuts(job.stores.completions, kept) : job.stores.completions,
      artifacts: keepArtifacts
        ? keepingArtifacts(job.stores.artifacts, keptArtifacts)
        : job.stores.artifacts,
    },
    concurrency: 1,
    // Its inputs' records were committed before its job was queued: the "running" record need not be
    // waited for before the body (the final record is committed, fenced, by the caller).
    durability: "batched",
    runId: job.runId,
    source: job.source,
    project: job.project,
    trigger: job.trigger,
    onEvent: job.onEvent,
    ...(job.fanOut ? { fanOut: job.fanOut } : {}),
  });
  for (const dep of node.deps) {
    const upstreamNode = job.graph.nodes[dep]!;
    const record = job.upstream.get(upstreamNode.name);
    // A unit of map items reads no input of its step (its items come with it).
    if (!record && !planned) continue;
    if (!record)
      throw new SluiceError(
        "store-corrupt",
        `Run ${job.runId}: step "${job.step}" is ready but its upstream "${upstreamNode.name}" has no record.`,
      );
    run.states[dep] = upstreamState(upstreamNode, record);
  }
  const state: StepState = {
    node,
    // A unit's job (unit-job.ts) reads only the step's node and inputs, not its plan.
    planned: planned ?? (undefined as unknown as PlannedStep),
    status: "pending",
    reason: planned?.reason ?? "missing-output",
    cached: false,
    attempts: 0,
    remaining: 0,
    finished: false,
    cacheKey: planned?.cacheKey,
    hasValue: false,
  };
  run.states[node.index] = state;
  run.ordered.push(state);
  return { run, state };
}

/** Ends a job's run: its threads closed, its logs and writes flushed (a failed write kept as its storeError). */
export async function closeJobRun(run: StepJobRun): Promise<void> {
  run.closed = true;
  clearTimeout(run.graceTimer);
  await run.threads?.close();
  await Promise.resolve(run.logs.flush()).catch((error: unknown) => (run.storeError ??= error));
  await run.recording.settle();
}

/** A RunState for one step: its settled record is kept for the caller's transaction, not written. */
export class StepJobRun extends RunState {
  override resolveDone = (): void => undefined;

  protected override recordSettled(): void {}
}

/**
 * The run store as the step sees it, without the step's "running" record: the caller records that
 * when it takes the attempt (a worker, with the attempt's token), so it is not written twice.
 */
function withoutRunningRecord(store: RunStore): RunStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "putSteps")
        return (steps: readonly StepRunRecord[]) => {
          const others = steps.filter((step) => step.status !== "running");
          return others.length === 0 ? undefined : target.putSteps(others);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The completion store as the step sees it: reads go through; completions are kept for the caller to commit. */
function deferringPuts(store: CompletionStore, kept: Completion[]): CompletionStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "putCompletion")
        return (completion: Completion) => void kept.push(completion);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The artifact store as the step sees it: its puts kept for the caller to commit, and read back from there. */
function keepingArtifacts(store: ArtifactStore, kept: EncodedValue[]): ArtifactStore {
  const byHash = new Map<string, EncodedValue>();
  return {
    put(encoded) {
      const ref = refOf(encoded);
      if (!byHash.has(ref.hash)) {
        byHash.set(ref.hash, encoded);
        kept.push(encoded);
      }
      return ref;
    },
    get: (ref) => byHash.get(ref.hash) ?? store.get(ref),
    has: (ref) => byHash.has(ref.hash) || store.has(ref),
    ...(store.missing
      ? {
          missing: async (refs: readonly ArtifactRef[]) => {
            const missing = new Set(await store.missing!(refs));
            for (const hash of byHash.keys()) missing.delete(hash);
            return missing;
          },
        }
      : {}),
  };
}

function upstreamState(node: PipelineGraph["nodes"][number], record: UpstreamRecord): StepState {
  const succeeded = record.status === "succeeded";
  return {
    node,
    // An upstream step's plan is not needed: only its outcome and output are read.
    planned: undefined as unknown as PlannedStep,
    status: record.status,
    reason: record.reason,
    cached: true,
    attempts: 0,
    remaining: 0,
    finished: true,
    cacheKey: record.cacheKey,
    completionKey: succeeded && !record.fallback ? record.cacheKey : undefined,
    ref: record.output,
    fieldHashes: record.fieldHashes,
    hasValue: false,
  };
}
