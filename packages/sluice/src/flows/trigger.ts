/**
 * The one trigger path, for `sluice server` and the local `sluice trigger` alike: check the request
 * (flow, version, params, targets) before any run exists, record the run as `queued` atomically with
 * its idempotency key, then start it in this process by adopting the queued run (queued → running
 * under the claim it was created with; nothing is read back or rewritten).
 */
import {
  canonicalJson,
  maskParams,
  resolveParams,
  SluiceError,
  unknownStep,
} from "../core/index.js";
import {
  newClaim,
  newRunId,
  ownerFields,
  type ChildRunsTarget,
  type LimitSlot,
  type RunResult,
  type SluiceEventListener,
  type Stores,
} from "../engine/index.js";
import {
  DEFAULT_PROJECT,
  type RunRecord,
  type RunStore,
  type RunTrigger,
  type TriggerStore,
} from "../store/index.js";
import { checkFlowVersion, type Workspace, type WorkspaceFlow } from "./workspace.js";
import { withNotifications } from "./notifications.js";
import { readContexts, resolveContext } from "../runtime/index.js";

export interface TriggerRequest {
  params?: Record<string, unknown>;
  /** The flow version the caller expects; refused (conflict) when another is loaded. */
  version?: string;
  targets?: string[];
  force?: string[];
  forceAll?: boolean;
  /** What is triggering it. @defaultValue { kind: "api" } */
  trigger?: RunTrigger;
  /** A context of the workspace whose params the run takes, under `params`. */
  context?: string;
}

export interface QueuedTrigger {
  flow: WorkspaceFlow;
  /** The queued run, or the earlier run the idempotency key names. */
  run: RunRecord;
  /** False when the idempotency key named an earlier run: nothing was queued, and nothing is to start. */
  created: boolean;
  /** The request as given (secrets unmasked), for starting the run. */
  request: TriggerRequest;
}

/** The workspace's flow `name`, or `not-found` listing the flows there are. */
export function findFlow(workspace: Workspace, name: string): WorkspaceFlow {
  const flow = workspace.flows.get(name);
  if (flow) return flow;
  const known = [...workspace.flows.keys()];
  throw new SluiceError(
    "not-found",
    `No flow "${name}" in project "${workspace.project}". Flows: ${known.length > 0 ? known.join(", ") : "none"}.`,
  );
}

/**
 * Checks a trigger of flow `name` and records its run as queued with the idempotency key. The same key
 * again returns the earlier run (`created: false`); the same key for another flow or other params is
 * a conflict (a client bug: answering with an unrelated run would hide it).
 */
export async function queueTrigger(
  workspace: Workspace,
  stores: { runs: RunStore; triggers: TriggerStore },
  name: string,
  request: TriggerRequest,
  idempotencyKey?: string,
): Promise<QueuedTrigger> {
  const flow = findFlow(workspace, name);
  const { definition, pipeline } = flow;
  checkFlowVersion(flow, request.version);
  const graph = pipeline.graph();
  if (request.context !== undefined) {
    const context = resolveContext(await readContexts(flow.root), request.context, graph);
    request = { ...request, params: { ...context.params, ...(request.params ?? {}) } };
  }
  const params = request.params ?? {};
  resolveParams(graph, params); // invalid params are the caller's mistake, found before any run exists
  for (const step of [...(request.targets ?? []), ...(request.force ?? [])])
    if (!graph.byName.has(step)) throw unknownStep(graph, step);
  const masked = maskParams(params, graph.secretParams);
  const run: RunRecord = {
    runId: newRunId(),
    pipeline: name,
    status: "queued",
    params: masked,
    startedAt: Date.now(),
    project: workspace.project,
    flow: { version: definition.version, hash: definition.hash },
    source: { file: flow.file, exportName: flow.exportName, kind: "pipeline" },
    ...ownerFields(),
    claim: newClaim(),
    heartbeatAt: Date.now(),
    trigger: request.trigger ?? { kind: "api" },
    ...(request.context === undefined ? {} : { context: request.context }),
  };
  if (request.targets) run.targets = request.targets;
  const claimed = await stores.triggers.createTriggeredRun(run, idempotencyKey);
  if (claimed.created) return { flow, run, created: true, request };
  const earlier = await stores.runs.findRun(claimed.runId);
  if (!earlier)
    throw new SluiceError(
      "internal",
      `Idempotency key names run ${claimed.runId}, which is missing.`,
    );
  if (earlier.pipeline !== name || canonicalJson(earlier.params) !== canonicalJson(masked)) {
    throw new SluiceError(
      "conflict",
      `Idempotency-Key "${idempotencyKey}" was used for another request (run ${earlier.runId} of flow "${earlier.pipeline}" with other params). Use a new key for a new run.`,
      {
        details: { runId: earlier.runId },
      },
    );
  }
  return { flow, run: earlier, created: false, request };
}

export interface StartOptions {
  stores: Stores;
  signal?: AbortSignal;
  onEvent?: SluiceEventListener;
  /** @defaultValue "ran" */
  loadOutputs?: "all" | "ran";
  /** The run limits it waits for. @defaultValue the workspace's (its flow's `runLimits`) */
  runLimits?: readonly LimitSlot[];
  /** Where its runFlow steps trigger their children (a server's runs: "local"). */
  childRuns?: ChildRunsTarget;
}

/** Starts a run `queueTrigger` created, in this process: the engine adopts it under its claim. */
export function startQueued(queued: QueuedTrigger, options: StartOptions): Promise<RunResult> {
  const { flow, run, request } = queued;
  if (!queued.created || run.claim === undefined)
    throw new SluiceError(
      "internal",
      `Run ${run.runId} was not queued by this trigger; there is nothing to start.`,
    );
  return flow.pipeline.run({
    runId: run.runId,
    adopt: { claim: run.claim },
    params: request.params ?? {},
    targets: request.targets,
    force: request.force,
    forceAll: request.forceAll,
    stores: options.stores,
    signal: options.signal,
    onEvent: withNotifications(
      flow.hooks,
      { project: run.project ?? DEFAULT_PROJECT, flow: flow.name },
      options.stores,
      options.onEvent,
    ),
    source: { file: flow.file, exportName: flow.exportName },
    project: run.project,
    flow: run.flow,
    // The params above already hold the context's; naming it records it (resolved again, the same).
    ...(run.context === undefined ? {} : { context: run.context, contextsFrom: flow.root }),
    trigger: run.trigger,
    loadOutputs: options.loadOutputs ?? "ran",
    runLimits: options.runLimits ?? flow.runLimits,
    childRuns: options.childRuns,
  });
}
