// Runs: a list filtered by flow and status, newest first, with what triggered each.
import { useState } from "react";
import { ErrorBox, Link, Status, duration, time } from "../components.js";
import { useLoad } from "../hooks.js";
import type { Session } from "../session.js";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

export function Runs({ session }: { session: Session }) {
  const project = session.client.project(session.me.project);
  const [flow, setFlow] = useState("");
  const [status, setStatus] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (runId: string, on: boolean) =>
    setPicked((now) =>
      on
        ? [...now.filter((id) => id !== runId), runId].slice(-2)
        : now.filter((id) => id !== runId),
    );
  const runs = useLoad(
    () =>
      project.runs.list({
        ...(flow ? { flow } : {}),
        ...(status ? { status: status as (typeof STATUSES)[number] } : {}),
        limit: 200,
      }),
    [flow, status],
  );
  return (
    <section>
      <h1>Runs</h1>
      <div className="filters">
        <label>
          Flow <input value={flow} onChange={(e) => setFlow(e.target.value)} />
        </label>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={runs.reload}>
          Refresh
        </button>
        {picked.length === 2 ? (
          <Link to={{ page: "compare", a: picked[0]!, b: picked[1]! }}>
            Compare the 2 picked runs
          </Link>
        ) : (
          <span className="hint">Pick two runs to compare them.</span>
        )}
      </div>
      {runs.error ? <ErrorBox error={runs.error} /> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Pick</th>
            <th scope="col">Run</th>
            <th scope="col">Flow</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {(runs.data ?? []).map((run) => (
            <tr key={run.runId}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`pick ${run.runId}`}
                  checked={picked.includes(run.runId)}
                  onChange={(e) => pick(run.runId, e.target.checked)}
                />
              </td>
              <td>
                <Link to={{ page: "run", runId: run.runId }}>{run.runId}</Link>
              </td>
              <td>{run.pipeline}</td>
              <td>
                <Status status={run.status} />
                {run.waitingOn ? <small> {run.waitingOn}</small> : null}
              </td>
              <td>{run.trigger?.kind ?? "manual"}</td>
              <td>{time(run.startedAt)}</td>
              <td>{duration(run.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
