// Schedules: each with its next tick and last one, paused or not; pause and resume for a key that may act.
import { useState } from "react";
import { ErrorBox, Link, time } from "../components.js";
import { useLoad } from "../hooks.js";
import { noteFailure, type Session } from "../session.js";

export function Schedules({ session }: { session: Session }) {
  const project = session.client.project(session.me.project);
  const schedules = useLoad(() => project.schedules.list(), []);
  const [error, setError] = useState<unknown>();
  const toggle = async (id: string, paused: boolean) => {
    try {
      await (paused ? project.schedules.resume(id) : project.schedules.pause(id));
      schedules.reload();
    } catch (failure) {
      noteFailure(failure);
      setError(failure);
    }
  };
  return (
    <section>
      <h1>Schedules</h1>
      {schedules.error ? <ErrorBox error={schedules.error} /> : null}
      {error ? <ErrorBox error={error} title="The server refused" /> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">Flow</th>
            <th scope="col">When</th>
            <th scope="col">Next tick</th>
            <th scope="col">Last tick</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {(schedules.data ?? []).map((s) => (
            <tr key={s.id}>
              <td>{s.id}</td>
              <td>
                <Link to={{ page: "flow", flow: s.flow }}>{s.flow}</Link>
              </td>
              <td>
                {s.on
                  ? `after ${s.on.flow} ${s.on.status.join("|")}`
                  : (s.cron ?? `every ${(s.everyMs ?? 0) / 1000} s`)}{" "}
                <small>{s.timezone}</small>
              </td>
              <td>{time(s.nextTickAt)}</td>
              <td>
                {s.lastTick ? (
                  s.lastTick.runId ? (
                    <Link to={{ page: "run", runId: s.lastTick.runId }}>
                      {time(s.lastTick.tickAt)}
                    </Link>
                  ) : (
                    `${time(s.lastTick.tickAt)} (${s.lastTick.outcome ?? "?"})`
                  )
                ) : (
                  "–"
                )}
              </td>
              <td>
                {!s.enabled ? "disabled" : s.paused ? "paused" : "active"}{" "}
                {!session.me.readOnly && s.enabled ? (
                  <button type="button" onClick={() => toggle(s.id, s.paused)}>
                    {s.paused ? "Resume" : "Pause"}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
