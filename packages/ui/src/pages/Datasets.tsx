// Data: the catalog's datasets, models and metrics; one opened shows its schema, first rows, a
// download of its artifact (hash-verified by the server) and its lineage graph.
import { useMemo, useState } from "react";
import { ColumnsTable, ErrorBox, Link, time } from "../components.js";
import { FlowGraph } from "../graph/FlowGraph.js";
import { lineageGraph } from "../graph/lineage-graph.js";
import { downloadArtifact } from "../download.js";
import { useLoad } from "../hooks.js";
import { navigate } from "../router.js";
import { noteFailure, type Session } from "../session.js";

export function Datasets({ session, name }: { session: Session; name?: string }) {
  const project = session.client.project(session.me.project);
  const list = useLoad(() => project.datasets.list(), []);
  return (
    <section>
      <h1>Datasets</h1>
      {list.error ? <ErrorBox error={list.error} /> : null}
      <div className="columns">
        <div className="side">
          <ul className="plain">
            {(list.data ?? []).map((d) => (
              <li key={`${d.dataset}:${d.hash}`}>
                <Link to={{ page: "dataset", name: d.dataset }}>{d.dataset}</Link>{" "}
                <small>
                  {d.tag}, {d.rows ?? "?"} rows, {time(d.createdAt)}
                </small>
              </li>
            ))}
          </ul>
        </div>
        <div className="main">{name ? <DatasetView session={session} name={name} /> : null}</div>
      </div>
    </section>
  );
}

function DatasetView({ session, name }: { session: Session; name: string }) {
  const dataset = session.client.project(session.me.project).dataset(name);
  const schema = useLoad(() => dataset.schema(), [name]);
  const rows = useLoad(() => dataset.rows(10), [name]);
  const [error, setError] = useState<unknown>();
  const download = async () => {
    try {
      await downloadArtifact(session, schema.data!.artifact, name);
    } catch (failure) {
      noteFailure(failure);
      setError(failure);
    }
  };
  if (schema.error) return <ErrorBox error={schema.error} title={`Dataset ${name}`} />;
  if (!schema.data) return <p aria-busy="true">Loading {name}…</p>;
  const columns = schema.data.columns.map((c) => c.name);
  return (
    <div>
      <h2>{name}</h2>
      <p>
        {schema.data.tag}, {schema.data.rows ?? "?"} rows, artifact{" "}
        <code>{schema.data.artifact.slice(0, 12)}</code>{" "}
        <button type="button" onClick={download}>
          Download
        </button>
      </p>
      {error ? <ErrorBox error={error} /> : null}
      <ColumnsTable label="Schema" columns={schema.data.columns} />
      {rows.data ? (
        <table aria-label="First rows">
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.data.rows.map((row, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{JSON.stringify(row[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LineageView session={session} artifact={schema.data.artifact} />
    </div>
  );
}

/** The steps upstream of a dataset and downstream of it, up to three links away; a click opens the run. */
function LineageView({ session, artifact }: { session: Session; artifact: string }) {
  const lineage = useLoad(
    () => session.client.project(session.me.project).lineage(artifact, { depth: 3 }),
    [artifact],
  );
  const graph = useMemo(() => lineage.data && lineageGraph(lineage.data), [lineage.data]);
  if (lineage.error) return <ErrorBox error={lineage.error} title="Lineage" />;
  if (!graph) return <p aria-busy="true">Loading lineage…</p>;
  const side = (name: string) => graph.side.get(name);
  return (
    <section aria-label="Lineage">
      <h3>Lineage</h3>
      <FlowGraph
        steps={graph.steps}
        statusOf={(name) => (side(name) === "this" ? "complete" : undefined)}
        noteOf={(name) => (side(name) === "this" ? "this dataset" : side(name))}
        onSelect={(name) => {
          const made = graph.runOf.get(name);
          if (made) navigate({ page: "run", runId: made.runId, step: made.step });
        }}
      />
      <ul className="plain" aria-label="Lineage steps">
        {graph.steps.map((step) => {
          const made = graph.runOf.get(step.name)!;
          return (
            <li key={step.name}>
              <small>{side(step.name) === "this" ? "made by" : side(step.name)}</small>{" "}
              <Link to={{ page: "run", runId: made.runId, step: made.step }}>{step.name}</Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
