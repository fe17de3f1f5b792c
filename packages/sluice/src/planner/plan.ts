import { fileHash } from "./file-hashes.js";
import {
  SluiceError,
  hashParts,
  identityOf,
  isPromise,
  unknownStep,
  type MaybePromise,
  type GraphNode,
  type PipelineGraph,
  type PlanStatus,
  type Reason,
  type DatasetColumn,
} from "../core/index.js";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Completion, CompletionStore, CompletionSummary } from "../store/index.js";

export interface PlanOptions {
  /** Plan only these steps and what they need. */
  targets?: readonly string[];
  /** Rerun these steps (and so, through changed data, possibly their downstream). */
  force?: readonly string[];
  /** Rerun everything. */
  forceAll?: boolean;
  /**
   * false: a step whose output exists for its own code and params is complete whatever its upstream
   * says, and upstream steps only it needs are not run (d6tflow's check_dependencies=False). @defaultValue true
   */
  checkDependencies?: boolean;
}

export interface PlannedStep {
  readonly name: string;
  readonly index: number;
  readonly status: PlanStatus;
  readonly reason: Reason;
  readonly identity: string;
  readonly paramsHash: string;
  /** The params this step declares, as the run will see them. */
  readonly params: Record<string, unknown>;
  readonly deps: readonly string[];
  /** Known when every input's content is known now (all upstream complete). */
  readonly cacheKey?: string;
  readonly inputHashes?: Record<string, string>;
  /** The completion that makes this step complete. */
  readonly completion?: CompletionSummary;
  /** Content hashes of the external files the step declares, by `file:<path>`. */
  readonly fileHashes?: Record<string, string>;
  /** With reason `items-failed`: how many items of the map's stored output failed (they run again). */
  readonly itemsFailed?: number;
}

export interface Plan {
  readonly pipeline: string;
  /** The planned steps in execution (topological) order. */
  readonly steps: readonly PlannedStep[];
  readonly byName: ReadonlyMap<string, PlannedStep>;
  /**
   * The pipeline's completions as the planner read them in one go (large plans only), so the engine's
   * re-check of a key once a step's inputs exist needs no query. A completion another process adds
   * meanwhile is missed, which costs a recomputation, never a wrong reuse.
   */
  readonly completionAt?: (cacheKey: string) => CompletionSummary | undefined;
  /** Each dataset step's output columns, where derived before the run (steps with `deriveColumns`). */
  readonly columns?: ReadonlyMap<string, readonly DatasetColumn[]>;
}

/** The cache key of a step instance: code, params and the content of every input. */
export function cacheKeyOf(
  pipeline: string,
  node: GraphNode,
  paramsHash: string,
  inputHashes: Record<string, string>,
): string {
  const parts = [pipeline, node.name, node.def.fingerprint, paramsHash];
  for (const input of node.inputs)
    parts.push(
      `${input.name}=${inputHashes[input.name]}${input.field === undefined ? "" : `#${input.field}`}`,
    );
  for (const file of node.def.files) parts.push(`file:${file}=${inputHashes[`file:${file}`]}`);
  return hashParts(parts);
}

/**
 * Decides for each step in `nodes` whether it is complete or must run, and why (the README's
 * "Why a step runs"). A step whose upstream will run is pending with `upstream-changed`; the engine
 * checks its key again once its inputs exist and may still reuse an output.
 */
export async function planRun(
  graph: PipelineGraph,
  nodes: readonly GraphNode[],
  paramsByNode: ReadonlyArray<Record<string, unknown>>,
  completions: CompletionStore,
  options: PlanOptions = {},
  artifacts?: ArtifactStore,
): Promise<Plan> {
  const forced = new Set(options.force ?? []);
  for (const name of forced) if (!graph.byName.has(name)) throw unknownStep(graph, name);
  const lookup =
    nodes.length >= PRELOAD_FROM
      ? await preloaded(completions, graph.pipeline)
      : direct(completions);
  const planned = new Array<PlannedStep | undefined>(graph.nodes.length);
  const steps: PlannedStep[] = [];
  for (const node of nodes) {
    const params = paramsByNode[node.index]!;
    const { identity, paramsHash } = identityOf(node.name, params, graph.secretParams);
    let upstreamPending = false;
    for (const dep of node.deps) if (planned[dep]!.status === "pending") upstreamPending = true;
    const fileHashes = node.def.files.length > 0 ? hashFiles(node) : undefined;
    let inputHashes: Record<string, string> | undefined;
    let cacheKey: string | undefined;
    if (!upstreamPending) {
      inputHashes = fileHashes ? { ...fileHashes } : {};
      for (const input of node.inputs)
        inputHashes[input.name] = inputHashOf(planned[input.from]!.completion!, input.field);
      cacheKey = cacheKeyOf(graph.pipeline, node, paramsHash, inputHashes);
    }
    let status: PlanStatus = "pending";
    let reason: Reason;
    let completion: CompletionSummary | undefined;
    let itemsFailed: number | undefined;
    if (options.forceAll || forced.has(node.name) || !node.def.cache) {
      reason = "forced";
    } else {
      if (cacheKey !== undefined) {
        const found = lookup.findCompletion(cacheKey);
        completion = isPromise(found) ? await found : found;
      }
      if (completion?.invalidatedAt !== undefined) {
        reason = completion.paramsHash === paramsHash ? "reset" : "missing-output";
        completion = undefined;
      } else if (completion?.itemsFailed) {
        // A map output with failed items is no cache hit: the run retries those items (the others are reused).
        reason = "items-failed";
        itemsFailed = completion.itemsFailed;
        completion = undefined;
      } else if (completion) {
        status = "complete";
        reason = "complete";
      } else {
        const found = lookup.latestCompletion(graph.pipeline, node.name);
        const summary = isPromise(found) ? await found : found;
        const full = summary && lookup.full(summary);
        const latest = isPromise(full) ? await full : full;
        if (
          options.checkDependencies === false &&
          latest &&
          !latest.invalidatedAt &&
          !latest.itemsFailed &&
          latest.paramsHash === paramsHash &&
          latest.codeHash === node.def.fingerprint
        ) {
          status = "complete";
          reason = "complete";
          completion = latest;
        } else {
          reason = whyPending(node, latest, paramsHash, upstreamPending, inputHashes, fileHashes);
        }
      }
    }
    const result: PlannedStep = {
      name: node.name,
      index: node.index,
      status,
      reason,
      identity,
      paramsHash,
      params,
      deps: node.depNames,
      cacheKey,
      inputHashes,
      completion,
      fileHashes,
      ...(itemsFailed ? { itemsFailed } : {}),
    };
    planned[node.index] = result;
    steps.push(result);
  }
  if (artifacts) await recheckOutputs(steps, planned, artifacts);
  const kept = options.checkDependencies === false ? withoutUnneeded(steps, graph) : steps;
  const plan: Plan = {
    pipeline: graph.pipeline,
    steps: kept,
    byName: new Map(kept.map((step) => [step.name, step])),
  };
  return lookup.preloaded ? { ...plan, completionAt: lookup.preloaded } : plan;
}

/** What a consumer's key covers of an upstream output: the field it reads when that field has a hash, else all of it. */
export function inputHashOf(
  upstream: Pick<Completion, "output" | "fieldHashes">,
  field: string | undefined,
): string {
  return (field !== undefined ? upstream.fieldHashes?.[field] : undefined) ?? upstream.output.hash;
}

/** From this many steps on, the planner reads the pipeline's completions in one query instead of one per step. */
const PRELOAD_FROM = 256;

/** Where the planner looks completions up: the store itself, or summaries read in one go. */
interface Lookup {
  findCompletion(cacheKey: string): MaybePromise<CompletionSummary | undefined>;
  latestCompletion(pipeline: string, step: string): MaybePromise<CompletionSummary | undefined>;
  /** The whole record behind a summary, for saying why a step must run. */
  full(summary: CompletionSummary): MaybePromise<Completion | undefined>;
  /** Set when the summaries were read in one go: the lookup by key, synchronous. */
  preloaded?: (cacheKey: string) => CompletionSummary | undefined;
}

function direct(completions: CompletionStore): Lookup {
  return {
    findCompletion: (key) => completions.findCompletion(key),
    latestCompletion: (pipeline, step) => completions.latestCompletion(pipeline, step),
    full: (summary) => summary as Completion,
  };
}

/** The pipeline's completion summaries in memory, answering the planner's lookups (cache keys include the pipeline). */
async function preloaded(completions: CompletionStore, pipeline: string): Promise<Lookup> {
  const byKey = new Map<string, CompletionSummary>();
  const latest = new Map<string, CompletionSummary>();
  for (const completion of await completions.completionsOf(pipeline)) {
    byKey.set(completion.cacheKey, completion);
    const current = latest.get(completion.step);
    if (!current || current.createdAt <= completion.createdAt)
      latest.set(completion.step, completion);
  }
  const find = (key: string) => byKey.get(key);
  return {
    findCompletion: find,
    latestCompletion: (_pipeline, step) => latest.get(step),
    full: (summary) => completions.findCompletion(summary.cacheKey),
    preloaded: find,
  };
}

/**
 * Drops pending steps whose output nothing pending needs (with checkDependencies off, a complete step
 * does not need its upstream). Final steps of the plan are always kept.
 */
function withoutUnneeded(steps: PlannedStep[], graph: PipelineGraph): PlannedStep[] {
  const inPlan = new Uint8Array(graph.nodes.length);
  for (const step of steps) inPlan[step.index] = 1;
  const needed = new Uint8Array(graph.nodes.length);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const node = graph.nodes[step.index]!;
    if (!node.dependents.some((dependent) => inPlan[dependent])) needed[step.index] = 1;
    if (needed[step.index] && step.status === "pending")
      for (const dep of node.deps) needed[dep] = 1;
  }
  return steps.filter((step) => needed[step.index] || step.status === "complete");
}

/** SHA-256 of each external file a step declares; a missing file is the user's error. */
function hashFiles(node: GraphNode): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const file of node.def.files) {
    const path = node.def.filePaths[file]!;
    let hash: string;
    try {
      hash = fileHash(path);
    } catch (error) {
      throw new SluiceError(
        "missing-input",
        `step "${node.name}" declares the file "${file}" (${path}), which cannot be read: ${(error as Error).message}. Create it, or fix the path (a relative one is from the folder of the module that declares the step).`,
        { step: node.name, details: { file, path } },
      );
    }
    hashes[`file:${file}`] = hash;
  }
  return hashes;
}

/**
 * A complete step must still have its output: one whose output file is gone becomes pending
 * (`missing-output`); at run time its inputs are read from their own outputs. Only existence is
 * checked here; the content hash (of files and inline values alike) is verified when an output is read.
 */
async function recheckOutputs(
  steps: PlannedStep[],
  planned: Array<PlannedStep | undefined>,
  artifacts: ArtifactStore,
): Promise<void> {
  // A store that answers for many outputs at once is asked once.
  const missing = artifacts.missing
    ? await artifacts.missing(
        steps.filter((s) => s.status === "complete").map((s) => s.completion!.output),
      )
    : undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.status !== "complete") continue;
    if (missing) {
      if (!missing.has(step.completion!.output.hash)) continue;
    } else {
      const found = artifacts.has(step.completion!.output);
      if (isPromise(found) ? await found : found) continue;
    }
    steps[i] = planned[step.index] = {
      ...step,
      status: "pending",
      reason: "missing-output",
      completion: undefined,
    };
  }
}

function whyPending(
  node: GraphNode,
  latest: Completion | undefined,
  paramsHash: string,
  upstreamPending: boolean,
  inputHashes: Record<string, string> | undefined,
  fileHashes: Record<string, string> | undefined,
): Reason {
  if (!latest) return "missing-output";
  if (latest.paramsHash !== paramsHash) return "params-changed";
  if (latest.invalidatedAt !== undefined) return "reset";
  if (latest.codeHash !== node.def.fingerprint) return "code-changed";
  for (const [file, hash] of Object.entries(fileHashes ?? {}))
    if (latest.inputHashes[file] !== hash) return "input-data-changed";
  if (upstreamPending) return "upstream-changed";
  for (const input of node.inputs)
    if (latest.inputHashes[input.name] !== inputHashes?.[input.name]) return "upstream-changed";
  return "missing-output";
}
