/**
 * The runs a server starts: a trigger goes the one trigger path (queueTrigger: checked, recorded as
 * `queued` atomically with its Idempotency-Key), is answered, and runs in this process (startQueued);
 * cancel and resume act on it; every engine event is published to the project's subscribers (SSE).
 */
import {
  checkResumable,
  DEFAULT_PROJECT,
  findFlow,
  MASK,
  newClaim,
  ownerFields,
  queueTrigger,
  registerFlows,
  resolveParams,
  SluiceError,
  stopFollowing,
  startQueued,
  withNotifications,
  type ApiKeyStore,
  type FlowVersionStore,
  type RunRecord,
  type SluiceEvent,
  type SluiceEventListener,
  type SluiceHome,
  type StepRunRecord,
  type TriggerRequest,
  type TriggerStore,
  type Workspace,
  type WorkspaceFlow,
} from "sluice/internal";
import { Scheduler } from "sluice/internal";
import { PublicErrors } from "./public-errors.js";

export interface ServerTables extends ApiKeyStore, FlowVersionStore, TriggerStore {}

/** An event as the SSE streams send it: JSON, with the run's project. */
export type PublishedEvent = { type: string; runId: string; project: string } & Record<
  string,
  unknown
>;
type Subscriber = (event: PublishedEvent) => void;

export class RunManager {
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();
  private readonly subscribers = new Set<{ project: string; runId?: string; fn: Subscriber }>();
  /** How errors are sent to clients (REST and SSE): no stacks, no folders of this server. */
  readonly errors: PublicErrors;
  /** Fires the workspace's schedules; its runs start through this manager (events, cancel). */
  readonly scheduler: Scheduler;

  constructor(
    readonly home: SluiceHome,
    readonly workspace: Workspace,
    readonly tables: ServerTables,
  ) {
    this.errors = new PublicErrors({ "<home>": home.path, "<workspace>": workspace.root });
    this.scheduler = new Scheduler({
      workspace,
      stores: { ...home.stores, triggers: tables },
      schedules: home.schedules,
      launch: async (flow, request, idempotencyKey) => {
        const { run, created } = await this.trigger(flow, request, idempotencyKey);
        return {
          runId: run.runId,
          created,
          done: this.active.get(run.runId)?.done ?? Promise.resolve(),
          cancel: () => this.active.get(run.runId)?.controller.abort(),
        };
      },
    });
  }

  get project(): string {
    return this.workspace.project;
  }

  flow(name: string): WorkspaceFlow {
    return findFlow(this.workspace, name);
  }

  /** Records the flow versions of the workspace (a server start). */
  register(): Promise<void> {
    return registerFlows(this.workspace, this.tables);
  }

  async trigger(
    name: string,
    request: TriggerRequest,
    idempotencyKey?: string,
  ): Promise<{ run: RunRecord; created: boolean }> {
    const queued = await queueTrigger(
      this.workspace,
      { runs: this.home.runs, triggers: this.tables },
      name,
      request,
      idempotencyKey,
    );
    if (queued.created)
      this.track(queued.run.runId, (signal) =>
        startQueued(queued, {
          stores: this.home.stores,
          signal,
          onEvent: this.publisher(),
          // The server runs children itself, whatever the workspace's `server` says.
          childRuns: "local",
        }),
      );
    return { run: queued.run, created: queued.created };
  }

  /** Cancels a run this server is running: its steps get the abort signal, and it ends `cancelled`. */
  async cancel(runId: string): Promise<RunRecord> {
    const run = await this.ownRun(runId);
    const active = this.active.get(runId);
    if (active) {
      active.controller.abort(
        new SluiceError("cancelled", "The run was cancelled through the API."),
      );
      await active.done;
      return (await this.home.runs.findRun(runId))!;
    }
    const dispatcher = this.home.stores.dispatcher;
    if (run.executor === "workers" && dispatcher && (await dispatcher.cancel(runId)))
      return (await this.home.runs.findRun(runId))!;
    if (run.status === "running" || run.status === "queued") {
      throw new SluiceError(
        "conflict",
        `Run ${runId} is running in another process (pid ${run.ownerPid ?? "?"} on ${run.ownerHost ?? "?"}); cancel it there (Ctrl-C).`,
      );
    }
    throw new SluiceError(
      "conflict",
      `Run ${runId} has already ended (${run.status}); there is nothing to cancel.`,
    );
  }

  /** Continues a failed or cancelled run of a flow: finished steps are reused. Secret params must be given again. */
  async resume(runId: string, params: Record<string, unknown> = {}): Promise<RunRecord> {
    const run = await this.ownRun(runId);
    if (this.active.has(runId))
      throw new SluiceError(
        "conflict",
        `Run ${runId} is still running here; wait for it to end, or cancel it first.`,
      );
    checkResumable(runId, run, "Trigger a new run instead.");
    const flow = this.flow(run.pipeline);
    const merged = { ...run.params, ...params };
    const missing = [...flow.pipeline.graph().secretParams].filter((name) => merged[name] === MASK);
    if (missing.length > 0)
      throw new SluiceError(
        "invalid-request",
        `Run ${runId} used secret parameter(s) ${missing.join(", ")}, which are not stored; send them again as { "params": { ... } }.`,
        { details: { missing } },
      );
    resolveParams(flow.pipeline.graph(), merged);
    // Queued for this process under a new claim: a `sluice resume` elsewhere with the same view loses the race.
    // The earlier attempt's end is cleared now, not when the engine takes the run: a poller must not see it meanwhile.
    const cleared = {
      reason: undefined,
      finishedAt: undefined,
      durationMs: undefined,
      error: undefined,
    };
    if (
      !(await this.home.runs.casRun(runId, run.claim, {
        status: "queued",
        ...cleared,
        ...ownerFields(),
        claim: newClaim(),
        heartbeatAt: Date.now(),
      }))
    ) {
      throw new SluiceError(
        "conflict",
        `Run ${runId} was just resumed by another process; nothing was run.`,
      );
    }
    this.start(flow, run, merged, { targets: run.targets });
    return (await this.home.runs.findRun(runId))!;
  }

  /** The run, if it belongs to this server's project. */
  async ownRun(runId: string): Promise<RunRecord> {
    return this.checkOwn(runId, await this.home.runs.findRun(runId));
  }

  /** The run with its steps, if it belongs to this server's project. */
  async ownRunDetail(runId: string): Promise<{ run: RunRecord; steps: StepRunRecord[] }> {
    const found = await this.home.runs.getRun(runId);
    this.checkOwn(runId, found?.run);
    return found!;
  }

  private checkOwn(runId: string, run: RunRecord | undefined): RunRecord {
    if (!run || (run.project ?? DEFAULT_PROJECT) !== this.project)
      throw new SluiceError("not-found", `No run ${runId} in project "${this.project}".`);
    return run;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Calls `fn` with every event of the project's runs (or of one run); returns the unsubscribe function. */
  subscribe(project: string, runId: string | undefined, fn: Subscriber): () => void {
    const entry = { project, runId, fn };
    this.subscribers.add(entry);
    return () => this.subscribers.delete(entry);
  }

  /**
   * Cancels every run still going here (they end `cancelled`, resumable) and waits for them; runs on
   * the stack's workers go on, only no longer followed here.
   */
  async close(): Promise<void> {
    for (const { controller } of this.active.values())
      controller.abort(stopFollowing("The server stopped."));
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  /** Resumes a run in this process (see resume). */
  private start(
    flow: WorkspaceFlow,
    run: RunRecord,
    params: Record<string, unknown>,
    options: { targets?: string[] },
  ): void {
    this.track(run.runId, (signal) =>
      flow.pipeline.run({
        runId: run.runId,
        resume: true,
        params,
        targets: options.targets,
        stores: this.home.stores,
        signal,
        source: { file: flow.file, exportName: flow.exportName },
        project: this.project,
        flow: run.flow,
        loadOutputs: "ran",
        onEvent: withNotifications(
          flow.hooks,
          { project: this.project, flow: flow.name },
          this.home.stores,
          this.publisher(),
        ),
        runLimits: flow.runLimits,
        childRuns: "local",
      }),
    );
  }

  /** Runs `execute` as run `runId` of this server: cancellable, awaited by close(), never left queued. */
  private track(runId: string, execute: (signal: AbortSignal) => Promise<unknown>): void {
    const controller = new AbortController();
    const done = execute(controller.signal)
      .catch(async (error: unknown) => {
        // The engine could not even start (e.g. the store failed): the run must not stay queued.
        const message = error instanceof Error ? error.message : String(error);
        await this.home.runs
          .updateRun(runId, {
            status: "failed",
            finishedAt: Date.now(),
            error: { code: SluiceError.is(error) ? error.code : "internal", message },
          })
          .catch(() => undefined);
        this.publish({
          type: "run:end",
          runId,
          project: this.project,
          status: "failed",
          success: false,
        });
      })
      .finally(() => this.active.delete(runId));
    this.active.set(runId, { controller, done });
  }

  /** The engine's event listener that publishes to this project's subscribers (the SSE streams). */
  private publisher(): SluiceEventListener {
    return (event) => {
      if (this.subscribers.size > 0) this.publish(toPublished(event, this.project, this.errors));
    };
  }

  private publish(published: PublishedEvent): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.project !== published.project) continue;
      if (subscriber.runId !== undefined && subscriber.runId !== published.runId) continue;
      subscriber.fn(published);
    }
  }
}

/** The JSON form of an engine event: a run's end carries its status, not the whole result object; errors as clients see them. */
function toPublished(event: SluiceEvent, project: string, errors: PublicErrors): PublishedEvent {
  switch (event.type) {
    case "run:end": {
      const { result } = event;
      return {
        type: "run:end",
        runId: event.runId,
        project,
        status: result.status,
        success: result.success,
        durationMs: result.durationMs,
        ...(result.firstFailure ? { firstFailure: errors.failure(result.firstFailure) } : {}),
      };
    }
    case "step:end":
      return { ...event, project, result: errors.withError(event.result) };
    case "step:retry":
      return { ...event, project, error: errors.error(event.error) };
    case "step:log":
      return { ...errors.logLine(event), project };
    default:
      return { ...event, project };
  }
}
