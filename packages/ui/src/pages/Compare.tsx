// Two runs compared: the params that differ, metrics with deltas, the steps that differed.
import { ErrorBox, Link, Status } from "../components.js";
import { useLoad } from "../hooks.js";
import type { Session } from "../session.js";

export function Compare({ session, a, b }: { session: Session; a: string; b: string }) {
  const project = session.client.project(session.me.project);
  const diff = useLoad(() => project.compare(a, b), [a, b]);
  if (diff.error) return <ErrorBox error={diff.error} title="Compare" />;
  if (!diff.data) return <p aria-busy="true">Comparing…</p>;
  const d = diff.data;
  return (
    <section>
      <h1>Compare runs</h1>
      <p>
        A <Link to={{ page: "run", runId: a }}>{a}</Link> <Status status={d.a.status} /> · B{" "}
        <Link to={{ page: "run", runId: b }}>{b}</Link> <Status status={d.b.status} />
        {d.definition.same ? " · same definition" : " · different definitions"}
      </p>
      <h2>Params</h2>
      {d.params.length === 0 ? <p>The same.</p> : null}
      <table aria-label="Params that differ">
        <tbody>
          {d.params.map((p) => (
            <tr key={p.name}>
              <th scope="row">{p.name}</th>
              <td>{JSON.stringify(p.a)}</td>
              <td>{JSON.stringify(p.b)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Metrics</h2>
      <table aria-label="Metrics">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Metric</th>
            <th scope="col">A</th>
            <th scope="col">B</th>
            <th scope="col">Delta</th>
          </tr>
        </thead>
        <tbody>
          {d.metrics.map((m) => (
            <tr key={`${m.step}/${m.name}`}>
              <td>{m.step}</td>
              <td>{m.name}</td>
              <td>{m.a ?? "–"}</td>
              <td>{m.b ?? "–"}</td>
              <td>{m.delta === null ? "–" : m.delta > 0 ? `+${m.delta}` : m.delta}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Steps that differed</h2>
      <ul>
        {d.steps.map((s) => (
          <li key={s.step}>
            {s.step}: {s.a?.status ?? "not run"} → {s.b?.status ?? "not run"}
          </li>
        ))}
      </ul>
    </section>
  );
}
