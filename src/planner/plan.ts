import { hashParts, identityOf, isPromise, unknownStep, type GraphNode, type PipelineGraph, type PlanStatus, type Reason } from "../core/index.js";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Completion, CompletionStore } from "../store/index.js";

export interface PlanOptions {
  /** Plan only these steps and what they need. */
  targets?: readonly string[];
  /** Rerun these steps (and so, through changed data, possibly their downstream). */
  force?: readonly string[];
  /** Rerun everything. */
  forceAll?: boolean;
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
  readonly completion?: Completion;
}

export interface Plan {
  readonly pipeline: string;
  /** The planned steps in execution (topological) order. */
  readonly steps: readonly PlannedStep[];
  readonly byName: ReadonlyMap<string, PlannedStep>;
}

/** The cache key of a step instance: code, params and the content of every input. */
export function cacheKeyOf(pipeline: string, node: GraphNode, paramsHash: string, inputHashes: Record<string, string>): string {
  const parts = [pipeline, node.name, node.def.fingerprint, paramsHash];
  for (const input of node.inputs) parts.push(`${input.name}=${inputHashes[input.name]}${input.field === undefined ? "" : `#${input.field}`}`);
  return hashParts(parts);
}

/**
 * Decides for each step in `nodes` whether it is complete or must run, and why (shared/DESIGN.md,
 * "Why it runs"). A step whose upstream will run is pending with `upstream-changed`; the engine
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
  const planned = new Array<PlannedStep | undefined>(graph.nodes.length);
  const steps: PlannedStep[] = [];
  for (const node of nodes) {
    const params = paramsByNode[node.index]!;
    const { identity, paramsHash } = identityOf(node.name, params);
    let upstreamPending = false;
    for (const dep of node.deps) if (planned[dep]!.status === "pending") upstreamPending = true;
    let inputHashes: Record<string, string> | undefined;
    let cacheKey: string | undefined;
    if (!upstreamPending) {
      inputHashes = {};
      for (const input of node.inputs) inputHashes[input.name] = planned[input.from]!.completion!.output.hash;
      cacheKey = cacheKeyOf(graph.pipeline, node, paramsHash, inputHashes);
    }
    let status: PlanStatus = "pending";
    let reason: Reason;
    let completion: Completion | undefined;
    if (options.forceAll || forced.has(node.name) || !node.def.cache) {
      reason = "forced";
    } else {
      if (cacheKey !== undefined) {
        const found = completions.findCompletion(cacheKey);
        completion = isPromise(found) ? await found : found;
      }
      if (completion) {
        status = "complete";
        reason = "complete";
      } else {
        const found = completions.latestCompletion(graph.pipeline, node.name);
        const latest = isPromise(found) ? await found : found;
        reason = whyPending(node, latest, paramsHash, upstreamPending, inputHashes);
      }
    }
    const result: PlannedStep = { name: node.name, index: node.index, status, reason, identity, paramsHash, params, deps: node.depNames, cacheKey, inputHashes, completion };
    planned[node.index] = result;
    steps.push(result);
  }
  if (artifacts) await recheckNeededOutputs(steps, planned, graph, artifacts);
  return { pipeline: graph.pipeline, steps, byName: new Map(steps.map((step) => [step.name, step])) };
}

/**
 * A complete step whose output a pending step will read must still have that output: walking back
 * from the end, a complete step with a pending dependent whose output is gone becomes pending
 * (`missing-output`), which in turn makes its own inputs needed. Only existence is checked here; the
 * content hash is verified when the output is read.
 */
async function recheckNeededOutputs(steps: PlannedStep[], planned: Array<PlannedStep | undefined>, graph: PipelineGraph, artifacts: ArtifactStore): Promise<void> {
  const needed = new Uint8Array(graph.nodes.length);
  for (let i = steps.length - 1; i >= 0; i--) {
    let step = steps[i]!;
    const node = graph.nodes[step.index]!;
    if (step.status === "complete" && needed[step.index]) {
      const found = artifacts.has(step.completion!.output);
      if (!(isPromise(found) ? await found : found)) {
        step = { ...step, status: "pending", reason: "missing-output", completion: undefined };
        steps[i] = step;
        planned[step.index] = step;
      }
    }
    if (step.status === "pending") for (const input of node.inputs) needed[input.from] = 1;
  }
}

function whyPending(
  node: GraphNode,
  latest: Completion | undefined,
  paramsHash: string,
  upstreamPending: boolean,
  inputHashes: Record<string, string> | undefined,
): Reason {
  if (!latest) return "missing-output";
  if (latest.paramsHash !== paramsHash) return "params-changed";
  if (latest.codeHash !== node.def.fingerprint) return "code-changed";
  if (upstreamPending) return "upstream-changed";
  for (const input of node.inputs) if (latest.inputHashes[input.name] !== inputHashes?.[input.name]) return "upstream-changed";
  return "missing-output";
}
