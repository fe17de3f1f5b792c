import pc from "picocolors";
import { RUN_STATUSES, SluiceError, type RunStatus } from "../../core/index.js";
import type { wire } from "@sluice/client";
import { formatDuration } from "../../engine/index.js";
import {
  stackName,
  homeStores,
  compareRuns,
  diffRuns,
  logJson,
  metricsOfRuns,
  parseAge,
  runDetailJson,
  runJson,
  type ComparedRun,
} from "../../runtime/index.js";
import type { RunFilter } from "../../store/index.js";
import { EXIT, usageError } from "../exit.js";
import type { ProjectClient } from "@sluice/client";
import { remote, remoteProject, type RemoteOptions } from "../remote.js";
import { table } from "../table.js";
import { httpSection } from "../http-exchange-text.js";

interface HomeOption extends RemoteOptions {
  home?: string;
  json?: boolean;
}

export async function runsCommand(
  options: HomeOption & {
    pipeline?: string;
    status?: string;
    trigger?: string;
    since?: string;
    limit?: string;
    metrics?: boolean;
    tree?: boolean;
  },
): Promise<number> {
  const filter = runFilterOf(options);
  const server = await remoteProject(options);
  if (options.metrics) return runsWithMetrics(options, filter, server);
  const list: wire.RunSummary[] = server
    ? await remote(() => server.runs.list(remoteFilter(filter)))
    : (await (await homeStores(options.home, { recover: false })).runs.listRuns(filter)).map(
        runJson,
      );
  const shown = options.tree ? asTree(list) : list.map((run) => ({ run, depth: 0 }));
  if (options.json) {
    const runs = options.tree ? nested(list) : list;
    process.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (list.length === 0) {
    process.stdout.write(
      `No runs in ${server ? `project "${server.key}"` : await stackName(options.home)}.\n`,
    );
    return EXIT.ok;
  }
  const rows = shown.map(({ run, depth }) => [
    `${depth > 0 ? `${"  ".repeat(depth - 1)}└ ` : ""}${run.runId}`,
    run.pipeline,
    statusText(run),
    run.startedAt.replace("T", " ").slice(0, 19),
    run.durationMs === null ? "-" : formatDuration(run.durationMs),
  ]);
  process.stdout.write(
    `${table(["RUN", "PIPELINE", "STATUS", "STARTED (UTC)", "DURATION"], rows)}\n`,
  );
  return EXIT.ok;
}

export async function showCommand(
  runId: string,
  options: HomeOption & { http?: boolean },
): Promise<number> {
  const detail = await runDetail(runId, options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines: string[] = [];
  const { firstFailure } = detail;
  if (firstFailure) {
    lines.push(
      pc.red(
        `First failure: ${firstFailure.step ? `step "${firstFailure.step}" ` : ""}[${firstFailure.error.code}]: ${firstFailure.error.message}`,
      ),
    );
    if (firstFailure.error.stack)
      lines.push(pc.dim(firstFailure.error.stack.split("\n").slice(1, 6).join("\n")), "");
  }
  lines.push(`Run ${detail.runId} of pipeline "${detail.pipeline}": ${statusText(detail)}`);
  lines.push(
    `Started ${detail.startedAt}${detail.durationMs === null ? "" : `, took ${formatDuration(detail.durationMs)}`}`,
  );
  if (detail.trigger?.parentRunId)
    lines.push(
      `Started by run ${detail.trigger.parentRunId} (its step "${detail.trigger.parentStep ?? "?"}")`,
    );
  if (detail.context) lines.push(`Context ${detail.context}`);
  if (Object.keys(detail.params).length > 0) lines.push(`Params ${JSON.stringify(detail.params)}`);
  lines.push("");
  const rows = detail.steps.map((step) => [
    step.name,
    step.status +
      (step.cached ? " (cached)" : "") +
      (step.fallback ? " (fallback)" : "") +
      (step.waitingOn ? ` (${step.waitingOn})` : ""),
    step.reason,
    String(step.attempts),
    step.durationMs === undefined ? "-" : formatDuration(step.durationMs),
    step.cacheKey ? step.cacheKey.slice(0, 12) : "-",
    step.output
      ? `${step.output.kind}:${step.output.hash.slice(0, 12)} (${step.output.size} B)`
      : "-",
  ]);
  lines.push(
    table(["STEP", "STATUS", "REASON", "ATTEMPTS", "DURATION", "CACHE KEY", "OUTPUT"], rows),
  );
  lines.push(...httpSection(detail.steps, options.http === true));
  if (detail.children && detail.children.length > 0) {
    lines.push("", "Child runs (started by runFlow steps):");
    lines.push(
      table(
        ["STEP", "RUN", "FLOW", "STATUS"],
        detail.children.map((child) => [
          child.parentStep ?? "-",
          child.runId,
          child.pipeline,
          child.status,
        ]),
      ),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

export async function logsCommand(
  runId: string,
  step: string | undefined,
  options: HomeOption & { tail?: string },
): Promise<number> {
  const tail = options.tail === undefined ? undefined : Number(options.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 1))
    throw usageError(`--tail must be a whole number of at least 1, got "${options.tail}".`);
  const server = await remoteProject(options);
  let logs: wire.LogLine[];
  if (server) {
    logs = await remote(() => server.log(runId, { step, tail }));
  } else {
    const { runs } = await homeStores(options.home, { recover: false });
    const found = await runs.getRun(runId);
    if (!found)
      throw new SluiceError(
        "not-found",
        `No run ${runId} in ${await stackName(options.home)}. List runs with: sluice runs`,
      );
    if (step !== undefined && !found.steps.some((s) => s.step === step)) {
      throw new SluiceError(
        "not-found",
        `Run ${runId} has no step "${step}". Its steps: ${found.steps.map((s) => s.step).join(", ")}.`,
      );
    }
    logs = (await runs.readLogs(runId, { step, tail })).map(logJson);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runId, logs }, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const log of logs)
    process.stdout.write(
      `${log.time} ${pc.dim(`[${log.step ?? "-"}]`)} ${log.level.padEnd(5)} ${log.message}\n`,
    );
  return EXIT.ok;
}

/** `--tree`: each listed run followed by the listed runs it started (runFlow), indented by depth. */
function asTree(list: wire.RunSummary[]): Array<{ run: wire.RunSummary; depth: number }> {
  const listed = new Set(list.map((run) => run.runId));
  const childrenOf = new Map<string, wire.RunSummary[]>();
  for (const run of list)
    if (run.parentRunId && listed.has(run.parentRunId))
      childrenOf.set(run.parentRunId, [...(childrenOf.get(run.parentRunId) ?? []), run]);
  const shown: Array<{ run: wire.RunSummary; depth: number }> = [];
  const visit = (run: wire.RunSummary, depth: number) => {
    shown.push({ run, depth });
    for (const child of [...(childrenOf.get(run.runId) ?? [])].reverse()) visit(child, depth + 1);
  };
  for (const run of list) if (!run.parentRunId || !listed.has(run.parentRunId)) visit(run, 0);
  return shown;
}

/** `--tree --json`: the roots, each with `children` nested (oldest child first). */
function nested(list: wire.RunSummary[]): unknown[] {
  const roots: Array<Record<string, unknown>> = [];
  const byId = new Map<string, Record<string, unknown> & { children: unknown[] }>();
  for (const { run, depth } of asTree(list)) {
    const node = { ...run, children: [] as unknown[] };
    byId.set(run.runId, node);
    if (depth === 0) roots.push(node);
    else byId.get(run.parentRunId!)!.children.push(node);
  }
  return roots;
}

const TRIGGER_KINDS = ["manual", "api", "schedule", "parent", "event"] as const;

/** `sluice runs`' filter from its options, each checked with an error that names the option. */
function runFilterOf(options: {
  pipeline?: string;
  status?: string;
  trigger?: string;
  since?: string;
  limit?: string;
}): RunFilter & { limit: number } {
  if (
    options.status !== undefined &&
    !(RUN_STATUSES as readonly string[]).includes(options.status)
  ) {
    throw usageError(
      `--status must be one of ${RUN_STATUSES.join(", ")}; got "${options.status}".`,
    );
  }
  if (
    options.trigger !== undefined &&
    !(TRIGGER_KINDS as readonly string[]).includes(options.trigger)
  ) {
    throw usageError(
      `--trigger must be one of ${TRIGGER_KINDS.join(", ")}; got "${options.trigger}".`,
    );
  }
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError(`--limit must be a whole number of at least 1, got "${options.limit}".`);
  return {
    ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
    ...(options.status !== undefined ? { status: options.status as RunStatus } : {}),
    ...(options.trigger !== undefined
      ? { trigger: options.trigger as (typeof TRIGGER_KINDS)[number] }
      : {}),
    ...(options.since !== undefined
      ? { since: Date.now() - parseAge(options.since, "--since") }
      : {}),
    limit,
  };
}

/** The same filter as the API takes it. */
function remoteFilter(filter: RunFilter & { limit: number }) {
  return {
    flow: filter.pipeline,
    status: filter.status,
    trigger: filter.trigger,
    since: filter.since === undefined ? undefined : new Date(filter.since).toISOString(),
    limit: filter.limit,
  };
}

/** Runs with their metrics, one column per metric (named by metric, or step.metric when two steps share a name). */
async function runsWithMetrics(
  options: HomeOption,
  filter: RunFilter & { limit: number },
  server: ProjectClient | undefined,
): Promise<number> {
  let runs: wire.RunSummary[];
  const metrics = new Map<string, Record<string, Record<string, number>>>();
  if (server) {
    runs = await remote(() => server.runs.list(remoteFilter(filter)));
    for (const run of runs)
      metrics.set(run.runId, await remote(() => server.runs.metrics(run.runId)));
  } else {
    const stores = await homeStores(options.home, { recover: false });
    const records = await stores.runs.listRuns(filter);
    runs = records.map(runJson);
    for (const [runId, values] of await metricsOfRuns(
      stores,
      records.map((r) => r.runId),
    ))
      metrics.set(runId, values);
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ runs: runs.map((run) => ({ ...run, metrics: metrics.get(run.runId) ?? {} })) }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const keys = new Map<string, { step: string; name: string }>();
  for (const byStep of metrics.values())
    for (const [step, values] of Object.entries(byStep))
      for (const name of Object.keys(values)) keys.set(`${step}\u0000${name}`, { step, name });
  const columns = [...keys.values()];
  const shared = (name: string) => columns.filter((c) => c.name === name).length > 1;
  const header = [
    "RUN",
    "PIPELINE",
    "STATUS",
    ...columns.map((c) => (shared(c.name) ? `${c.step}.${c.name}` : c.name)),
  ];
  const rows = runs.map((run) => [
    run.runId,
    run.pipeline,
    statusText(run),
    ...columns.map((c) => formatMetric(metrics.get(run.runId)?.[c.step]?.[c.name])),
  ]);
  process.stdout.write(`${rows.length === 0 ? "No runs." : table(header, rows)}\n`);
  return EXIT.ok;
}

function formatMetric(value: number | undefined | null): string {
  if (value === undefined || value === null) return "-";
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, "");
}

/** What differs between two runs: params, metrics, the definition, and which steps differed. */
export async function compareCommand(a: string, b: string, options: HomeOption): Promise<number> {
  const server = await remoteProject(options);
  const diff = server
    ? diffRuns(await comparedRun(server, a), await comparedRun(server, b))
    : await compareRuns(await homeStores(options.home, { recover: false }), a, b);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `A ${a} (${diff.a.pipeline}, ${diff.a.status})`,
    `B ${b} (${diff.b.pipeline}, ${diff.b.status})`,
    "",
  ];
  if (!diff.definition.same)
    lines.push(
      `Definition: ${diff.definition.a?.version ?? "?"} (${diff.definition.a?.hash.slice(0, 12) ?? "?"}) -> ${diff.definition.b?.version ?? "?"} (${diff.definition.b?.hash.slice(0, 12) ?? "?"})`,
      "",
    );
  lines.push(
    diff.params.length === 0
      ? "Params: the same"
      : table(
          ["PARAM", "A", "B"],
          diff.params.map((p) => [p.name, JSON.stringify(p.a), JSON.stringify(p.b)]),
        ),
    "",
  );
  lines.push(
    diff.metrics.length === 0
      ? "Metrics: none"
      : table(
          ["STEP", "METRIC", "A", "B", "DELTA"],
          diff.metrics.map((m) => [
            m.step,
            m.name,
            formatMetric(m.a),
            formatMetric(m.b),
            m.delta === null ? "-" : (m.delta > 0 ? "+" : "") + formatMetric(m.delta),
          ]),
        ),
    "",
  );
  const sideText = (
    s: { status: string; cached: boolean; cacheKey: string | null; output: string | null } | null,
  ) =>
    s === null
      ? "(absent)"
      : `${s.status}${s.cached ? " (cached)" : ""}${s.cacheKey ? ` key ${s.cacheKey.slice(0, 12)}` : ""}${s.output ? ` output ${s.output.slice(0, 12)}` : ""}`;
  lines.push(
    diff.steps.length === 0
      ? "Steps: all the same"
      : table(
          ["STEP DIFFERING", "A", "B"],
          diff.steps.map((s) => [s.step, sideText(s.a), sideText(s.b)]),
        ),
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

/** A run of the server as `compare` reads it: its full status and its metrics. */
async function comparedRun(server: ProjectClient, runId: string): Promise<ComparedRun> {
  return {
    detail: await remote(() => server.runs.get(runId)),
    metrics: await remote(() => server.runs.metrics(runId)),
  };
}

async function runDetail(runId: string, options: HomeOption): Promise<wire.RunDetail> {
  const server = await remoteProject(options);
  if (server) return remote(() => server.runs.get(runId));
  const { runs } = await homeStores(options.home, { recover: false });
  const found = await runs.getRun(runId);
  if (!found)
    throw new SluiceError(
      "not-found",
      `No run ${runId} in ${await stackName(options.home)}. List runs with: sluice runs`,
    );
  const children = (await runs.listRuns({ parentRunId: runId })).reverse();
  return runDetailJson(found.run, found.steps, children) as wire.RunDetail;
}

function statusText(run: { status: string; reason?: string; waitingOn?: string }): string {
  const why = run.reason ?? run.waitingOn;
  return why ? `${run.status} (${why})` : run.status;
}
