import pc from "picocolors";
import type { wire } from "@sluice/client";
import { formatDuration, shownRun } from "../../engine/index.js";
import { openHome, runDetailJson } from "../../runtime/index.js";
import {
  loadWorkspace,
  notificationsDelivered,
  queueTrigger,
  startQueued,
} from "../../flows/index.js";
import { EXIT } from "../exit.js";
import { cancelOnInterrupt } from "../interrupt.js";
import { parseParamArgs } from "../param-args.js";
import { remote, remoteProject, type RemoteOptions } from "../remote.js";

export interface TriggerCommandOptions extends RemoteOptions {
  param?: string[];
  wait?: boolean;
  json?: boolean;
  idempotencyKey?: string;
  flowVersion?: string;
  context?: string;
  config?: string;
  home?: string;
}

/**
 * Triggers a flow by name: on the server given by --server / SLUICE_SERVER (waiting with --wait), or,
 * without one, runs the workspace's flow here (which always waits: this process runs it).
 */
export async function triggerCommand(
  flow: string,
  options: TriggerCommandOptions,
): Promise<number> {
  const params = parseParamArgs(options.param ?? []);
  const server = await remoteProject(options);
  let run: wire.RunDetail | wire.TriggerResponse;
  if (server) {
    const started = await remote(() =>
      server.flow(flow).trigger({
        params,
        ...(options.context ? { context: options.context } : {}),
        ...(options.flowVersion ? { version: options.flowVersion } : {}),
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      }),
    );
    if (!options.json)
      process.stderr.write(
        `Triggered run ${started.runId} of ${flow} (${started.flow?.version ?? "?"}) in project "${server.key}"${started.created ? "" : " (an earlier run with this idempotency key)"}.\n`,
      );
    run = options.wait
      ? await remote(() => server.runs.wait(started.runId, { noFail: true }))
      : started;
  } else {
    run = await runHere(flow, params, options);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else if ("steps" in run) {
    const line = `Run ${run.runId}: ${run.status}${run.durationMs === null ? "" : ` in ${formatDuration(run.durationMs)}`}`;
    process.stdout.write(`${run.status === "succeeded" ? pc.green(line) : pc.red(line)}\n`);
    if (run.firstFailure)
      process.stderr.write(
        pc.red(
          `First failure: step "${run.firstFailure.step ?? "-"}" [${run.firstFailure.error.code}]: ${run.firstFailure.error.message}\n`,
        ),
      );
  } else process.stdout.write(`${run.runId}\n`);
  if (!("steps" in run)) return EXIT.ok;
  if (run.status === "cancelled") return EXIT.interrupted;
  return run.status === "succeeded" ? EXIT.ok : EXIT.failed;
}

/**
 * Runs the workspace's flow in this process, through the same trigger path as the server (checked,
 * queued with its idempotency key, then started); the same key again shows the earlier run.
 */
async function runHere(
  flow: string,
  params: Record<string, unknown>,
  options: TriggerCommandOptions,
): Promise<wire.RunDetail> {
  const workspace = await loadWorkspace(options.config);
  const home = await openHome(options.home);
  const interrupt = cancelOnInterrupt();
  try {
    const request = {
      params,
      trigger: { kind: "manual" as const },
      ...(options.context ? { context: options.context } : {}),
      ...(options.flowVersion ? { version: options.flowVersion } : {}),
    };
    const queued = await queueTrigger(
      workspace,
      { runs: home.runs, triggers: home.serverTables },
      flow,
      request,
      options.idempotencyKey,
    );
    if (!queued.created && !options.json)
      process.stderr.write(
        `Run ${queued.run.runId} was triggered earlier with this idempotency key; showing it.\n`,
      );
    if (queued.created)
      await startQueued(queued, { stores: home.stores, signal: interrupt.signal });
    const stored = (await home.runs.getRun(queued.run.runId))!;
    return runDetailJson(shownRun(stored.run), stored.steps) as wire.RunDetail;
  } finally {
    interrupt.dispose();
    await notificationsDelivered();
    home.close();
  }
}
