import { isPromise, type MaybePromise, type SluiceError, type StepLogger } from "../core/index.js";
import { AttemptControl } from "../executors/index.js";
import { threadExecutorFor } from "./isolation.js";
import { withStepConsole } from "./console-capture.js";
import { checkOutput, warnIfOverran, wrapError } from "./output-check.js";
import type { ChildRun } from "./child-run.js";
import { runDynamic } from "./dynamic-step.js";
import { runMap } from "./map-step.js";
import { metricRecord } from "./metrics.js";
import type { RunState } from "./run-state.js";
import { Context } from "./step-context.js";
import type { StepState } from "./step-state.js";
import { storeOutput } from "./store-output.js";

/** One execution of the body, its output checked and stored; undefined on success, else the error. */
export function runAttempt(
  run: RunState,
  state: StepState,
  args: Record<string, unknown>,
  attempt: number,
  log: () => StepLogger,
): MaybePromise<SluiceError | undefined> {
  const { node } = state;
  const def = node.def;
  const control = new AttemptControl();
  run.running.add(control);
  const ctx = new Context(
    run.runId,
    node.name,
    attempt,
    control,
    log,
    (name, value) => run.logs.metric(metricRecord(run.runId, node.name, name, value)),
    def.filePaths,
    run.services,
  );
  if (run.options.onEvent) run.emit("step:start", { runId: run.runId, step: node.name, attempt });
  const started = Date.now();
  const call = { step: node.name, body: def.run, args, ctx, control, timeoutMs: def.timeoutMs };
  // Inside the try below: a thread pool that cannot be made (no module known) fails this step, not the run.
  const viaExecutor = () =>
    (def.isolate === "thread"
      ? (run.threads ??= threadExecutorFor(
          run.options.source,
          run.options.graph.pipeline,
          node.name,
        ))
      : run.executor
    ).execute(call);
  const execute = def.map
    ? () =>
        runMap(
          {
            ...childRun(run, state, control),
            spec: def.map!,
            body: def.run,
            isAsync: def.isAsync,
            fingerprint: def.fingerprint,
            paramsHash: state.planned.paramsHash,
            params: args.params as Record<string, unknown>,
          },
          args.over,
        )
    : def.dynamic
      ? () =>
          runDynamic({ ...childRun(run, state, control), parentKey: state.cacheKey! }, viaExecutor)
      : viaExecutor;
  let value: unknown;
  try {
    value =
      run.options.captureConsole === false
        ? execute()
        : withStepConsole(
            log,
            execute,
            def.isAsync || def.map !== undefined || def.dynamic === true,
          );
  } catch (error) {
    run.running.delete(control);
    return wrapError(error, node.name, run.runId);
  }
  if (isPromise(value)) {
    return value.then(
      (result) => keepOutput(run, state, result, control),
      (error: unknown) => {
        run.running.delete(control);
        return wrapError(error, node.name, run.runId);
      },
    );
  }
  if (def.timeoutMs !== undefined) warnIfOverran(def, log(), started);
  return keepOutput(run, state, value, control);
}

/** What a map's items (map-step.ts) or a dynamic step's children (dynamic-step.ts) need of this run. */
export function childRun(run: RunState, state: StepState, control: AttemptControl): ChildRun {
  const step = state.node.name;
  const onMetric = (name: string, value: number) =>
    run.logs.metric(metricRecord(run.runId, step, name, value));
  const loggerOf = (name: string) => run.loggerFor(name);
  const contextOf = (name: string, attempt: number, c: AttemptControl) =>
    new Context(
      run.runId,
      name,
      attempt,
      c,
      () => loggerOf(name),
      onMetric,
      state.node.def.filePaths,
    );
  const captureConsole = run.options.captureConsole !== false;
  return {
    runId: run.runId,
    pipeline: run.options.graph.pipeline,
    step,
    stores: run.options.stores,
    executor: run.executor,
    control,
    contextOf,
    loggerOf,
    captureConsole,
    ...(run.options.fanOut ? { fanOut: run.options.fanOut } : {}),
  };
}

function keepOutput(
  run: RunState,
  state: StepState,
  value: unknown,
  control: AttemptControl,
): MaybePromise<SluiceError | undefined> {
  run.running.delete(control);
  try {
    checkOutput(state.node.def, value, run.runId);
    const stored = storeOutput(run, state, value, true);
    if (isPromise(stored))
      return stored.then(
        () => undefined,
        (error: unknown) => wrapError(error, state.node.name, run.runId),
      );
    return undefined;
  } catch (error) {
    return wrapError(error, state.node.name, run.runId);
  }
}
