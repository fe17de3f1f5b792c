// A flow: its graph coloured by what a run would do and why (preview with the form's params), a table
// view beside it, trigger (hidden for a read-only key) and reset a step with its effect shown first.
import type { FlowPreview } from "@sluice/client";
import { useMemo, useState } from "react";
import { ErrorBox, Link, Status } from "../components.js";
import { FlowGraph } from "../graph/FlowGraph.js";
import { useLoad } from "../hooks.js";
import { ParamsForm, type ParamsSchema } from "../params-form.js";
import { navigate } from "../router.js";
import { noteFailure, type Session } from "../session.js";

export function FlowPage({ session, name }: { session: Session; name: string }) {
  const project = session.client.project(session.me.project);
  const flowClient = project.flow(name);
  const detail = useLoad(() => flowClient.get(), [name]);
  const [values, setValues] = useState<{ params: Record<string, unknown>; problems: string[] }>({
    params: {},
    problems: [],
  });
  const [round, setRound] = useState(0);
  const preview = useLoad<FlowPreview>(
    () => flowClient.preview({ params: values.params }),
    [name, JSON.stringify(values.params), round],
  );
  const [actionError, setActionError] = useState<unknown>();
  const [selected, setSelected] = useState<string>();
  const [resetPlan, setResetPlan] = useState<{
    step: string;
    steps: string[];
    invalidated: number;
  }>();
  const [search, setSearch] = useState("");

  const byName = useMemo(
    () => new Map((preview.data?.steps ?? []).map((step) => [step.name, step])),
    [preview.data],
  );
  const trigger = async () => {
    setActionError(undefined);
    try {
      const run = await flowClient.trigger({ params: values.params });
      navigate({ page: "run", runId: run.runId });
    } catch (error) {
      noteFailure(error);
      setActionError(error);
    }
  };
  const planReset = async (step: string) => {
    setActionError(undefined);
    try {
      const plan = await flowClient.reset(step, { params: values.params, dryRun: true });
      setResetPlan({ step, steps: plan.steps, invalidated: plan.invalidated });
    } catch (error) {
      noteFailure(error);
      setActionError(error);
    }
  };
  const confirmReset = async () => {
    if (!resetPlan) return;
    try {
      await flowClient.reset(resetPlan.step, { params: values.params });
      setResetPlan(undefined);
      setRound((n) => n + 1);
    } catch (error) {
      noteFailure(error);
      setActionError(error);
    }
  };

  if (detail.error) return <ErrorBox error={detail.error} title={`Flow ${name}`} />;
  if (!detail.data) return <p aria-busy="true">Loading flow {name}…</p>;
  const flow = detail.data;
  const steps = flow.graph.steps;
  const shown = steps.filter((s) => s.name.toLowerCase().includes(search.toLowerCase()));
  return (
    <section>
      <h1>
        Flow {flow.name} <small>{flow.version}</small>
      </h1>
      {flow.description ? <p>{flow.description}</p> : null}
      <div className="columns">
        <div className="side">
          <ParamsForm schema={flow.paramsSchema as ParamsSchema} onChange={setValues} />
          {values.problems.length > 0 ? (
            <ul role="alert" className="error-text">
              {values.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
          {session.me.readOnly ? (
            <p className="hint">This key is read-only: it can look, not act.</p>
          ) : (
            <div className="actions">
              <button type="button" onClick={trigger} disabled={values.problems.length > 0}>
                Trigger run
              </button>
              {selected ? (
                <button type="button" onClick={() => planReset(selected)}>
                  Reset {selected}…
                </button>
              ) : null}
            </div>
          )}
          {actionError ? <ErrorBox error={actionError} title="The server refused" /> : null}
          {resetPlan ? (
            <div role="dialog" aria-label="Confirm reset" className="confirm">
              <p>
                Resetting <strong>{resetPlan.step}</strong> invalidates {resetPlan.invalidated}{" "}
                stored output(s) of: {resetPlan.steps.join(", ")}. The next run recomputes them.
              </p>
              <button type="button" onClick={confirmReset}>
                Reset {resetPlan.steps.length} step(s)
              </button>
              <button type="button" onClick={() => setResetPlan(undefined)}>
                Keep them
              </button>
            </div>
          ) : null}
          <p>
            <Link to={{ page: "runs" }}>Runs of this project</Link>
          </p>
        </div>
        <div className="main">
          {preview.error ? <ErrorBox error={preview.error} title="Preview" /> : null}
          <FlowGraph
            steps={steps}
            statusOf={(step) => byName.get(step)?.status}
            noteOf={(step) => {
              const planned = byName.get(step);
              return planned && planned.status !== "complete" ? planned.reason : undefined;
            }}
            onSelect={setSelected}
          />
          <label htmlFor="step-search">Find a step</label>
          <input
            id="step-search"
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <table aria-label="Steps and what a run would do">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Plan</th>
                <th scope="col">Reason</th>
                <th scope="col">Depends on</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 500).map((step) => {
                const planned = byName.get(step.name);
                return (
                  <tr
                    key={step.name}
                    aria-selected={selected === step.name}
                    onClick={() => setSelected(step.name)}
                  >
                    <td>
                      <button
                        type="button"
                        className="linklike"
                        onClick={() => setSelected(step.name)}
                      >
                        {step.name}
                      </button>
                    </td>
                    <td>{planned ? <Status status={planned.status} /> : "…"}</td>
                    <td>{planned?.reason ?? ""}</td>
                    <td>{step.deps.join(", ")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {shown.length > 500 ? (
            <p className="hint">First 500 of {shown.length} steps; search to narrow.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}
