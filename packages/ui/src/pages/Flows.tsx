// Projects → flows: the flows of the key's project, with their version and description.
import { Link, ErrorBox } from "../components.js";
import { useLoad } from "../hooks.js";
import type { Session } from "../session.js";

export function Flows({ session }: { session: Session }) {
  const project = session.client.project(session.me.project);
  const flows = useLoad(() => project.flows.list(), [session.me.project]);
  return (
    <section>
      <h1>Flows of {session.me.project}</h1>
      {flows.error ? <ErrorBox error={flows.error} /> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Flow</th>
            <th scope="col">Version</th>
            <th scope="col">Steps</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {(flows.data ?? []).map((flow) => (
            <tr key={flow.name}>
              <td>
                <Link to={{ page: "flow", flow: flow.name }}>{flow.name}</Link>
              </td>
              <td>{flow.version}</td>
              <td>{flow.steps}</td>
              <td>{flow.description ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
