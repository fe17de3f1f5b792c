import { SluiceError, isPromise, type MaybePromise, type MapResult } from "../core/index.js";
import { encodeValue, refOf, tagOf, type EncodedValue } from "../artifacts/index.js";
import { fieldHashesOf } from "./output-check.js";
import { metricsOfOutput } from "./metrics.js";
import type { RunState } from "./run-state.js";
import { inputHashesOf, inputKeysOf } from "./step-inputs.js";
import type { StepState } from "./step-state.js";

/**
 * Stores the output and, for a real completion, the completion record. The writes are not waited
 * for here: they are queued in order (artifact, then completion), dependents may start at once, and a
 * dependent's own body runs only after its "running" record, queued after them, is committed, so no
 * body ever acts on an upstream whose completion could still be lost (unless the run is "batched").
 */
export function storeOutput(
  run: RunState,
  state: StepState,
  value: unknown,
  complete: boolean,
): MaybePromise<void> {
  if (run.closed)
    throw new SluiceError(
      "cancelled",
      `step "${state.node.name}" ended after its run was cancelled; its output is not kept.`,
      { runId: run.runId },
    );
  const encoded = encodeValue(value, state.node.name, state.node.def.serializer);
  if (isPromise(encoded))
    return encoded.then((ready) => storeEncoded(run, state, value, ready, complete));
  return storeEncoded(run, state, value, encoded, complete);
}

function storeEncoded(
  run: RunState,
  state: StepState,
  value: unknown,
  encoded: EncodedValue,
  complete: boolean,
): void {
  const { node } = state;
  const ref = refOf(encoded);
  state.fieldHashes = fieldHashesOf(run.options.graph, node, value);
  state.ref = ref;
  state.value = value;
  state.hasValue = true;
  if (encoded.kind === "json") state.text = encoded.text;
  const put = run.options.stores.artifacts.put(encoded);
  if (!complete) return run.track(isPromise(put) ? put.then(() => undefined) : undefined, state);
  const completion = {
    cacheKey: state.cacheKey!,
    pipeline: run.options.graph.pipeline,
    step: node.name,
    identity: state.planned.identity,
    codeHash: node.def.fingerprint,
    paramsHash: state.planned.paramsHash,
    inputHashes: inputHashesOf(state, run.states),
    ...inputKeysOf(state, run.states),
    ...(state.fieldHashes ? { fieldHashes: state.fieldHashes } : {}),
    ...(node.def.map && (value as MapResult<unknown>).failures > 0
      ? { itemsFailed: (value as MapResult<unknown>).failures }
      : {}),
    output: ref,
    runId: run.runId,
    createdAt: Date.now(),
  };
  run.track(isPromise(put) ? put.then(() => undefined) : undefined, state);
  run.track(run.options.stores.completions.putCompletion(completion), state);
  state.completionKey = completion.cacheKey;
  const tag = tagOf(value) ?? (encoded.info ? "dataset" : undefined);
  if (tag === "metrics") run.logs.metric(...metricsOfOutput(run.runId, node.name, value));
  const catalog = run.options.stores.catalog;
  if (tag && catalog) {
    const { info } = encoded;
    run.track(
      catalog.recordDataset({
        hash: ref.hash,
        pipeline: completion.pipeline,
        step: node.name,
        runId: run.runId,
        tag,
        kind: ref.kind,
        size: ref.size,
        rows: info?.rows,
        columns: info?.columns,
        createdAt: completion.createdAt,
      }),
      state,
    );
  }
}
