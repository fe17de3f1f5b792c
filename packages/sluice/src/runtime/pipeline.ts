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
  skipConditions,
  SluiceError,
  upstreamClosure,
  type AnyStep,
  type LogLevel,
  type ParamsOf,
  type Step,
  type PipelineGraph,
  type PlanStatus,
  type Reason,
} from "../core/index.js";
import { fileURLToPath } from "node:url";
import {
  decodeValue,
  MemoryArtifactStore,
  type ArtifactRef,
  type EncodedValue,
} from "../artifacts/index.js";
import { snapshotHash, snapshotOf, versionLabel, type Snapshot } from "./snapshot.js";
import {
  executeRun,
  formatSummary,
  recoverCrashedRuns,
  type RunResult,
  type SluiceEventListener,
  type Stores,
} from "../engine/index.js";
import type { Executor } from "../executors/index.js";
import { formatTree, planRun, type Plan, type PlanOptions } from "../planner/index.js";
import { openHome, resolveHomePath } from "./home.js";
import { embed, type UseOptions } from "../core/index.js";
import { MemoryStore } from "../store/index.js";

const BRAND = Symbol.for("sluice.pipeline");
const DEFAULT_CONCURRENCY = 8;

export interface PipelineOptions {
  /** The steps to run; the steps they depend on are found automatically. */
  steps: readonly AnyStep[];
  /** How many step bodies may run at once. @defaultValue 8 */
  concurrency?: number;
  /** A version label, recorded with runs. */
  version?: string;
  description?: string;
  /** false: a step is complete when its own output exists, whatever its upstream (d6tflow's check_dependencies). @defaultValue true */
  checkDependencies?: boolean;
  /**
   * The module that defines this pipeline (`import.meta.url`): where `isolate: "thread"` steps are
   * imported again, and what `sluice resume` loads. @defaultValue the file given to sluice run
   */
  module?: string;
}

export interface ResetOptions {
  params?: Record<string, unknown>;
  stores?: Stores;
  home?: string;
  /** Only say what would be invalidated (`invalidated` then counts the outputs that would be). */
  dryRun?: boolean;
}

export interface ResetResult {
  /** The step and everything downstream of it, in execution order. */
  steps: string[];
  /** How many stored completions were invalidated (0 on a dry run). */
  invalidated: number;
  dryRun: boolean;
}

export interface PreviewOptions extends PlanOptions {
  /** Parameters by name, validated by the steps' zod schemas. */
  params?: Record<string, unknown>;
  /** Where runs and outputs are recorded. @defaultValue the home's embedded store (see `home`) */
  stores?: Stores;
  /** The sluice home folder, when `stores` is not given. @defaultValue SLUICE_HOME, else .sluice in the workspace root */
  home?: string;
}

export interface RunOptions extends PreviewOptions {
  concurrency?: number;
  /** Abort it to cancel the run: running steps get it through `ctx.signal`; the run ends `cancelled`. */
  signal?: AbortSignal;
  /** Receives every event of the run (see SluiceEventMap). */
  onEvent?: SluiceEventListener;
  /** Echo steps' logs at this level and above to stderr. @defaultValue "silent" */
  logLevel?: LogLevel | "silent";
  /** Print the execution summary to stdout when the run ends. @defaultValue false */
  summary?: boolean;
  /** Where step bodies run. @defaultValue in-process */
  executor?: Executor;
  runId?: string;
  /** With `runId`: continue that run, reusing its finished steps, instead of starting a new one. */
  resume?: boolean;
  /** With `runId`: start that queued run, which this process created under `claim` (see `queueTrigger`). */
  adopt?: { claim: string };
  /** Recorded with the run so the CLI can resume it: the module file and export the pipeline came from. */
  source?: { file: string; exportName?: string };
  /** The project the run is recorded in. @defaultValue DEFAULT_PROJECT ("default") */
  project?: string;
  /** The registered flow version this run was triggered from (set by the server). */
  flow?: { version: string; hash: string };
  /** "ran": `outputs` holds only values computed in this run, not those of complete steps read back. @defaultValue "all" */
  loadOutputs?: "all" | "ran";
}

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;
/**
 * What a run of these steps takes: every param of theirs and their upstream steps', typed by its zod
 * schema (none at all when no step declares one).
 */
export type PipelineParams<Steps extends readonly AnyStep[]> = FlatParams<
  UnionToIntersection<ParamsOf<Steps[number]>>
>;
type FlatParams<P> = keyof P extends never ? { [name: string]: never } : { [K in keyof P]: P[K] };
/** The final steps' outputs by step name (steps whose name is a string literal). */
export type PipelineOutputs<Steps extends readonly AnyStep[]> = {
  [
    S in Steps[number] as S extends Step<unknown, unknown, infer Name>
      ? string extends Name
        ? never
        : Name
      : never
  ]: S extends Step<infer Out, unknown> ? Out : never;
};

/** Options whose `params` are typed by the pipeline (see pipeline()). */
export type Typed<Options, Params> = Omit<Options, "params"> & { params?: Params };

export interface PreviewStep {
  name: string;
  status: PlanStatus;
  reason: Reason;
  /** Steps this one depends on. */
  deps: string[];
  /** The params this step declares, as the run would see them. */
  params: Record<string, unknown>;
  /** The conditional steps (`when`) whose skip skips this one too (itself included); absent when none. */
  conditions?: string[];
  /** With reason `items-failed`: how many items of the map's last output failed (the run retries just those). */
  itemsFailed?: number;
}

/**
 * What preview shows of a dynamic step's expansion: once it has run, the steps it expanded to
 * (complete); before, one `dynamic` placeholder, since they are only known at run time.
 */
async function expansionRows(
  step: string,
  output: ArtifactRef | undefined,
  stores: Stores,
): Promise<PreviewStep[]> {
  const encoded = output === undefined ? undefined : await stores.artifacts.get(output);
  const value =
    encoded === undefined ? undefined : ((await decodeValue(encoded)) as { expanded?: unknown });
  if (!Array.isArray(value?.expanded))
    return [
      { name: `${step}/*`, status: "dynamic", reason: "missing-output", deps: [step], params: {} },
    ];
  return (value.expanded as string[]).map((child) => ({
    name: `${step}/${child}`,
    status: "complete" as const,
    reason: "complete" as const,
    deps: [step],
    params: {},
  }));
}

function modulePath(module: string): string {
  return module.startsWith("file:") ? fileURLToPath(module) : module;
}

/** How the tree says when a step runs only if conditions hold. */
function conditionNote(step: PreviewStep): string {
  if (!step.conditions) return "";
  const others = step.conditions.filter((name) => name !== step.name);
  const own = others.length < step.conditions.length ? "; runs only if its condition holds" : "";
  return `${own}${others.length > 0 ? `; skipped if ${others.map((n) => `"${n}"`).join(", ")} ${others.length > 1 ? "are" : "is"} skipped` : ""}`;
}

/** What would run and why, without running anything. */
export class Preview {
  constructor(
    readonly pipeline: string,
    readonly steps: PreviewStep[],
  ) {}

  /** The plan as a dependency tree, final steps first, as d6tflow's preview prints it. */
  toTree(): string {
    return formatTree(
      this.steps.map((step) => {
        const params = Object.keys(step.params).length > 0 ? ` ${JSON.stringify(step.params)}` : "";
        const failed =
          step.itemsFailed === undefined
            ? ""
            : `, ${step.itemsFailed} ${step.itemsFailed === 1 ? "item" : "items"} to retry`;
        const label =
          step.status === "complete"
            ? "complete"
            : step.status === "dynamic"
              ? `dynamic: known when "${step.deps[0]}" has run`
              : `pending: ${step.reason}${failed}`;
        return {
          name: step.name,
          deps: step.deps,
          label: `${step.name}${params} (${label}${conditionNote(step)})`,
        };
      }),
    );
  }

  toJSON(): {
    pipeline: string;
    steps: Array<{
      name: string;
      status: PlanStatus;
      reason: Reason;
      deps: string[];
      conditions?: string[];
      itemsFailed?: number;
    }>;
  } {
    return {
      pipeline: this.pipeline,
      steps: this.steps.map(({ name, status, reason, deps, conditions, itemsFailed }) => ({
        name,
        status,
        reason,
        deps,
        ...(conditions ? { conditions } : {}),
        ...(itemsFailed === undefined ? {} : { itemsFailed }),
      })),
    };
  }
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
    this.#embedded.push(...embed(child as Pipeline, options));
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

  /** What `run()` with the same options would do, and why, for every step. */
  async preview(options: Typed<PreviewOptions, Params> = {}): Promise<Preview> {
    const { plan, graph, stores } = await this.plan(options, false);
    const conditions = skipConditions(graph);
    const steps: PreviewStep[] = [];
    for (const step of plan.steps) {
      const shown: PreviewStep = {
        name: step.name,
        status: step.status,
        reason: step.reason,
        deps: [...step.deps],
        params: maskParams(step.params, graph.secretParams),
      };
      const skippedWith = conditions.get(step.index);
      if (skippedWith) shown.conditions = skippedWith;
      if (step.itemsFailed !== undefined) shown.itemsFailed = step.itemsFailed;
      steps.push(shown);
      if (graph.nodes[step.index]!.def.dynamic)
        steps.push(
          ...(await expansionRows(
            step.name,
            step.status === "complete" ? step.completion?.output : undefined,
            stores,
          )),
        );
    }
    return new Preview(this.name, steps);
  }

  /** Runs what the plan says: upstream first, independent steps in parallel. Never throws for a failed step. */
  async run(options: Typed<RunOptions, Params> = {}): Promise<RunResult<Outputs>> {
    const concurrency = options.concurrency ?? this.options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new SluiceError(
        "invalid-usage",
        `concurrency must be a whole number of at least 1, got ${String(concurrency)}.`,
      );
    }
    const logLevel = options.logLevel ?? "silent";
    if (logLevel !== "silent" && !LOG_LEVELS.includes(logLevel)) {
      throw new SluiceError(
        "invalid-usage",
        `logLevel must be one of silent, ${LOG_LEVELS.join(", ")}; got ${JSON.stringify(logLevel)}.`,
      );
    }
    const { graph, plan, paramsByNode, stores } = await this.plan(options);
    const given = (options.params ?? {}) as Record<string, unknown>;
    const secretValues = [...graph.secretParams]
      .map((name) => given[name])
      .filter((value) => value !== undefined && value !== null)
      .map(String);
    const result = await executeRun({
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
      signal: options.signal,
      onEvent: withLogEcho(options.onEvent, logLevel),
      runId: options.runId,
      resume: options.resume,
      adopt: options.adopt,
      source:
        options.source ??
        (this.options.module === undefined ? undefined : { file: modulePath(this.options.module) }),
      project: options.project,
      flow: options.flow ?? this.definitionRef(),
      loadOutputs: options.loadOutputs,
    });
    if (options.summary)
      process.stdout.write(
        `${formatSummary(result.summary(), result.status, result.durationMs)}\n`,
      );
    return result as RunResult<Outputs>;
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
    const plan = await planRun(
      graph,
      nodes,
      paramsByNode,
      stores.completions,
      planOptions,
      stores.artifacts,
    );
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
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  ) {
    throw new SluiceError(
      "invalid-pipeline",
      `pipeline "${name}": concurrency must be a whole number of at least 1, got ${String(options.concurrency)}.`,
    );
  }
  return new Pipeline<PipelineParams<Steps>, PipelineOutputs<Steps>>(name, options);
}

/** True for values made by `pipeline()`, also from another copy of the package. */
export function isPipeline(value: unknown): value is Pipeline {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/** A fresh set of in-memory stores: runs, completions and artifacts live as long as this object. */
export function memoryStores(): Stores {
  const store = new MemoryStore();
  return { runs: store, completions: store, artifacts: new MemoryArtifactStore(), catalog: store };
}

const homes = new Map<string, Promise<Stores>>();
const recovered = new Map<string, Promise<unknown>>();

/**
 * The stores of a sluice home (default: SLUICE_HOME, else .sluice in the workspace root), opened once per process. Unless
 * `recover` is false (read-only commands, which show dead runs as crashed without writing), runs whose
 * owner died are first recorded as crashed.
 */
export async function homeStores(
  home?: string,
  { recover = true }: { recover?: boolean } = {},
): Promise<Stores> {
  const path = resolveHomePath(home);
  let opening = homes.get(path);
  if (!opening) {
    opening = openHome(path, { recover: false }).then((opened) => opened.stores);
    opening.catch(() => homes.delete(path));
    homes.set(path, opening);
  }
  const stores = await opening;
  if (recover) {
    let recovery = recovered.get(path);
    if (!recovery) recovered.set(path, (recovery = recoverCrashedRuns(stores.runs)));
    await recovery;
  }
  return stores;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function withLogEcho(
  listener: SluiceEventListener | undefined,
  level: LogLevel | "silent",
): SluiceEventListener | undefined {
  if (level === "silent") return listener;
  const min = LEVEL_RANK[level];
  return (event) => {
    if (event.type === "step:log" && LEVEL_RANK[event.level] >= min) {
      process.stderr.write(`[${event.step}] ${event.level}: ${event.message}\n`);
    }
    listener?.(event);
  };
}
