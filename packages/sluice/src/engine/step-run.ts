import { isPromise, type SluiceError, type StepLogger } from "../core/index.js";
import { AttemptControl } from "../executors/index.js";
import { cacheKeyOf } from "../planner/index.js";
import { sleep } from "./retry.js";
import { checkOutput, wrapError } from "./output-check.js";
import type { RunState } from "./run-state.js";
import { runAttempt } from "./step-attempt.js";
import { Context } from "./step-context.js";
import { recordOf, type StepState } from "./step-state.js";
import { argsOf, inputHashesOf } from "./step-inputs.js";
import { afterFailedAttempt, blockedBy } from "./transitions.js";
import { holdLimits, limitStoreOr } from "./limits.js";
import { storeOutput } from "./store-output.js";

/**
 * A ready step, to its end: skipped when an upstream failed or was skipped, reused when a completion
 * matches the key only known now, else its `when`, its "running" record, its attempts (retried while
 * retryable) and, after the last failure, its `onFailure` fallback. Settles the step on every way out.
 */
export async function runStep(run: RunState, state: StepState): Promise<void> {
  const blocked = blockedBy(state.node, (index) => run.states[index]!);
  if (blocked) return run.settle(state, "skipped", blocked);
  const { node } = state;
  const def = node.def;
  const pendingArgs = argsOf(
    state,
    run.states,
    run.options.paramsByNode[state.node.index]!,
    run.loader,
  );
  const args = isPromise(pendingArgs) ? await pendingArgs : pendingArgs;
  if (
    state.planned.status === "pending" &&
    state.planned.reason !== "forced" &&
    def.cache &&
    state.planned.cacheKey === undefined
  ) {
    // The plan could not know this key (an upstream had to run first): check it now.
    const inputHashes = inputHashesOf(state, run.states);
    state.cacheKey = cacheKeyOf(
      run.options.graph.pipeline,
      node,
      state.planned.paramsHash,
      inputHashes,
    );
    const found = run.options.plan.completionAt
      ? run.options.plan.completionAt(state.cacheKey)
      : run.options.stores.completions.findCompletion(state.cacheKey);
    const completion = isPromise(found) ? await found : found;
    if (completion && completion.invalidatedAt === undefined && !completion.itemsFailed) {
      state.cached = true;
      state.completionKey = completion.cacheKey;
      state.ref = completion.output;
      state.fieldHashes = completion.fieldHashes;
      return run.settle(state, "succeeded", state.reason);
    }
  } else if (state.cacheKey === undefined) {
    state.cacheKey = cacheKeyOf(
      run.options.graph.pipeline,
      node,
      state.planned.paramsHash,
      inputHashesOf(state, run.states),
    );
  }

  let logger: StepLogger | undefined;
  const log = () => (logger ??= run.loggerFor(node.name));
  if (def.when) {
    const ctx = new Context(
      run.runId,
      node.name,
      0,
      new AttemptControl(),
      log,
      undefined,
      def.filePaths,
    );
    let go: boolean;
    try {
      const answer = def.when(args as never, ctx);
      go = isPromise(answer) ? await answer : answer;
    } catch (error) {
      return run.settle(
        state,
        "failed",
        state.reason,
        wrapError(error, node.name, run.runId, "its `when` condition threw"),
      );
    }
    if (!go) return run.settle(state, "skipped", "condition-false");
  }
  if (!def.concurrency) return runBody(run, state, args, log);
  let giveBack: () => Promise<void>;
  try {
    giveBack = await holdLimits(
      limitStoreOr(run.options.stores.limits),
      [{ ...def.concurrency, label: def.concurrency.key }],
      `${run.runId}/${node.name}`,
      {
        signal: run.runControl.signal,
        onWaiting: (waitingOn) => waitFor(run, state, waitingOn),
        announceAfterMs: WAITING_SHOWN_AFTER_MS,
      },
    );
  } catch (error) {
    if (run.cancelled) return run.settle(state, "cancelled", "cancelled");
    return run.settle(
      state,
      "failed",
      state.reason,
      wrapError(error, node.name, run.runId, "waiting for its concurrency limit"),
    );
  }
  state.waitingOn = undefined;
  try {
    return await runBody(run, state, args, log);
  } finally {
    // Not waited for: the step's dependents need not wait for the slot's return to be committed
    // (it is queued before their own asks); the run's end waits for it.
    run.track(giveBack(), state);
  }
}

/** A step shows `waiting` once it waited this long for a limit's slot (a shorter wait is not worth a record). */
const WAITING_SHOWN_AFTER_MS = 50;

/** Records and announces that the step waits for a limit's slot. */
function waitFor(run: RunState, state: StepState, waitingOn: string): void {
  if (state.status !== "pending") return;
  state.status = "waiting";
  state.waitingOn = waitingOn;
  run.emit("step:waiting", { runId: run.runId, step: state.node.name, waitingOn });
  run.track(run.options.stores.runs.putSteps([recordOf(run.runId, state)]), state);
}

/** The step's "running" record, its attempts, and after the last failure its fallback. */
async function runBody(
  run: RunState,
  state: StepState,
  args: Record<string, unknown>,
  log: () => StepLogger,
): Promise<void> {
  const { node } = state;
  const def = node.def;
  state.status = "running";
  state.startedAt = Date.now();
  const recorded = run.options.stores.runs.putSteps([recordOf(run.runId, state)]);
  if (run.options.durability === "batched") {
    // Not waited for: the body may run before its inputs' writes and its own "running" record are
    // committed (a step that ends within the batch then writes one record).
    run.track(recorded, state);
  } else if (isPromise(recorded)) {
    // Committed before the body starts: a crash shows the step as the one that was running, and
    // the inputs' writes, queued before it, are committed too.
    await recorded;
  }
  let lastError: SluiceError | undefined;
  for (let attempt = 1; attempt <= def.retry.attempts; attempt++) {
    const slot = run.slots.acquire();
    if (isPromise(slot)) await slot;
    if (run.cancelled) {
      run.slots.release();
      return run.settle(state, "cancelled", "cancelled");
    }
    state.attempts = attempt;
    const pending = runAttempt(run, state, args, attempt, log);
    const outcome = isPromise(pending) ? await pending : pending;
    run.slots.release();
    if (outcome === undefined) return run.settle(state, "succeeded", state.reason);
    if (run.cancelled) return run.settle(state, "cancelled", "cancelled");
    lastError = outcome;
    const next = afterFailedAttempt(def.retry, def.onFailure !== undefined, attempt, lastError);
    if (next.next === "retry") {
      const { delayMs } = next;
      log().warn(
        `attempt ${attempt} failed: ${lastError.message}; retrying in ${Math.round(delayMs)} ms`,
      );
      run.emit("step:retry", {
        runId: run.runId,
        step: node.name,
        attempt,
        delayMs,
        error: run.serialized(lastError),
      });
      try {
        await sleep(delayMs, run.runControl.signal);
      } catch {
        return run.settle(state, "cancelled", "cancelled");
      }
      continue;
    }
    break;
  }
  const error = lastError!;
  if (def.onFailure) {
    const ctx = new Context(
      run.runId,
      node.name,
      state.attempts,
      run.runControl,
      log,
      undefined,
      def.filePaths,
    );
    try {
      const value = await def.onFailure(args as never, error, ctx);
      checkOutput(state.node.def, value, run.runId);
      // A fallback value is returned but not recorded as this step's completed output: the next run retries the step.
      const stored = storeOutput(run, state, value, false);
      if (isPromise(stored)) await stored;
      state.fallback = true;
      state.error = run.serialized(error);
      return run.settle(state, "succeeded", state.reason);
    } catch (fallbackError) {
      return run.settle(
        state,
        "failed",
        state.reason,
        wrapError(fallbackError, node.name, run.runId, "its onFailure fallback threw"),
      );
    }
  }
  return run.settle(state, "failed", state.reason, error);
}
