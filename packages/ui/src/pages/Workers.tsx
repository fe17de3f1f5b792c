// Workers: the stack's `sluice worker` processes, with what each serves and runs now and its last
// heartbeat; read again every 2 s (workers have no event stream). A stack whose runs run in the
// server has none.
import { useEffect } from "react";
import { ErrorBox, Link, duration, time } from "../components.js";
import { useLoad } from "../hooks.js";
import type { Session } from "../session.js";

const REFRESH_MS = 2_000;

export function Workers({ session }: { session: Session }) {
  const project = session.client.project(session.me.project);
  const workers = useLoad(() => project.workers(), []);
  const { reload } = workers;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const list = workers.data ?? [];
  return (
    <section>
      <h1>Workers</h1>
      {workers.error ? <ErrorBox error={workers.error} /> : null}
      {workers.data && list.length === 0 ? (
        <p>
          No workers. Runs of this server's stack run in the server, unless its stack says{" "}
          <code>executor: "workers"</code> and <code>sluice worker</code> processes are started.
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Host</th>
            <th scope="col">Queues</th>
            <th scope="col">Concurrency</th>
            <th scope="col">Running steps</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Flows</th>
          </tr>
        </thead>
        <tbody>
          {list.map((w) => (
            <tr key={w.workerId}>
              <td>
                {w.workerId}
                {w.stopping ? " (stopping)" : ""}
              </td>
              <td>
                {w.host} <small>pid {w.pid}</small>
              </td>
              <td>{w.queues.join(", ")}</td>
              <td>{w.concurrency}</td>
              <td>
                {w.running.length === 0
                  ? "–"
                  : w.running.map((entry) => {
                      const [runId, step] = entry.split("/") as [string, string];
                      return (
                        <div key={entry}>
                          <Link to={{ page: "run", runId, step }}>{entry}</Link>
                        </div>
                      );
                    })}
              </td>
              <td title={time(w.heartbeatAt)}>
                {duration(Math.max(0, Date.now() - Date.parse(w.heartbeatAt)))} ago
              </td>
              <td>{w.flows.map((f) => `${f.name}@${f.version}`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
