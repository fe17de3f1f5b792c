/**
 * A unit of a step's map items or dynamic children (fan-out.ts), executed by a worker that took its
 * job: the items run the engine's way (map-step.ts), or the dynamic body runs again to build the
 * children and the unit's child runs (dynamic-step.ts). Records, outputs, completions and logs are
 * written as in a whole run; the records come back as the unit's result. A problem before the items
 * or child run (an artifact missing, the dynamic body throwing) fails them, so the step's own job,
 * gathering, never waits on a unit that cannot end.
 */
import { decodeValue } from "../artifacts/index.js";
import { isPromise, serializeError, SluiceError } from "../core/index.js";
import { AttemptControl } from "../executors/index.js";
import type { StepRunRecord } from "../store/index.js";
import { childGraph, expansionSteps, runChildUnit } from "./dynamic-step.js";
import type { ClaimedUnit, UnitResult } from "./fan-out.js";
import { runMapUnit } from "./map-step.js";
import { childRun } from "./step-attempt.js";
import { argsOf } from "./step-inputs.js";
import { closeJobRun, jobRun, type StepJob, type StepJobRun } from "./step-job.js";
import type { StepState } from "./step-state.js";

export interface UnitJob extends Omit<StepJob, "planned" | "fanOut"> {
  unit: ClaimedUnit;
}

export async function executeUnitJob(job: UnitJob): Promise<UnitResult> {
  const control = new AttemptControl();
  const onAbort = () => control.abort(new SluiceError("cancelled", "The run was cancelled."));
  if (job.signal?.aborted) onAbort();
  else job.signal?.addEventListener("abort", onAbort, { once: true });
  let run: StepJobRun | undefined;
  try {
    const made = jobRun(job, undefined);
    run = made.run;
    return { records: await runUnit(job, made.run, made.state, control) };
  } catch (error) {
    const records = failedUnit(job, error);
    await job.stores.runs.putSteps(records);
    return { records };
  } finally {
    job.signal?.removeEventListener("abort", onAbort);
    if (run) await closeJobRun(run);
  }
}

async function runUnit(
  job: UnitJob,
  run: StepJobRun,
  state: StepState,
  control: AttemptControl,
): Promise<StepRunRecord[]> {
  const { unit } = job;
  const def = state.node.def;
  const child = childRun(run, state, control);
  if (unit.input.kind === "map") {
    const input = unit.input;
    const encoded = await job.stores.artifacts.get(input.items);
    if (!encoded)
      throw new SluiceError(
        "store-corrupt",
        `The items of map "${job.step}" (${input.items.hash}) are missing from the artifact store.`,
      );
    const items = (await decodeValue(encoded)) as unknown[];
    return runMapUnit(
      {
        ...child,
        spec: def.map!,
        body: def.run,
        isAsync: def.isAsync,
        fingerprint: def.fingerprint,
        paramsHash: input.paramsHash,
        params: job.params,
      },
      input.indices,
      items,
    );
  }
  const input = unit.input;
  const pendingArgs = argsOf(state, run.states, job.params, run.loader);
  const args = isPromise(pendingArgs) ? await pendingArgs : pendingArgs;
  const built = await run.executor.execute({
    step: job.step,
    body: def.run,
    args,
    ctx: child.contextOf(job.step, 1, control),
    control,
    timeoutMs: def.timeoutMs,
  });
  const graph = childGraph(child, expansionSteps(job.step, built));
  const outcome = await runChildUnit(
    { ...child, parentKey: input.parentKey },
    graph,
    graph.byName.get(unit.key),
    unit.key,
    input,
    (key) => job.stores.completions.findCompletion(key),
  );
  return [outcome.record];
}

/** The records of a unit that could not run: each of its items (or its child) failed with the error. */
function failedUnit(job: UnitJob, thrown: unknown): StepRunRecord[] {
  const { stack: _stack, ...error } = serializeError(thrown);
  const now = Date.now();
  const names =
    job.unit.input.kind === "map"
      ? job.unit.input.indices.map((index) => `${job.step}[${index}]`)
      : [`${job.step}/${job.unit.key}`];
  return names.map((name) => ({
    runId: job.runId,
    step: name,
    identity: name,
    status: "failed",
    reason: "missing-output",
    cached: false,
    attempts: 0,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    error,
  }));
}
