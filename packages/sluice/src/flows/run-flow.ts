/**
 * `runFlow`: a step that starts a run of another flow of the workspace by name, with params made from
 * its inputs, and (by default) waits for it and takes on its outcome. The child is triggered through
 * the same path as a server trigger (flows/trigger.ts), recorded with `trigger: { kind: "parent",
 * parentRunId, parentStep }`, under an idempotency key made of the parent run, the step and the
 * params: a retry, a resume or a crash of the parent finds that same child run again, and continues
 * it (resumes it when it failed, waits for it while another process runs it) instead of starting a
 * second one. The child runs in this process, recorded in the parent's store.
 */
import {
  canonicalJson,
  declaringFolder,
  sha256,
  SluiceError,
  step,
  stepOf,
  type AnyStep,
  type InputSpec,
  type RetryOptions,
  type PipelineGraph,
  type StepArgs,
  type StepContext,
  type StepDefinition,
} from "../core/index.js";
import { decodeValue } from "../artifacts/index.js";
import {
  Context,
  ownerAlive,
  type ChildRunsTarget,
  type RunResult,
  type RunServices,
} from "../engine/index.js";
import type { RunStatus } from "../core/index.js";
import type { RunRecord } from "../store/index.js";
import type { Pipeline } from "../runtime/index.js";
import { findConfig, loadWorkspace, type Workspace, type WorkspaceFlow } from "./workspace.js";
import { queueTrigger, startQueued } from "./trigger.js";
import { runRemoteChild } from "./remote-child.js";
import { dirname } from "node:path";

declare const flowParams: unique symbol;

/**
 * A flow's name that carries the type of its params, so `runFlow` checks what `params` returns:
 * `runFlow(flowName<typeof training>("training"), { params: () => ({ lr: 0.1 }) })` (`import type` is enough).
 * A plain string is a FlowName whose params are not known.
 */
export type FlowName<Params = Record<string, unknown>> = string & {
  readonly [flowParams]?: Params;
};

/** The name of a flow whose pipeline type is `F`, typed with its params (see FlowName). */
export function flowName<F extends Pipeline<any, any>>(
  name: string,
): FlowName<F extends Pipeline<infer Params, any> ? Params : never> {
  return name;
}

export interface RunFlowOptions<
  I extends InputSpec,
  A extends readonly AnyStep[],
  P = Record<string, unknown>,
> {
  /** The step's name. @defaultValue the flow's name */
  name?: string;
  /** The flow's project: the workspace's own (a workspace is one project). */
  project?: string;
  /** Upstream steps, as `step()` takes them; their values reach `params`. */
  inputs?: I;
  /** Steps that must finish first although no data flows from them. */
  after?: A;
  /** The child run's params, made from this step's inputs (typed when `flow` is a FlowName). @defaultValue no params */
  params?: (inputs: StepArgs<I, {}>) => P;
  /** true: wait for the child run and take on its outcome; false: succeed once it is started. @defaultValue true */
  wait?: boolean;
  /** The flow version (label or hash) expected; refused when the workspace has another. */
  version?: string;
  /** Bounds the wait: the step then fails, and the child run is cancelled. */
  timeoutMs?: number;
  /** Retries of this step find the same child run again (and resume it if it failed). */
  retry?: number | RetryOptions;
  /** The workspace config. @defaultValue the nearest sluice.config.* above the module calling runFlow, else above the working directory */
  config?: string;
}

/** A `runFlow` step's output. */
export interface ChildRunOutput {
  runId: string;
  /** The child run's status when the step ended ("queued" or "running" with `wait: false`). */
  status: RunStatus;
  /** The outputs of the child's last steps (those no other step reads), by step name; none with `wait: false`. */
  outputs: Record<string, unknown>;
}

export function runFlow<
  const I extends InputSpec = {},
  const A extends readonly AnyStep[] = [],
  P = Record<string, unknown>,
>(flow: FlowName<P>, options: RunFlowOptions<I, A, P> = {}) {
  const folder = declaringFolder();
  const made = step(options.name ?? flow, {
    inputs: options.inputs,
    after: options.after,
    // Every run of the parent triggers (or finds again) its own child: the child's steps cache.
    cache: false,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    run: (args, ctx): Promise<ChildRunOutput> =>
      runChild(flow, options as RunFlowOptions<InputSpec, readonly AnyStep[]>, folder, args, ctx),
  });
  // The same step, knowing its child flow: preview says which flow it would start.
  const withChild = stepOf(made.name, Object.freeze({ ...made.definition, childFlow: flow }));
  childLookups.set(withChild.definition, {
    config: options.config,
    folder,
    project: options.project,
  });
  return withChild as typeof made;
}

/** Where each runFlow step looks for its workspace, by its definition (for checkChildFlows). */
const childLookups = new WeakMap<
  StepDefinition,
  { config?: string; folder: string; project?: string }
>();

/**
 * Checks, before a run, that every runFlow step of the graph names a flow of its workspace (those
 * triggered on a server, or in another project, are checked by the server when they start).
 */
export async function checkChildFlows(
  graph: PipelineGraph,
  childRuns?: ChildRunsTarget,
): Promise<void> {
  for (const node of graph.nodes) {
    const name = node.def.childFlow;
    const lookup = childLookups.get(node.def);
    if (name === undefined || lookup === undefined) continue;
    const workspace = await workspaceFor(lookup.config, lookup.folder);
    const remote = (childRuns ?? (workspace.server ? "server" : "local")) !== "local";
    if (remote || (lookup.project !== undefined && lookup.project !== workspace.project)) continue;
    if (!workspace.flows.has(name))
      throw new SluiceError(
        "not-found",
        `step "${node.name}": runFlow("${name}") names no flow of project "${workspace.project}" (${workspace.configPath}). Its flows: ${[...workspace.flows.keys()].join(", ")}.`,
        { step: node.name },
      );
  }
}

async function runChild(
  name: string,
  options: RunFlowOptions<InputSpec, readonly AnyStep[]>,
  folder: string,
  args: unknown,
  ctx: StepContext,
): Promise<ChildRunOutput> {
  const services = Context.servicesOf(ctx);
  if (!services)
    throw new SluiceError(
      "invalid-usage",
      `step "${ctx.step}": runFlow("${name}") runs only inside a sluice run.`,
      { step: ctx.step },
    );
  const workspace = await workspaceFor(options.config, folder);
  const params = (options.params ? options.params(args as never) : {}) as Record<string, unknown>;
  const idempotencyKey = `runFlow:${sha256(canonicalJson([services.runId, ctx.step, name, params])).slice(0, 40)}`;
  const target =
    services.childRuns ?? (workspace.server === undefined ? "local" : { url: workspace.server });
  if (target !== "local")
    return runRemoteChild(
      {
        server: options.project === undefined ? target : { ...target, project: options.project },
        workspace,
        flow: name,
        params,
        ...(options.version === undefined ? {} : { version: options.version }),
        idempotencyKey,
        wait: options.wait !== false,
      },
      services,
      ctx,
    );
  if (!services.stores.triggers)
    throw new SluiceError(
      "invalid-usage",
      `step "${ctx.step}": runFlow("${name}") runs only inside a sluice run whose stores can trigger runs (a sluice home, or memoryStores()).`,
      { step: ctx.step },
    );
  if (options.project !== undefined && options.project !== workspace.project)
    throw new SluiceError(
      "not-found",
      `step "${ctx.step}": runFlow("${name}") asks for project "${options.project}", but the workspace ${workspace.configPath} is project "${workspace.project}". Flows of other projects are triggered through their server (the workspace's "server", or sluice run --server).`,
      { step: ctx.step },
    );
  const queued = await queueTrigger(
    workspace,
    { runs: services.stores.runs, triggers: services.stores.triggers },
    name,
    {
      params,
      ...(options.version === undefined ? {} : { version: options.version }),
      trigger: { kind: "parent", parentRunId: services.runId, parentStep: ctx.step },
    },
    idempotencyKey,
  );
  const child = queued.run;
  ctx.log.info(`${queued.created ? "started" : "continuing"} run ${child.runId} of flow "${name}"`);
  const finish = (signal: AbortSignal) =>
    queued.created
      ? startQueued(queued, {
          stores: services.stores,
          signal,
          loadOutputs: "ran",
          childRuns: services.childRuns,
        })
      : continueRun(queued.flow, child, services, signal);
  if (options.wait === false) {
    // It outlives this step's attempt: the parent run's cancel (Ctrl-C) cancels it.
    keepUntilEnded(finish(services.signal));
    return { runId: child.runId, status: queued.created ? "queued" : child.status, outputs: {} };
  }
  // The parent gives its run slots up while it waits: with a cap of 1, the child takes that one.
  services.setWaiting(ctx.step, `child run ${child.runId}`);
  const result = await services
    .withoutRunSlots(() => finish(ctx.signal))
    .finally(() => services.setWaiting(ctx.step, undefined));
  if (result.status !== "succeeded") {
    const first = result.firstFailure;
    throw new SluiceError(
      "step-failed",
      `Run ${child.runId} of flow "${name}" ${result.status}${first ? `: step "${first.step ?? "?"}": ${first.error.message}` : ""}`,
      { step: ctx.step, details: { childRunId: child.runId, status: result.status } },
    );
  }
  return {
    runId: child.runId,
    status: result.status,
    outputs: await lastOutputs(queued.flow, child.runId, services),
  };
}

/** What a child run found again ended with: resumed when it failed, waited for while alive elsewhere. */
async function continueRun(
  flow: WorkspaceFlow,
  child: RunRecord,
  services: RunServices,
  signal: AbortSignal,
): Promise<Pick<RunResult, "status" | "firstFailure">> {
  for (;;) {
    const run = (await services.stores.runs.findRun(child.runId)) ?? child;
    if (run.status === "succeeded") return { status: "succeeded" };
    const live = (run.status === "running" || run.status === "queued") && ownerAlive(run);
    if (!live) {
      // Failed, cancelled, or its owner died (a crash of this very process, resumed): continue it.
      return flow.pipeline.run({
        runId: run.runId,
        resume: true,
        params: run.params,
        stores: services.stores,
        signal,
        source: { file: flow.file, exportName: flow.exportName },
        loadOutputs: "ran",
        runLimits: flow.runLimits,
        childRuns: services.childRuns,
      });
    }
    if (signal.aborted) throw signal.reason;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The outputs of the child's last steps (no other step reads them), read back from the store. */
async function lastOutputs(
  flow: WorkspaceFlow,
  runId: string,
  services: RunServices,
): Promise<Record<string, unknown>> {
  const graph = flow.pipeline.graph();
  const found = await services.stores.runs.getRun(runId);
  const outputs: Record<string, unknown> = {};
  for (const record of found?.steps ?? []) {
    const node = graph.byName.get(record.step);
    if (!node || node.dependents.length > 0 || !record.output) continue;
    const encoded = await services.stores.artifacts.get(record.output);
    if (encoded) outputs[record.step] = decodeValue(encoded, node.def.serializer);
  }
  return outputs;
}

const workspaces = new Map<string, Promise<Workspace>>();

/** The workspace of `config`, or of the nearest config above `folder` (then the working directory). */
function workspaceFor(config: string | undefined, folder: string): Promise<Workspace> {
  const path = config ?? nearestConfig(folder) ?? nearestConfig(process.cwd());
  if (path === undefined)
    throw new SluiceError(
      "invalid-usage",
      `runFlow needs a workspace: no sluice.config.* in ${folder} or above it, nor in ${process.cwd()}. Create one naming the pipeline modules (see the README, Flows), or pass runFlow's config option.`,
    );
  let loading = workspaces.get(path);
  if (!loading) {
    loading = loadWorkspace(path);
    loading.catch(() => workspaces.delete(path));
    workspaces.set(path, loading);
  }
  return loading;
}

function nearestConfig(folder: string): string | undefined {
  for (let dir = folder; ; dir = dirname(dir)) {
    const found = findConfig(dir);
    if (found !== undefined || dirname(dir) === dir) return found;
  }
}

/** Children started with `wait: false` still running in this process: the CLI waits for them. */
const unfinished = new Set<Promise<unknown>>();

function keepUntilEnded(run: Promise<unknown>): void {
  const tracked = run.then(
    () => undefined,
    () => undefined, // the child's own record says how it ended
  );
  unfinished.add(tracked);
  void tracked.then(() => unfinished.delete(tracked));
}

/** Resolves once every child run this process started without waiting has ended. */
export async function childRunsEnded(): Promise<void> {
  while (unfinished.size > 0) await Promise.all([...unfinished]);
}
