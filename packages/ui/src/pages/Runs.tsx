// Runs: a list filtered by flow, status, trigger and time, newest first, with what triggered each. The
// filters are in the URL, so a filtered list is a deep link.
import { useState } from "react";
import { ErrorBox, Link, Status, duration, time } from "../components.js";
import { useLoad } from "../hooks.js";
import { navigate, type RunsFilter } from "../router.js";
import type { Session } from "../session.js";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
const TRIGGERS = ["manual", "api", "schedule", "parent", "event"] as const;
const SINCE: Record<string, { label: string; ms: number }> = {
  "1h": { label: "the last hour", ms: 3_600_000 },
  "24h": { label: "the last 24 hours", ms: 86_400_000 },
  "7d": { label: "the last 7 days", ms: 604_800_000 },
};

export function Runs({ session, filter }: { session: Session; filter: RunsFilter }) {
  const project = session.client.project(session.me.project);
  const setFilter = (change: Partial<RunsFilter>) =>
    navigate({ page: "runs", filter: { ...filter, ...change } }, true);
  const { flow = "", status = "", trigger = "", since = "" } = filter;
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
        ...(trigger ? { trigger: trigger as (typeof TRIGGERS)[number] } : {}),
        ...(SINCE[since] ? { since: new Date(Date.now() - SINCE[since].ms).toISOString() } : {}),
        limit: 200,
      }),
    [flow, status, trigger, since],
  );
  return (
    <section>
      <h1>Runs</h1>
      <div className="filters">
        <label>
          Flow <input value={flow} onChange={(e) => setFilter({ flow: e.target.value })} />
        </label>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setFilter({ status: e.target.value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Trigger{" "}
          <select value={trigger} onChange={(e) => setFilter({ trigger: e.target.value })}>
            <option value="">any</option>
            {TRIGGERS.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Started{" "}
          <select value={since} onChange={(e) => setFilter({ since: e.target.value })}>
            <option value="">any time</option>
            {Object.entries(SINCE).map(([value, { label }]) => (
              <option key={value} value={value}>
                in {label}
              </option>
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
