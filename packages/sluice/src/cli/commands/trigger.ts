import pc from "picocolors";
import { SluiceError } from "../../core/index.js";
import type { wire } from "@sluice/client";
import { formatDuration } from "../../engine/index.js";
import { homeStores, runDetailJson } from "../../runtime/index.js";
import { checkFlowVersion, loadWorkspace } from "../../flows/index.js";
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
  config?: string;
  home?: string;
}

/**
 * Triggers a flow by name: on the server given by --server / SLUICE_SERVER (waiting with --wait), or,
 * without one, runs the workspace's flow here (which always waits: this process runs it).
 */
export async function triggerCommand(flow: string, options: TriggerCommandOptions): Promise<number> {
  const params = parseParamArgs(options.param ?? []);
  const server = await remoteProject(options);
  let run: wire.RunDetail | wire.TriggerResponse;
  if (server) {
    const started = await remote(() => server.flow(flow).trigger({ params, ...(options.flowVersion ? { version: options.flowVersion } : {}), ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) }));
    if (!options.json) process.stderr.write(`Triggered run ${started.runId} of ${flow} (${started.flow?.version ?? "?"}) in project "${server.key}"${started.created ? "" : " (an earlier run with this idempotency key)"}.\n`);
    run = options.wait ? await remote(() => server.runs.wait(started.runId, { noFail: true })) : started;
  } else {
    run = await runHere(flow, params, options);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else if ("steps" in run) {
    const line = `Run ${run.runId}: ${run.status}${run.durationMs === null ? "" : ` in ${formatDuration(run.durationMs)}`}`;
    process.stdout.write(`${run.status === "succeeded" ? pc.green(line) : pc.red(line)}\n`);
    if (run.firstFailure) process.stderr.write(pc.red(`First failure: step "${run.firstFailure.step ?? "-"}" [${run.firstFailure.error.code}]: ${run.firstFailure.error.message}\n`));
  } else process.stdout.write(`${run.runId}\n`);
  if (!("steps" in run)) return EXIT.ok;
  if (run.status === "cancelled") return EXIT.interrupted;
  return run.status === "succeeded" ? EXIT.ok : EXIT.failed;
}

async function runHere(flow: string, params: Record<string, unknown>, options: TriggerCommandOptions): Promise<wire.RunDetail> {
  const workspace = await loadWorkspace(options.config);
  const found = workspace.flows.get(flow);
  if (!found) throw new SluiceError("not-found", `No flow "${flow}" in project "${workspace.project}" (${workspace.configPath}). Flows: ${[...workspace.flows.keys()].join(", ")}.`);
  checkFlowVersion(found, options.flowVersion);
  const { definition } = found;
  const stores = await homeStores(options.home);
  const interrupt = cancelOnInterrupt();
  try {
    const result = await found.pipeline.run({
      params,
      stores,
      signal: interrupt.signal,
      project: workspace.project,
      flow: { version: definition.version, hash: definition.hash },
      source: { file: found.file, exportName: found.exportName },
      loadOutputs: "ran",
    });
    const stored = (await stores.runs.getRun(result.runId))!;
    return runDetailJson(stored.run, stored.steps) as wire.RunDetail;
  } finally {
    interrupt.dispose();
  }
}
