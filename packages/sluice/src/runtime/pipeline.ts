/**
 * The public Pipeline: a named graph of steps with preview() and run(). This file (with index.ts) is
 * the package's front door, the one place at the root that joins core, planner, engine and the stores.
 */
import {
  buildGraph,
  downstreamClosure,
  effectiveParams,
  isPromise,
  LOG_LEVELS,
  maskParams,
  resolveParams,
  SluiceError,
  upstreamClosure,
  embed,
  type AnyStep,
  type Step,
  type PipelineGraph,
  type UseOptions,
} from "../core/index.js";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PROJECT } from "../store/index.js";
import { decodeValue, type ArtifactRef, type EncodedValue } from "../artifacts/index.js";
import { snapshotHash, snapshotOf, snapshotText, versionLabel, type Snapshot } from "./snapshot.js";
import {
  DURABILITY_MODES,
  executeRun,
  formatSummary,
  type Durability,
  type RunResult,
  type Stores,
  type LimitSlot,
} from "../engine/index.js";
import { planRun, type Plan } from "../planner/index.js";
import { withLogEcho } from "./log-echo.js";
import { enqueueRun, runOnWorkers, type PlannedRun } from "./dispatch-run.js";
import type {
  PipelineOptions,
  PipelineOutputs,
  PipelineParams,
  PreviewOptions,
  ResetOptions,
  ResetResult,
  RunOptions,
  Typed,
} from "./pipeline-options.js";
import { Preview, previewSteps } from "./preview.js";
import { deriveDatasetSchemas } from "./dataset-schemas.js";
import { compareWithVersion, registerVersion, type VersionComparison } from "./versions.js";
import { registerRunModels, withRunStores } from "./models.js";
import { contextChanges, readContexts, resolveContext, type ResolvedContext } from "./contexts.js";
import { homeStores } from "./stores.js";

const BRAND = Symbol.for("sluice.pipeline");
const DEFAULT_CONCURRENCY = 8;

function modulePath(module: string): string {
  return module.startsWith("file:") ? fileURLToPath(module) : module;
}

/**
 * A named graph of steps. Made by `pipeline()`, which types `Params` (what a run takes: every step's
 * params, from their zod schemas) and `Outputs` (the final steps' outputs by name).
 */
export class Pipeline<Params = Record<string, unknown>, Outputs = Record<string, unknown>> {
  readonly kind = "pipeline" as const;
  #graph?: PipelineGraph;
  #snapshot?: Snapshot;
  #snapshotHash?: string;
  /** Steps of embedded sub-pipelines (use()). */
  #embedded: AnyStep[] = [];

  constructor(
    readonly name: string,
    readonly options: PipelineOptions,
  ) {
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The checked dependency graph; throws a SluiceError (cycle, missing input, ...) if it is invalid. */
  graph(): PipelineGraph {
    this.#graph ??= buildGraph(
      this.name,
      this.#embedded.length === 0 ? this.options.steps : [...this.options.steps, ...this.#embedded],
    );
    return this.#graph;
  }

  /**
   * Embeds another pipeline's steps in this one, named `child.step` (see sub-pipeline.ts): `inputs`
   * fills the child's open inputs from this pipeline's steps, `outputs` names child outputs for this
   * pipeline's steps to read by name. Returns this pipeline.
   * @example training.use(prep, { inputs: { raw: load }, outputs: { clean: "cleaned" } })
   */
  use<ChildParams>(
    child: Pipeline<ChildParams, unknown>,
    options: UseOptions = {},
  ): Pipeline<Params & ChildParams, Outputs> {
    if ((child as unknown) === this)
      throw new SluiceError("invalid-pipeline", `pipeline "${this.name}" cannot use itself.`);
    // The child's own steps and those it embeds itself: sub-pipelines nest.
    const steps = [...child.options.steps, ...(child as Pipeline).#embedded];
    this.#embedded.push(...embed({ name: child.name, options: { steps } }, options));
    this.#graph = undefined;
    this.#snapshot = undefined;
    this.#snapshotHash = undefined;
    return this as unknown as Pipeline<Params & ChildParams, Outputs>;
  }

  /** The frozen snapshot of this definition (graph, code fingerprints, parameter schemas, version) and its hash. */
  freeze(): Snapshot {
    this.#snapshot ??= snapshotOf(this.graph(), this.options.version);
    return this.#snapshot;
  }

  /** The limits a run waits for before it starts: the caller's (a workspace's cap) and this flow's maxConcurrentRuns. */
  private runLimits(
    project: string = DEFAULT_PROJECT,
    given: readonly LimitSlot[] = [],
  ): LimitSlot[] {
    const limits = [...given];
    const max = this.options.maxConcurrentRuns;
    if (max !== undefined) {
      limits.push({
        key: `flow:${project}/${this.name}`,
        limit: max,
        label: `runs of flow "${this.name}"`,
      });
    }
    return limits;
  }

  /** What `run()` with the same options would do, and why, for every step. */
  async preview(requested: Typed<PreviewOptions, Params> = {}): Promise<Preview> {
    const { options, context } = await this.withContext(requested);
    const { plan, graph, stores } = await this.plan(options, false);
    return new Preview(
      this.name,
      await previewSteps(graph, plan, stores),
      context && contextChanges(graph, context),
    );
  }

  /** The options with the context's params under the given ones, and the context resolved. */
  private async withContext<
    O extends Typed<PreviewOptions, Params> & { source?: { file: string } },
  >(options: O): Promise<{ options: O; context?: ResolvedContext }> {
    if (options.context === undefined) return { options };
    const from =
      options.contextsFrom ??
      (options.source ? dirname(options.source.file) : undefined) ??
      process.cwd();
    const context = resolveContext(await readContexts(from), options.context, this.graph());
    const params = { ...context.params, ...((options.params ?? {}) as object) } as Params;
    return { options: { ...options, params }, context };
  }

  /** Runs what the plan says: upstream first, independent steps in parallel. Never throws for a failed step. */
  async run(requested: Typed<RunOptions, Params> = {}): Promise<RunResult<Outputs>> {
    const { options } = await this.withContext(requested);
    const concurrency = options.concurrency ?? this.options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new SluiceError(
        "invalid-usage",
        `concurrency must be a whole number of at least 1, got ${String(concurrency)}.`,
      );
    }
    const durability = options.durability ?? this.options.durability;
    checkDurability(durability, "durability");
    const logLevel = options.logLevel ?? "silent";
    if (logLevel !== "silent" && !LOG_LEVELS.includes(logLevel)) {
      throw new SluiceError(
        "invalid-usage",
        `logLevel must be one of silent, ${LOG_LEVELS.join(", ")}; got ${JSON.stringify(logLevel)}.`,
      );
    }
    const { graph, plan, paramsByNode, stores } = await this.plan(options);
    await this.registerVersion(stores, options);
    const given = (options.params ?? {}) as Record<string, unknown>;
    if (stores.dispatcher) {
      const planned = { graph, plan, paramsByNode, stores, ...this.dispatchedAs(options) };
      return (await runOnWorkers(planned, stores.dispatcher, {
        ...options,
        params: given,
        onEvent: withLogEcho(options.onEvent, logLevel),
      })) as RunResult<Outputs>;
    }
    const secretValues = [...graph.secretParams]
      .map((name) => given[name])
      .filter((value) => value !== undefined && value !== null)
      .map(String);
    const project = options.project ?? DEFAULT_PROJECT;
    const result = await withRunStores(stores, project, () =>
      executeRun({
        graph,
        plan,
        paramsByNode,
        params: maskParams(given, graph.secretParams),
        effectiveParams: maskParams(effectiveParams(paramsByNode), graph.secretParams),
        secretValues,
        targets: options.targets,
        stores,
        executor: options.executor,
        concurrency,
        durability,
        signal: options.signal,
        onEvent: withLogEcho(options.onEvent, logLevel),
        runId: options.runId,
        resume: options.resume,
        adopt: options.adopt,
        source:
          options.source ??
          (this.options.module === undefined
            ? undefined
            : { file: modulePath(this.options.module) }),
        project: options.project,
        flow: options.flow ?? this.definitionRef(),
        ...(options.context === undefined ? {} : { context: options.context }),
        trigger: options.trigger,
        loadOutputs: options.loadOutputs,
        runLimits: this.runLimits(options.project, options.runLimits),
        childRuns: options.childRuns,
      }),
    );
    // The run is recorded whatever happens here: a model that cannot be registered (a given version
    // taken by another artifact) is said, and the run's result stands.
    await registerRunModels(stores, result, {
      project,
      flow: options.flow ?? this.definitionRef(),
      params: maskParams(effectiveParams(paramsByNode), graph.secretParams),
    }).catch((error: unknown) =>
      process.emitWarning(
        `run ${result.runId}: its model was not registered: ${(error as Error).message}`,
        "SluiceModelRegistry",
      ),
    );
    if (options.summary)
      process.stdout.write(
        `${formatSummary(result.summary(), result.status, result.durationMs)}\n`,
      );
    return result as RunResult<Outputs>;
  }

  /**
   * Dispatches a run to the workers of its stack (one whose config says `executor: "workers"`) and
   * returns its id without waiting; follow it with `sluice logs`, the server or `run()`'s records.
   */
  async enqueue(requested: Typed<RunOptions, Params> = {}): Promise<string> {
    const { options } = await this.withContext(requested);
    const { graph, plan, paramsByNode, stores } = await this.plan(options);
    await this.registerVersion(stores, options);
    if (!stores.dispatcher)
      throw new SluiceError(
        "invalid-usage",
        `pipeline "${this.name}": this stack has no workers to enqueue runs for. Name a stack with "executor": "workers", or use run().`,
      );
    const planned = { graph, plan, paramsByNode, stores, ...this.dispatchedAs(options) };
    return enqueueRun(planned, stores.dispatcher, {
      ...options,
      params: (options.params ?? {}) as Record<string, unknown>,
    });
  }

  /** The flow and source a dispatched run records: workers load the flow of this name and snapshot. */
  private dispatchedAs(
    options: Pick<RunOptions, "source" | "flow" | "project" | "runLimits">,
  ): Pick<PlannedRun, "flow" | "source" | "limits"> {
    const source =
      options.source ??
      (this.options.module === undefined ? undefined : { file: modulePath(this.options.module) });
    return {
      flow: { name: this.name, ...(options.flow ?? this.definitionRef()) },
      ...(source ? { source } : {}),
      limits: this.runLimits(options.project, options.runLimits),
    };
  }

  /**
   * Invalidates `step` and everything downstream of it for these params, so that the next run
   * recomputes them (reason `reset`). Outputs stay stored for lineage until `sluice gc`.
   */
  async reset(
    step: string | AnyStep,
    options: Typed<ResetOptions, Params> = {},
  ): Promise<ResetResult> {
    const name = typeof step === "string" ? step : step.name;
    const downstream = downstreamClosure(this.graph(), [name]);
    const steps = downstream.map((node) => node.name);
    // The outputs a run with these params would reuse: by cache key where the plan knows it, else
    // every output of that step instance (its key depends on upstream work still to run).
    const { plan, stores } = await this.plan({ ...options, targets: steps });
    const cacheKeys: string[] = [];
    const instances: Array<{ step: string; identity: string }> = [];
    for (const node of downstream) {
      const planned = plan.byName.get(node.name)!;
      if (planned.status === "complete") cacheKeys.push(planned.cacheKey!);
      else if (planned.cacheKey === undefined)
        instances.push({ step: node.name, identity: planned.identity });
    }
    if (options.dryRun) return { steps, invalidated: cacheKeys.length, dryRun: true };
    const invalidated = stores.completions.invalidateCompletions(this.name, {
      cacheKeys,
      instances,
    });
    return {
      steps,
      invalidated: isPromise(invalidated) ? await invalidated : invalidated,
      dryRun: false,
    };
  }

  /**
   * Runs the pipeline once per named parameter set (d6tflow's WorkflowMulti), one after another;
   * steps whose identity is the same in several sets run once and are reused by the others.
   */
  async runMany(
    sets: Record<string, Params>,
    options: Omit<RunOptions, "params" | "runId" | "resume"> = {},
  ): Promise<Record<string, RunResult<Outputs>>> {
    this.checkParamSets(sets as Record<string, Record<string, unknown>>);
    const results: Record<string, RunResult<Outputs>> = {};
    for (const [name, params] of Object.entries(sets))
      results[name] = await this.run({ ...options, params });
    return results;
  }

  /**
   * The stored output of `step` for these params, as a run would reuse it (d6tflow's `outputLoad`);
   * a not-found error saying why when the step would run instead (never run, changed code or params...).
   */
  async output<T>(step: Step<T, unknown>, options?: Typed<PreviewOptions, Params>): Promise<T>;
  async output(step: string, options?: Typed<PreviewOptions, Params>): Promise<unknown>;
  async output(
    step: string | AnyStep,
    options: Typed<PreviewOptions, Params> = {},
  ): Promise<unknown> {
    const name = typeof step === "string" ? step : step.name;
    const { encoded } = await this.storedOutput(name, options);
    return decodeValue(encoded, this.graph().byName.get(name)!.def.serializer);
  }

  /** The stored form of `step`'s output for these params (JSON text, Arrow IPC or bytes), as `output()` finds it. */
  async storedOutput(
    step: string | AnyStep,
    options: Typed<PreviewOptions, Params> = {},
  ): Promise<{ ref: ArtifactRef; encoded: EncodedValue }> {
    const name = typeof step === "string" ? step : step.name;
    const { plan, stores } = await this.plan({ ...options, targets: [name] }, false);
    const planned = plan.byName.get(name)!;
    if (planned.status !== "complete" || planned.completion === undefined) {
      const given = Object.entries(options.params ?? {})
        .map(([key, value]) => ` --param ${key}=${JSON.stringify(value)}`)
        .join("");
      throw new SluiceError(
        "not-found",
        `Step "${name}" of pipeline "${this.name}" has no output to load for these params: it would run (${planned.reason}). Run it first: sluice run FILE --target ${name}${given}`,
        {
          step: name,
          details: { reason: planned.reason },
        },
      );
    }
    const ref = planned.completion.output;
    const encoded = await stores.artifacts.get(ref);
    if (!encoded)
      throw new SluiceError(
        "not-found",
        `The stored output of step "${name}" (artifact ${ref.hash.slice(0, 12)}) is missing or corrupted. Run the step again.`,
        { step: name },
      );
    return { ref, encoded };
  }

  /** Checks every named parameter set before anything runs (d6tflow's WorkflowMulti); the error names the set. */
  checkParamSets(sets: Record<string, Record<string, unknown>>): void {
    const graph = this.graph();
    for (const [name, params] of Object.entries(sets)) {
      try {
        resolveParams(graph, params);
      } catch (error) {
        if (!SluiceError.is(error)) throw error;
        throw new SluiceError(error.code, `Parameter set "${name}": ${error.message}`, {
          step: error.step,
          details: { ...error.details, set: name },
          cause: error,
        });
      }
    }
  }

  /** Runs again with the params of run `runId`, rerunning `fromStep` (or every step) and what is downstream of it. */
  async rerun(
    runId: string,
    options: Omit<RunOptions, "params" | "runId" | "resume"> & { fromStep?: string | AnyStep } = {},
  ): Promise<RunResult<Outputs>> {
    return this.run((await this.rerunOptions(runId, options)) as Typed<RunOptions, Params>);
  }

  /** The options `rerun()` runs with: run `runId`'s params and targets, forcing `fromStep` and its downstream (or all). */
  async rerunOptions(
    runId: string,
    options: Omit<RunOptions, "params" | "runId" | "resume"> & { fromStep?: string | AnyStep } = {},
  ): Promise<RunOptions> {
    const stores = options.stores ?? (await homeStores(options.home));
    const found = await stores.runs.getRun(runId);
    if (!found)
      throw new SluiceError("not-found", `No run ${runId} to rerun. List runs with: sluice runs`);
    if (found.run.pipeline !== this.name) {
      throw new SluiceError(
        "invalid-usage",
        `Run ${runId} belongs to pipeline "${found.run.pipeline}", not "${this.name}".`,
      );
    }
    const { fromStep, ...rest } = options;
    const from =
      fromStep === undefined ? undefined : typeof fromStep === "string" ? fromStep : fromStep.name;
    const force =
      from === undefined
        ? undefined
        : downstreamClosure(this.graph(), [from]).map((node) => node.name);
    return {
      ...rest,
      stores,
      params: found.run.params,
      targets: found.run.targets,
      force,
      forceAll: from === undefined,
    };
  }

  /** Every run registers the definition it runs, with its snapshot (once per process and store). */
  private registerVersion(
    stores: Stores,
    options: Pick<RunOptions, "project" | "flow">,
  ): Promise<void> {
    return registerVersion(
      stores,
      options.project ?? DEFAULT_PROJECT,
      this.name,
      () => snapshotText(this.graph(), this.options.version, this.definitionRef().hash),
      options.flow ?? this.definitionRef(),
    );
  }

  /**
   * Compares this definition with the one recorded for `version` (a version label, or a hash prefix):
   * steps added, removed and changed (code, deps, params), and the metrics of the latest run of each,
   * side by side. flowyml's `pipeline.compare_with("v0.9.0")`.
   */
  async compareWith(
    version: string,
    options: { stores?: Stores; home?: string; project?: string } = {},
  ): Promise<VersionComparison> {
    const stores = options.stores ?? (await homeStores(options.home, { recover: false }));
    return compareWithVersion(
      stores,
      options.project ?? DEFAULT_PROJECT,
      this.freeze(),
      this.definitionRef(),
      version,
    );
  }

  /** What a run records of the definition it ran: the version label (else the hash's start) and the snapshot hash. */
  private definitionRef(): { version: string; hash: string } {
    const hash = (this.#snapshotHash ??=
      this.#snapshot?.hash ?? snapshotHash(this.graph(), this.options.version));
    return { version: versionLabel(this.options.version, hash), hash };
  }

  private async plan(
    options: Typed<PreviewOptions, unknown>,
    recover = true,
  ): Promise<{
    graph: PipelineGraph;
    plan: Plan;
    paramsByNode: Array<Record<string, unknown>>;
    stores: Stores;
  }> {
    const graph = this.graph();
    const nodes =
      options.targets && options.targets.length > 0
        ? upstreamClosure(graph, options.targets)
        : graph.nodes;
    const paramsByNode = resolveParams(
      graph,
      (options.params ?? {}) as Record<string, unknown>,
      nodes,
    );
    const stores = options.stores ?? (await homeStores(options.home, { recover }));
    const planOptions = {
      ...options,
      checkDependencies: options.checkDependencies ?? this.options.checkDependencies,
    };
    const planned = await planRun(
      graph,
      nodes,
      paramsByNode,
      stores.completions,
      planOptions,
      stores.artifacts,
    );
    const plan = await deriveDatasetSchemas(graph, planned, stores);
    return { graph, plan, paramsByNode, stores };
  }
}

/**
 * Freezes a pipeline: an immutable snapshot of its graph, step code fingerprints, parameter schemas and
 * version, with a SHA-256 over its canonical form (`snapshot.hash`) and `snapshot.verify()`.
 * @example const before = freeze(training); ...; compare(before, freeze(training)).changed
 */
export function freeze(pipeline: Pipeline): Snapshot {
  return pipeline.freeze();
}

/**
 * Declares a pipeline from the steps to run; what they depend on is found automatically.
 * @example export default pipeline("example", { steps: [stats], concurrency: 4 });
 */
export function pipeline<const Steps extends readonly AnyStep[]>(
  name: string,
  options: PipelineOptions & { steps: Steps },
): Pipeline<PipelineParams<Steps>, PipelineOutputs<Steps>> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new SluiceError(
      "invalid-pipeline",
      `A pipeline needs a name: pipeline("training", { steps: [...] }).`,
    );
  }
  if (!options || !Array.isArray(options.steps) || options.steps.length === 0) {
    throw new SluiceError(
      "invalid-pipeline",
      `pipeline "${name}": \`steps\` must list at least one step: pipeline("${name}", { steps: [train] }).`,
    );
  }
  options.steps.forEach((candidate, index) => {
    if (
      typeof candidate !== "object" ||
      candidate === null ||
      (candidate as { kind?: unknown }).kind !== "step"
    ) {
      throw new SluiceError(
        "invalid-pipeline",
        `pipeline "${name}": steps[${index}] is not a step. List values made by step().`,
      );
    }
  });
  checkCount(options.concurrency, `pipeline "${name}": concurrency`);
  checkDurability(options.durability, `pipeline "${name}": durability`, "invalid-pipeline");
  checkCount(options.maxConcurrentRuns, `pipeline "${name}": maxConcurrentRuns`);
  return new Pipeline<PipelineParams<Steps>, PipelineOutputs<Steps>>(name, options);
}

/** A count option (concurrency, maxConcurrentRuns), if given: a whole number of at least 1. */
function checkCount(value: number | undefined, what: string): void {
  if (value === undefined || (Number.isInteger(value) && value >= 1)) return;
  throw new SluiceError(
    "invalid-pipeline",
    `${what} must be a whole number of at least 1, got ${String(value)}.`,
  );
}

function checkDurability(
  value: unknown,
  what: string,
  code: "invalid-usage" | "invalid-pipeline" = "invalid-usage",
): void {
  if (value === undefined || DURABILITY_MODES.includes(value as Durability)) return;
  throw new SluiceError(
    code,
    `${what} must be ${DURABILITY_MODES.map((mode) => JSON.stringify(mode)).join(" or ")}, got ${JSON.stringify(value)}.`,
  );
}

/** True for values made by `pipeline()`, also from another copy of the package. */
export function isPipeline(value: unknown): value is Pipeline {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}
