/**
 * Dynamic fan-out: a step declared `dynamic: true` returns steps built at run time; they run here,
 * inside the same run, recorded as `parent/child` (status, attempts, duration, cache key, output,
 * error), in dependency order and in parallel where they can. Each child's cache key covers the
 * parent's key, its own name and code and its inputs' content, so a rerun or resume of the same
 * parent reuses the children that finished. The parent's output is the children's outputs by name.
 *
 * On a stack's workers (run.fanOut) the children are shared, a unit each (fan-out.ts), in waves: those
 * whose inputs have ended are published, run by any worker serving the step's queue (which runs the
 * dynamic body again to build them: it must build the same steps from the same inputs) and by the
 * step's own job, then the next wave.
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
import { shareUnits, type ChildUnitInput, type FanOut } from "./fan-out.js";

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
  const graph = childGraph(run, steps);
  const known = new Map<string, CompletionSummary>();
  const childStep = `${run.step}/`;
  for (const summary of await run.stores.completions.completionsOf(run.pipeline))
    if (summary.step.startsWith(childStep)) known.set(summary.cacheKey, summary);
  const lookup = (key: string) => known.get(key);
  const { failures, outputs } = run.fanOut
    ? await shareChildren(run, graph, lookup, run.fanOut)
    : await runChildrenHere(run, graph, lookup);
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

/** The graph of the steps a dynamic step returned (which take no params). */
export function childGraph(run: Pick<Expansion, "pipeline" | "step">, steps: AnyStep[]): Graph {
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
  return graph;
}

type Graph = ReturnType<typeof buildGraph>;
/** A child's stored completion by cache key, if any. */
type KnownCompletion = (cacheKey: string) => MaybePromise<CompletionSummary | undefined>;
type ChildValue = { value: unknown; hash: string } | undefined;

interface ChildrenOutcome {
  failures: Array<{ step: string; error: SerializedError }>;
  outputs: Record<string, unknown>;
}

/** Every child in this process, each as soon as its inputs are there. */
async function runChildrenHere(
  run: Expansion,
  graph: Graph,
  known: KnownCompletion,
): Promise<ChildrenOutcome> {
  const attempts = new ChildAttempts(run);
  const values = new Map<number, Promise<ChildValue>>();
  const failures: ChildrenOutcome["failures"] = [];
  const outputs: Record<string, unknown> = {};
  for (const node of graph.nodes) {
    values.set(
      node.index,
      Promise.all(node.deps.map((dep) => values.get(dep)!)).then(async (upstream) => {
        const name = `${run.step}/${node.name}`;
        if (upstream.some((u) => u === undefined) || run.control.aborted) {
          await run.stores.runs.putSteps([skippedChild(run, name)]);
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
  return { failures, outputs };
}

function skippedChild(run: Expansion, name: string): StepRunRecord {
  return {
    runId: run.runId,
    step: name,
    identity: name,
    status: "skipped",
    reason: run.control.aborted ? "cancelled" : "upstream-failed",
    cached: false,
    attempts: 0,
  };
}

/** The children shared with the workers, wave by wave: each wave those whose inputs have all ended. */
async function shareChildren(
  run: Expansion,
  graph: Graph,
  known: KnownCompletion,
  fanOut: FanOut,
): Promise<ChildrenOutcome> {
  await fanOut.clear(run.step);
  const ended = new Map<number, { ref: ArtifactRef; value?: unknown; here: boolean } | undefined>();
  const failures: ChildrenOutcome["failures"] = [];
  const heldHere = new Map<string, unknown>();
  while (ended.size < graph.nodes.length && !run.control.aborted) {
    const wave = graph.nodes.filter(
      (node) => !ended.has(node.index) && node.deps.every((dep) => ended.has(dep)),
    );
    const units: Array<{ key: string; input: ChildUnitInput }> = [];
    for (const node of wave) {
      if (node.deps.some((dep) => ended.get(dep) === undefined)) {
        await run.stores.runs.putSteps([skippedChild(run, `${run.step}/${node.name}`)]);
        ended.set(node.index, undefined);
        continue;
      }
      const deps: ChildUnitInput["deps"] = {};
      for (const dep of node.deps) {
        const ref = ended.get(dep)!.ref;
        deps[graph.nodes[dep]!.name] = { ref, hash: ref.hash };
      }
      units.push({
        key: node.name,
        input: { kind: "child", fingerprint: node.def.fingerprint, parentKey: run.parentKey, deps },
      });
    }
    const { results, ranHere } = await shareUnits(
      fanOut,
      run.step,
      units,
      run.control,
      async (unit) => {
        const node = graph.byName.get(unit.key);
        const input = unit.input as ChildUnitInput;
        const outcome = await runChildUnit(run, graph, node, unit.key, input, known);
        if (!outcome.error) heldHere.set(unit.key, outcome.value);
        return { records: [outcome.record] };
      },
    );
    for (const { key } of units) {
      const node = graph.byName.get(key)!;
      const record = results.get(key)?.records[0];
      if (record?.status === "succeeded" && record.output) {
        ended.set(node.index, { ref: record.output, here: ranHere.has(key) });
      } else {
        ended.set(node.index, undefined);
        failures.push({
          step: key,
          error: record?.error ?? { code: "step-failed", message: "no outcome recorded" },
        });
      }
    }
  }
  const outputs: Record<string, unknown> = {};
  for (const node of graph.nodes) {
    const child = ended.get(node.index);
    if (!child) continue;
    outputs[node.name] = child.here
      ? heldHere.get(node.name)
      : await readChild(run, child.ref, node);
  }
  return { failures, outputs };
}

async function readChild(run: Expansion, ref: ArtifactRef, node: GraphNode): Promise<unknown> {
  const encoded = await run.stores.artifacts.get(ref);
  if (!encoded)
    throw new SluiceError(
      "store-corrupt",
      `dynamic step "${run.step}": the output of "${node.name}" (${ref.hash}) is missing from the artifact store.`,
      { step: run.step, runId: run.runId },
    );
  return decodeValue(encoded, node.def.serializer);
}

/**
 * One child, as a unit (on the step's own job or another worker): its inputs read from their
 * children's outputs, then run (or reused) and its record written.
 */
export async function runChildUnit(
  run: Expansion,
  graph: Graph,
  node: GraphNode | undefined,
  key: string,
  input: ChildUnitInput,
  known: KnownCompletion,
): Promise<ChildResult> {
  const name = `${run.step}/${key}`;
  if (node?.def.fingerprint !== input.fingerprint) {
    const error = new SluiceError(
      "step-failed",
      `dynamic step "${run.step}": its body built ${node ? `a different "${key}"` : `no step "${key}"`} on this worker, unlike on the step's own; a dynamic step must build the same steps from the same inputs.`,
      { step: name, retryable: false },
    );
    const { stack: _stack, ...serialized } = serializeError(error);
    const record = { ...skippedChild(run, name), status: "failed" as const, error: serialized };
    await run.stores.runs.putSteps([record]);
    return { record, error: serialized };
  }
  const values = new Map<number, Promise<ChildValue>>();
  for (const dep of node.deps) {
    const upstream = graph.nodes[dep]!;
    const given = input.deps[upstream.name]!;
    values.set(
      dep,
      readChild(run, given.ref, upstream).then((value) => ({ value, hash: given.hash })),
    );
  }
  const outcome = await runChild(
    { ...run, parentKey: input.parentKey },
    new ChildAttempts(run),
    node,
    name,
    values,
    known,
  );
  await run.stores.runs.putSteps([outcome.record]);
  return outcome;
}

async function runChild(
  run: Expansion,
  attempts: ChildAttempts,
  node: GraphNode,
  name: string,
  values: ReadonlyMap<number, Promise<ChildValue>>,
  known: KnownCompletion,
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
  const found = known(cacheKey);
  const summary = isPromise(found) ? await found : found;
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
