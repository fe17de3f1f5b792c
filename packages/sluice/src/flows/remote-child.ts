/**
 * A `runFlow` child on a sluice server (the run's `childRuns` server, else the workspace's `server`):
 * triggered through the HTTP API with the credentials of the process running the parent
 * (SLUICE_API_KEY), under the same idempotency key as a local child, and linked to its parent
 * (`parent` in the trigger body). With `wait`, the parent waits for it (a cancelled parent cancels
 * it), resumes it when a retry finds it failed, and takes its outputs, read back through the API.
 */
import { SluiceApiError, SluiceClient, type ProjectClient, type wire } from "@sluice/client";
import { SluiceError, type StepContext } from "../core/index.js";
import { decodeValue, type EncodedValue } from "../artifacts/index.js";
import type { RunServices } from "../engine/index.js";
import type { ChildRunOutput } from "./run-flow.js";
import type { Workspace } from "./workspace.js";

export interface RemoteChild {
  server: { url: string; apiKey?: string; project?: string };
  workspace: Workspace;
  flow: string;
  params: Record<string, unknown>;
  version?: string;
  idempotencyKey: string;
  wait: boolean;
}

export async function runRemoteChild(
  child: RemoteChild,
  services: RunServices,
  ctx: StepContext,
): Promise<ChildRunOutput> {
  const { server, flow } = child;
  const client = new SluiceClient({
    baseUrl: server.url,
    apiKey: server.apiKey ?? process.env.SLUICE_API_KEY,
  });
  const project = client.project(server.project ?? child.workspace.project);
  const api = <T>(what: string, call: () => Promise<T>) => viaApi(server.url, flow, what, call);
  const started = await api("trigger", () =>
    project.flow(flow).trigger({
      params: child.params,
      ...(child.version === undefined ? {} : { version: child.version }),
      idempotencyKey: child.idempotencyKey,
      parent: { runId: services.runId, step: ctx.step },
    }),
  );
  ctx.log.info(
    `${started.created ? "started" : "continuing"} run ${started.runId} of flow "${flow}" on ${server.url}`,
  );
  if (!started.created && (started.status === "failed" || started.status === "cancelled"))
    await api("resume", () => project.runs.resume(started.runId));
  if (!child.wait) return { runId: started.runId, status: started.status, outputs: {} };
  const onAbort = () => void project.runs.cancel(started.runId).catch(() => undefined);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  let detail: wire.RunDetail;
  services.setWaiting(ctx.step, `child run ${started.runId} on ${server.url}`);
  try {
    detail = await services.withoutRunSlots(() =>
      api("wait", () =>
        project.runs.wait(started.runId, {
          noFail: true,
          signal: ctx.signal,
          maxPollIntervalMs: 500,
        }),
      ),
    );
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    services.setWaiting(ctx.step, undefined);
  }
  if (detail.status !== "succeeded") {
    const first = detail.firstFailure;
    throw new SluiceError(
      "step-failed",
      `Run ${detail.runId} of flow "${flow}" on ${server.url} ${detail.status}${first ? `: step "${first.step ?? "?"}": ${first.error.message}` : ""}`,
      { step: ctx.step, details: { childRunId: detail.runId, status: detail.status } },
    );
  }
  return {
    runId: detail.runId,
    status: detail.status,
    outputs: await lastOutputs(project, detail, child.workspace.flows.get(flow)),
  };
}

/**
 * The outputs of the child's last steps, read through the API: those no other step reads when the
 * flow's code is in this workspace, else every step's.
 */
async function lastOutputs(
  project: ProjectClient,
  run: wire.RunDetail,
  local: Workspace["flows"] extends Map<string, infer F> ? F | undefined : never,
): Promise<Record<string, unknown>> {
  const graph = local?.pipeline.graph();
  const outputs: Record<string, unknown> = {};
  for (const step of run.steps) {
    if (!step.output) continue;
    const node = graph?.byName.get(step.name);
    if (graph && (!node || node.dependents.length > 0)) continue;
    const bytes = await project.artifact(step.output.hash).download();
    const encoded: EncodedValue =
      step.output.kind === "json"
        ? { kind: "json", text: new TextDecoder().decode(bytes) }
        : { kind: step.output.kind, bytes };
    outputs[step.name] = await decodeValue(encoded, node?.def.serializer);
  }
  return outputs;
}

/** An API call of a remote child: a failed or unreachable server fails the step, naming both. */
async function viaApi<T>(
  url: string,
  flow: string,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SluiceApiError)) throw error;
    const http = error.status === 0 ? "" : ` (HTTP ${error.status})`;
    throw new SluiceError(
      error.status === 0 && error.code === "unreachable" ? "unreachable" : "step-failed",
      `runFlow("${flow}"): the ${what} on ${url} failed${http}: ${error.message}`,
      { details: { server: url, code: error.code } },
    );
  }
}
