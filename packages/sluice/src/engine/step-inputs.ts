import { SluiceError, isPromise, type MaybePromise, type ResolvedInput } from "../core/index.js";
import { decodeValue, type ArtifactStore } from "../artifacts/index.js";
import { inputHashOf } from "../planner/index.js";
import type { CompletionStore } from "../store/index.js";
import type { StepState } from "./step-state.js";

/** What reading a stored output back needs. */
export interface OutputLoader {
  runId: string;
  artifacts: ArtifactStore;
  completions: CompletionStore;
}

/** An `optional(...)` input whose step was skipped: the consumer gets `undefined` for it. */
export function isAbsent(input: ResolvedInput, upstream: StepState): boolean {
  return input.optional === true && upstream.status === "skipped";
}

/** What a consumer's cache key holds for an absent optional input. */
export const ABSENT_INPUT_HASH = "absent";

/** Content hashes of the step's inputs (upstream outputs, declared files): what its cache key covers. */
export function inputHashesOf(
  state: StepState,
  states: ReadonlyArray<StepState | undefined>,
): Record<string, string> {
  const hashes: Record<string, string> = state.planned.fileHashes
    ? { ...state.planned.fileHashes }
    : {};
  for (const input of state.node.inputs) {
    const upstream = states[input.from]!;
    hashes[input.name] = isAbsent(input, upstream)
      ? ABSENT_INPUT_HASH
      : inputHashOf({ output: upstream.ref!, fieldHashes: upstream.fieldHashes }, input.field);
  }
  return hashes;
}

/** For a completion: the completion each input came from, by input name (lineage by step instance). */
export function inputKeysOf(
  state: StepState,
  states: ReadonlyArray<StepState | undefined>,
): { inputKeys?: Record<string, string> } {
  let keys: Record<string, string> | undefined;
  for (const input of state.node.inputs) {
    const key = states[input.from]!.completionKey;
    if (key !== undefined && !isAbsent(input, states[input.from]!)) (keys ??= {})[input.name] = key;
  }
  return keys === undefined ? {} : { inputKeys: keys };
}

/** A step's inputs by name, and its params; waits only when some input must be read from the artifact store. */
export function argsOf(
  state: StepState,
  states: ReadonlyArray<StepState | undefined>,
  params: Record<string, unknown>,
  loader: OutputLoader,
): MaybePromise<Record<string, unknown>> {
  for (const input of state.node.inputs) {
    const upstream = states[input.from]!;
    if (!upstream.hasValue && !isAbsent(input, upstream))
      return loadThenArgs(state, states, params, loader);
  }
  return buildArgs(state, states, params, loader.runId);
}

async function loadThenArgs(
  state: StepState,
  states: ReadonlyArray<StepState | undefined>,
  params: Record<string, unknown>,
  loader: OutputLoader,
): Promise<Record<string, unknown>> {
  for (const input of state.node.inputs)
    if (!isAbsent(input, states[input.from]!)) await valueOf(states[input.from]!, loader);
  return buildArgs(state, states, params, loader.runId);
}

function buildArgs(
  state: StepState,
  states: ReadonlyArray<StepState | undefined>,
  params: Record<string, unknown>,
  runId: string,
): Record<string, unknown> {
  const args: Record<string, unknown> = { params };
  for (const input of state.node.inputs) {
    const upstream = states[input.from]!;
    if (isAbsent(input, upstream)) {
      args[input.name] = undefined;
      continue;
    }
    const value = upstream.value;
    if (input.field === undefined) {
      args[input.name] = value;
      continue;
    }
    if (typeof value !== "object" || value === null || !(input.field in value)) {
      throw new SluiceError(
        "output-invalid",
        `step "${state.node.name}": input "${input.name}" reads field "${input.field}" of step "${upstream.node.name}", whose output has no such field. Return an object with "${input.field}" from "${upstream.node.name}", or wire the whole output.`,
        {
          step: state.node.name,
          runId,
          retryable: false,
          details: { input: input.name, from: upstream.node.name, field: input.field },
        },
      );
    }
    args[input.name] = (value as Record<string, unknown>)[input.field];
  }
  return args;
}

/**
 * The outputs a run's result holds: every succeeded step's (`all`), or only those computed in this run
 * (`ran`). A step whose output cannot be read is set failed, with no output, and listed with the error.
 */
export async function readOutputs(
  states: readonly StepState[],
  loader: OutputLoader,
  which: "all" | "ran",
) {
  const outputs: Record<string, unknown> = {};
  const texts = new Map<string, string>();
  const unreadable: Array<{ state: StepState; error: unknown }> = [];
  for (const state of states) {
    if (state.status !== "succeeded" || state.ref === undefined) continue;
    if (!state.hasValue && which === "ran") continue;
    try {
      const value = valueOf(state, loader);
      outputs[state.node.name] = isPromise(value) ? await value : value;
    } catch (error) {
      state.status = "failed";
      state.ref = undefined;
      unreadable.push({ state, error });
      continue;
    }
    if (state.text !== undefined) texts.set(state.node.name, state.text);
  }
  return { outputs, texts, unreadable };
}

/** The output value of a succeeded step, read from the artifact store the first time it is needed. */
export function valueOf(state: StepState, loader: OutputLoader): MaybePromise<unknown> {
  if (state.hasValue) return state.value;
  state.loading ??= (async () => {
    const encoded = await loader.artifacts.get(state.ref!);
    if (!encoded) {
      // Missing or failing its hash check: never served. Forget the completion so the next run recomputes it.
      if (state.cacheKey !== undefined)
        await loader.completions.deleteCompletions([state.cacheKey]);
      throw new SluiceError(
        "not-found",
        `The stored output of step "${state.node.name}" (artifact ${state.ref!.hash.slice(0, 12)}) is missing or corrupted, so it was not used. Run again: "${state.node.name}" will be recomputed.`,
        { step: state.node.name, runId: loader.runId, retryable: false },
      );
    }
    state.value = await decodeValue(encoded, state.node.def.serializer);
    if (encoded.kind === "json") state.text = encoded.text;
    state.hasValue = true;
    return state.value;
  })();
  return state.loading;
}
