/**
 * Dynamic fan-out: a step declared `dynamic: true` returns steps built at run time; they run here,
 * inside the same run, recorded as `parent/child` (status, attempts, duration, cache key, output,
 * error), in dependency order and in parallel where they can. Each child's cache key covers the
 * parent's key, its own name and code and its inputs' content, so a rerun or resume of the same
 * parent reuses the children that finished. The parent's output is the children's outputs by name.
 */
import {
  contentHashOf,
  decodeValue,
  encodeValue,
  refOf,
  type ArtifactRef,
} from "../artifacts/index.js";
import {
  buildGraph,
  hashParts,
  isPromise,
  isStep,
  serializeError,
  SluiceError,
  type AnyStep,
  type GraphNode,
  type MaybePromise,
  type SerializedError,
} from "../core/index.js";
import type { CompletionSummary, StepRunRecord } from "../store/index.js";
import { ChildAttempts, type ChildRun } from "./child-run.js";

export interface Expansion extends ChildRun {
  /** The dynamic step's own cache key: part of every child's. */
  parentKey: string;
}

/** What a dynamic step returned, as steps, or a clear error. */
export function expansionSteps(step: string, value: unknown): AnyStep[] {
  const list = Array.isArray(value)
    ? value
    : isPipelineLike(value)
      ? value.options.steps
      : undefined;
  if (!list || list.length === 0 || !list.every(isStep)) {
    throw new SluiceError(
      "output-invalid",
      `dynamic step "${step}" must return the steps to run (an array made by step(), or a pipeline); it returned ${describe(value)}.`,
      { step, retryable: false },
    );
  }
  return list as AnyStep[];
}

/** Runs the dynamic step's body, then the steps it returned; resolves with the step's output. */
export async function runDynamic(
  run: Expansion,
  body: () => MaybePromise<unknown>,
): Promise<{ expanded: string[]; outputs: Record<string, unknown> }> {
  const returned = body();
  return runExpansion(
    run,
    expansionSteps(run.step, isPromise(returned) ? await returned : returned),
  );
}

export async function runExpansion(
  run: Expansion,
  steps: AnyStep[],
): Promise<{ expanded: string[]; outputs: Record<string, unknown> }> {
  const graph = buildGraph(`${run.pipeline}/${run.step}`, steps);
  for (const node of graph.nodes) {
    if (node.def.paramNames.length > 0) {
      throw new SluiceError(
        "invalid-pipeline",
        `dynamic step "${run.step}": its step "${node.name}" declares params (${node.def.paramNames.join(", ")}); steps built at run time take values from the closure (build them from the dynamic step's own params).`,
        { step: run.step },
      );
    }
  }
  const known = new Map<string, CompletionSummary>();
  const childStep = `${run.step}/`;
  for (const summary of await run.stores.completions.completionsOf(run.pipeline))
    if (summary.step.startsWith(childStep)) known.set(summary.cacheKey, summary);
  const attempts = new ChildAttempts(run);
  const values = new Map<number, Promise<{ value: unknown; hash: string } | undefined>>();
  const failures: Array<{ step: string; error: SerializedError }> = [];
  const outputs: Record<string, unknown> = {};
  for (const node of graph.nodes) {
    values.set(
      node.index,
      Promise.all(node.deps.map((dep) => values.get(dep)!)).then(async (upstream) => {
        const name = `${run.step}/${node.name}`;
        if (upstream.some((u) => u === undefined) || run.control.aborted) {
          await run.stores.runs.putSteps([
            {
              runId: run.runId,
              step: name,
              identity: name,
              status: "skipped",
              reason: run.control.aborted ? "cancelled" : "upstream-failed",
              cached: false,
              attempts: 0,
            },
          ]);
          return undefined;
        }
        const outcome = await runChild(run, attempts, node, name, values, known);
        await run.stores.runs.putSteps([outcome.record]);
        if (outcome.error) {
          failures.push({ step: node.name, error: outcome.error });
          return undefined;
        }
        outputs[node.name] = outcome.value;
        return { value: outcome.value, hash: outcome.record.output!.hash };
      }),
    );
  }
  await Promise.all(values.values());
  if (run.control.aborted) throw run.control.reason;
  if (failures.length > 0) {
    const first = failures[0]!;
    throw new SluiceError(
      "step-failed",
      `dynamic step "${run.step}": ${failures.length} of its ${graph.nodes.length} steps failed; first "${first.step}": ${first.error.message}`,
      { step: run.step, retryable: false, details: { failures } },
    );
  }
  return { expanded: graph.nodes.map((n) => n.name), outputs };
}

async function runChild(
  run: Expansion,
  attempts: ChildAttempts,
  node: GraphNode,
  name: string,
  values: ReadonlyMap<number, Promise<{ value: unknown; hash: string } | undefined>>,
  known: ReadonlyMap<string, CompletionSummary>,
): Promise<ChildResult> {
  const args: Record<string, unknown> = { params: {} };
  const hashes: Record<string, string> = {};
  for (const input of node.inputs) {
    const upstream = (await values.get(input.from))!;
    const value =
      input.field === undefined
        ? upstream.value
        : (upstream.value as Record<string, unknown>)?.[input.field];
    args[input.name] = value;
    hashes[input.name] =
      input.field === undefined ? upstream.hash : (contentHashOf(value) ?? upstream.hash);
  }
  const cacheKey = hashParts([
    "dynamic",
    run.parentKey,
    node.name,
    node.def.fingerprint,
    ...Object.entries(hashes).map(([input, hash]) => `${input}=${hash}`),
  ]);
  const startedAt = Date.now();
  const record: StepRunRecord = {
    runId: run.runId,
    step: name,
    identity: name,
    status: "succeeded",
    reason: "missing-output",
    cached: false,
    attempts: 0,
    cacheKey,
    startedAt,
  };
  const end = (extra: Partial<StepRunRecord>) =>
    Object.assign(record, extra, { finishedAt: Date.now(), durationMs: Date.now() - startedAt });
  const summary = known.get(cacheKey);
  if (summary && summary.invalidatedAt === undefined) {
    const encoded = await run.stores.artifacts.get(summary.output);
    if (encoded)
      return {
        record: end({ cached: true, reason: "complete", output: summary.output }),
        value: await decodeValue(encoded, node.def.serializer),
      };
  }
  const outcome = await attempts.attempt({
    name,
    body: node.def.run,
    args,
    retry: node.def.retry,
    timeoutMs: node.def.timeoutMs,
    isAsync: node.def.isAsync,
  });
  record.attempts = outcome.attempts;
  if (outcome.ok) {
    try {
      const ref = await storeChild(run, name, node, outcome.value, cacheKey, hashes);
      return { record: end({ output: ref }), value: outcome.value };
    } catch (thrown) {
      return failedChild(run, end, thrown);
    }
  }
  return failedChild(run, end, outcome.error);
}

interface ChildResult {
  record: StepRunRecord;
  value?: unknown;
  error?: SerializedError;
}

function failedChild(
  run: Expansion,
  end: (extra: Partial<StepRunRecord>) => StepRunRecord,
  thrown: unknown,
): ChildResult {
  const { stack: _stack, ...error } = serializeError(thrown);
  return { record: end({ status: run.control.aborted ? "cancelled" : "failed", error }), error };
}

async function storeChild(
  run: Expansion,
  name: string,
  node: GraphNode,
  value: unknown,
  cacheKey: string,
  inputHashes: Record<string, string>,
): Promise<ArtifactRef> {
  const encoded = await encodeValue(value, name, node.def.serializer);
  const ref = refOf(encoded);
  await run.stores.artifacts.put(encoded);
  await run.stores.completions.putCompletion({
    cacheKey,
    pipeline: run.pipeline,
    step: name,
    identity: name,
    codeHash: node.def.fingerprint,
    paramsHash: run.parentKey,
    inputHashes,
    output: ref,
    runId: run.runId,
    createdAt: Date.now(),
  });
  return ref;
}

function isPipelineLike(value: unknown): value is { options: { steps: unknown[] } } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "pipeline" &&
    Array.isArray((value as { options?: { steps?: unknown } }).options?.steps)
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value))
    return value.length === 0 ? "an empty array" : "an array with something that is not a step";
  return value === null ? "null" : typeof value;
}
