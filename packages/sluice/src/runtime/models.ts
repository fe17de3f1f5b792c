/**
 * The model registry in a run: outputs tagged `model()` are registered when their run succeeds (name,
 * version, run, params, metrics, snapshot, inputs), and `registeredModel(name, { stage })` is a step
 * whose output is the model at that stage, so a pipeline can score with the production model and a
 * new promotion reaches it like new data (its consumers run again).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SluiceError, step, type Step } from "../core/index.js";
import { decodeValue, modelOptionsOf, tagOf } from "../artifacts/index.js";
import type { RunResult, Stores } from "../engine/index.js";
import {
  MODEL_STAGES,
  type ModelRecord,
  type ModelRegistry,
  type ModelStage,
} from "../store/index.js";
import { metricsOfRuns } from "./views.js";

/** The stores of the run whose steps are executing now (in this process): what registeredModel reads. */
const runStores = new AsyncLocalStorage<{ stores: Stores; project: string }>();

export function withRunStores<T>(stores: Stores, project: string, work: () => T): T {
  return runStores.run({ stores, project }, work);
}

/** Registers the models a succeeded run made (not those it reused: they were registered when made). */
export async function registerRunModels(
  stores: Stores,
  result: RunResult,
  context: {
    project: string;
    flow: { version: string; hash: string };
    params: Record<string, unknown>;
  },
): Promise<ModelRecord[]> {
  if (!stores.models || result.status !== "succeeded") return [];
  const outputs = result.outputs as Record<string, unknown>;
  const made = Object.values(result.steps).filter(
    (s) => s.status === "succeeded" && !s.cached && s.output && tagOf(outputs[s.name]) === "model",
  );
  if (made.length === 0) return [];
  const metrics = (await metricsOfRuns(stores, [result.runId])).get(result.runId) ?? {};
  const registered: ModelRecord[] = [];
  for (const made_ of made) {
    const options = modelOptionsOf(outputs[made_.name]);
    const completion = made_.cacheKey
      ? await stores.completions.findCompletion(made_.cacheKey)
      : undefined;
    registered.push(
      await stores.models.registerModel({
        project: context.project,
        name: options.name ?? made_.name,
        ...(options.version === undefined ? {} : { version: options.version }),
        runId: result.runId,
        pipeline: result.pipeline,
        step: made_.name,
        artifact: made_.output!,
        params: context.params,
        metrics,
        flow: context.flow,
        inputs: { ...(completion?.inputHashes ?? {}) },
        createdAt: Date.now(),
      }),
    );
  }
  return registered;
}

/** `NAME`, `NAME@STAGE` or `NAME@VERSION`, as the CLI and the API name a model. */
export function parseModelRef(ref: string): {
  name: string;
  which: { version: string } | { stage: ModelStage };
} {
  const at = ref.lastIndexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const after = at < 0 ? "production" : ref.slice(at + 1);
  return {
    name,
    which: (MODEL_STAGES as readonly string[]).includes(after)
      ? { stage: after as ModelStage }
      : { version: after },
  };
}

/** The model a reference names, or not-found naming what there is. */
export async function findModelOrFail(
  registry: ModelRegistry,
  project: string,
  name: string,
  which: { version: string } | { stage: ModelStage },
): Promise<ModelRecord> {
  const found = await registry.findModel(project, name, which);
  if (found) return found;
  const versions = (await registry.listModels(project)).filter((m) => m.name === name);
  if (versions.length === 0) {
    const names = [...new Set((await registry.listModels(project)).map((m) => m.name))];
    throw new SluiceError(
      "not-found",
      `No model "${name}" in project "${project}". ${names.length > 0 ? `Models: ${names.join(", ")}.` : "None is registered yet: a step's output tagged model() is registered when its run succeeds."}`,
      { details: { model: name } },
    );
  }
  const known = versions.map((m) => `${m.version}${m.stage ? ` (${m.stage})` : ""}`).join(", ");
  throw new SluiceError(
    "not-found",
    "version" in which
      ? `Model "${name}" has no version "${which.version}". Its versions: ${known}.`
      : `No version of model "${name}" is in ${which.stage}. Promote one: sluice models promote ${name} VERSION --stage ${which.stage}. Its versions: ${known}.`,
    { details: { model: name, ...which } },
  );
}

/**
 * A step whose output is a registered model: the version at `stage` (production by default), or a
 * given `version`. It reads the registry every run (it is never served from the cache), and its
 * output is the model's stored value, so its consumers run again only when another version is there.
 * A model stored through a serializer comes back in its stored form unless `load` turns it back.
 * @example const scored = step("score", { inputs: { model: registeredModel("iris") }, run: ... });
 */
export function registeredModel<T = unknown>(
  name: string,
  options: {
    stage?: ModelStage;
    version?: string;
    /** The step's name. @defaultValue `${name}.${stage}` (or `${name}.v${version}`) */
    as?: string;
    /** Turns the stored form back into the model object (the decode of the serializer that stored it). */
    load?: (stored: unknown) => T;
  } = {},
): Step<T> {
  const which: { version: string } | { stage: ModelStage } =
    options.version !== undefined
      ? { version: options.version }
      : { stage: options.stage ?? "production" };
  const stepName =
    options.as ?? `${name}.${"version" in which ? `v${which.version}` : which.stage}`;
  // A loaded model object is stored as the registry holds it, so this step's output is the model's
  // own artifact (same bytes, same hash) and not an instance sluice cannot store.
  const storedForms = new WeakMap<object, unknown>();
  const { load } = options;
  return step(stepName, {
    cache: false,
    ...(load
      ? {
          serializer: {
            encode: (value: unknown) =>
              (typeof value === "object" && value !== null && storedForms.get(value)) ?? value,
            decode: (stored: unknown) => load(stored) as Awaited<T>,
          },
        }
      : {}),
    version: JSON.stringify({ registeredModel: name, ...which }),
    description: `the registered model ${name} (${"version" in which ? `version ${which.version}` : which.stage})`,
    run: async () => {
      const active = runStores.getStore();
      if (!active?.stores.models)
        throw new SluiceError(
          "step-failed",
          `registeredModel("${name}"): this run has no model registry (a run in another thread, or on workers, cannot read it).`,
          { retryable: false },
        );
      const found = await findModelOrFail(active.stores.models, active.project, name, which);
      const encoded = await active.stores.artifacts.get(found.artifact as never);
      if (!encoded)
        throw new SluiceError(
          "not-found",
          `Model "${name}" version ${found.version}: its artifact ${found.artifact.hash.slice(0, 12)} is missing or damaged. Run ${found.pipeline} again to remake it.`,
        );
      const stored = await decodeValue(encoded);
      if (!load) return stored as T;
      const value = load(stored);
      if (typeof value === "object" && value !== null) storedForms.set(value, stored);
      return value;
    },
  }) as unknown as Step<T>;
}
