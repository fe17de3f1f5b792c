// A run, live: its first failure at the top, the graph coloured by step status, the steps table, the
// selected step's log lines; server-sent events (read with fetch, the key in a header) refresh it as
// they come, so nothing polls. Cancel and resume for a key that may act.
import type { LogLine, RunDetail, ServerEvent } from "@sluice/client";
import { useEffect, useMemo, useState } from "react";
import { ErrorBox, Link, Status, duration, time } from "../components.js";
import { parentOf } from "../graph/collapse.js";
import { FlowGraph } from "../graph/FlowGraph.js";
import { Timeline } from "../timeline-view.js";
import { StepDetail } from "./StepDetail.js";
import { applyEvent, needsRead } from "../live-run.js";
import { navigate } from "../router.js";
import { noteFailure, type Session } from "../session.js";

export function RunPage({
  session,
  runId,
  step,
  line,
}: {
  session: Session;
  runId: string;
  step?: string;
  line?: number;
}) {
  const project = session.client.project(session.me.project);
  const [run, setRun] = useState<RunDetail>();
  const [error, setError] = useState<unknown>();
  const [events, setEvents] = useState(0);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [metrics, setMetrics] = useState<Record<string, Record<string, number>>>({});
  const [graph, setGraph] = useState<Array<{ name: string; deps: string[] }>>();

  useEffect(() => {
    const controller = new AbortController();
    let refreshing = false;
    let again = false;
    // One read at a time; events that come meanwhile ask for one more.
    const refresh = async () => {
      if (refreshing) return void (again = true);
      refreshing = true;
      try {
        do {
          again = false;
          setRun(await project.runs.get(runId));
        } while (again);
      } catch (failure) {
        noteFailure(failure);
        setError(failure);
      } finally {
        refreshing = false;
      }
    };
    void refresh();
    void (async () => {
      try {
        // Events are applied once per animation frame, however fast they come: the page keeps up.
        let queued: ServerEvent[] = [];
        let frame = 0;
        const flush = () => {
          frame = 0;
          const batch = queued;
          queued = [];
          setEvents((n) => n + batch.length);
          setRun((current) => (current ? batch.reduce(applyEvent, current) : current));
          // Run events (start, end, queueing) need the run read again.
          if (batch.some(needsRead)) void refresh();
        };
        for await (const event of project.runs.events(runId, { signal: controller.signal })) {
          queued.push(event);
          frame ||= requestAnimationFrame(flush);
        }
        if (frame) cancelAnimationFrame(frame);
        if (queued.length > 0) flush();
        void refresh();
      } catch (failure) {
        if (!controller.signal.aborted) noteFailure(failure);
        setError(failure);
      }
    })();
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId]);

  useEffect(() => {
    if (!step) return setLogs([]);
    let current = true;
    project.log(runId, { step }).then(
      (lines) => current && setLogs(lines),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, step, run?.status, events]);

  // The flow's graph gives the edges; steps only this run has (map items, dynamic children) come without.
  // An Arazzo run has no flow: its steps are HTTP calls, drawn in the order they were recorded.
  useEffect(() => {
    if (!run?.pipeline || run.kind === "arazzo") return;
    let current = true;
    project
      .flow(run.pipeline)
      .get()
      .then(
        (flow) => current && setGraph(flow.graph.steps),
        () => undefined,
      );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run?.pipeline, run?.kind]);

  useEffect(() => {
    if (run?.running !== false) return;
    let current = true;
    project.runs.metrics(runId).then(
      (found) => current && setMetrics(found),
      () => undefined,
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, run?.running]);

  const statusOf = useMemo(() => {
    const byName = new Map((run?.steps ?? []).map((s) => [s.name, s.status]));
    return (name: string) => byName.get(name);
  }, [run]);

  const act = async (action: "cancel" | "resume") => {
    try {
      if (action === "cancel") await project.runs.cancel(runId);
      else await project.runs.resume(runId);
    } catch (failure) {
      noteFailure(failure);
      setError(failure);
    }
  };

  if (!run)
    return error ? (
      <ErrorBox error={error} title={`Run ${runId}`} />
    ) : (
      <p aria-busy="true">Loading run {runId}…</p>
    );
  const flowGraph =
    run.kind === "arazzo"
      ? run.steps.map((s, i) => ({ name: s.name, deps: i > 0 ? [run.steps[i - 1]!.name] : [] }))
      : graph;
  const known = new Set((flowGraph ?? []).map((s) => s.name));
  // A map item or dynamic child hangs off its step (folded into it until expanded).
  const graphSteps = [
    ...(flowGraph ?? []),
    ...run.steps
      .filter((s) => !known.has(s.name))
      .map((s) => {
        const parent = parentOf(s.name, known);
        return { name: s.name, deps: parent ? [parent] : [] };
      }),
  ];
  const selectedStep = step ? run.steps.find((s) => s.name === step) : undefined;
  return (
    <section>
      <h1>
        Run {run.runId} <Status status={run.status} />
      </h1>
      <p>
        {run.kind === "arazzo" ? (
          <>Arazzo workflow {run.pipeline}</>
        ) : (
          <>
            Flow <Link to={{ page: "flow", flow: run.pipeline }}>{run.pipeline}</Link>
          </>
        )}
        , started {time(run.startedAt)}
        {run.durationMs !== null ? `, took ${duration(run.durationMs)}` : ""}; trigger{" "}
        {run.trigger?.kind ?? "manual"}
        {run.parentRunId ? (
          <>
            {" "}
            (parent <Link to={{ page: "run", runId: run.parentRunId }}>{run.parentRunId}</Link>)
          </>
        ) : null}
        {run.waitingOn ? `; waiting on ${run.waitingOn}` : ""}
      </p>
      {run.firstFailure ? (
        <div role="alert" className="error-box">
          <strong>
            First failure
            {run.firstFailure.step ? (
              <>
                {" "}
                in{" "}
                <Link to={{ page: "run", runId, step: run.firstFailure.step }}>
                  {run.firstFailure.step}
                </Link>
              </>
            ) : null}
          </strong>
          <p>{run.firstFailure.error.message}</p>
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {!session.me.readOnly ? (
        <div className="actions">
          {run.running ? (
            <button type="button" onClick={() => act("cancel")}>
              Cancel run
            </button>
          ) : run.status !== "succeeded" ? (
            <button type="button" onClick={() => act("resume")}>
              Resume run
            </button>
          ) : null}
        </div>
      ) : null}
      <p className="hint" data-testid="events-seen">
        {events} live event(s)
      </p>
      <FlowGraph
        steps={graphSteps}
        statusOf={statusOf}
        onSelect={(name) => navigate({ page: "run", runId, step: name })}
      />
      <Timeline steps={run.steps} now={Date.now()} />
      <details>
        <summary>Params and metrics</summary>
        <pre data-testid="run-params">{JSON.stringify(run.params, null, 2)}</pre>
        <ul aria-label="Metrics">
          {Object.entries(metrics).flatMap(([stepName, values]) =>
            Object.entries(values).map(([metric, value]) => (
              <li key={`${stepName}/${metric}`}>
                {stepName} · {metric} = {value}
              </li>
            )),
          )}
        </ul>
      </details>
      {run.children && run.children.length > 0 ? (
        <div>
          <h2>Child runs</h2>
          <ul>
            {run.children.map((child) => (
              <li key={child.runId}>
                <Link to={{ page: "run", runId: child.runId }}>{child.runId}</Link> {child.pipeline}{" "}
                <Status status={child.status} />
                {child.parentStep ? <small> from step {child.parentStep}</small> : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <table aria-label="Steps of the run">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Attempts</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((s) => (
            <tr key={s.name} aria-selected={s.name === step} data-step={s.name}>
              <td>
                <Link to={{ page: "run", runId, step: s.name }}>{s.name}</Link>
              </td>
              <td>
                <Status status={s.status} cached={s.cached} />
                {s.waitingOn ? <small> {s.waitingOn}</small> : null}
              </td>
              <td>{s.reason}</td>
              <td>{s.attempts}</td>
              <td>{duration(s.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selectedStep ? (
        <StepDetail session={session} runId={runId} step={selectedStep} logs={logs} line={line} />
      ) : null}
    </section>
  );
}
