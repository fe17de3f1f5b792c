// A flow: its graph coloured by what a run would do and why (preview with the form's params), a table
// view beside it, the selected step's cache-key inputs, trigger (hidden for a read-only key), reset and
// force a step with their effect shown first, the flow's versions and its params' schema.
import type { FlowPreview, PreviewStep } from "@sluice/client";
import { useMemo, useState, type ReactNode } from "react";
import { ColumnsTable, ErrorBox, Link, Status, time } from "../components.js";
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
  const [forcePlan, setForcePlan] = useState<{ step: string; steps: string[] }>();
  const [search, setSearch] = useState("");

  const byName = useMemo(
    () => new Map((preview.data?.steps ?? []).map((step) => [step.name, step])),
    [preview.data],
  );
  // Every action shows the server's refusal in place (never a blank page).
  const act =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      setActionError(undefined);
      try {
        await action(...args);
      } catch (error) {
        noteFailure(error);
        setActionError(error);
      }
    };
  const startRun = async (force?: string[]) => {
    const run = await flowClient.trigger({ params: values.params, ...(force ? { force } : {}) });
    navigate({ page: "run", runId: run.runId });
  };
  const trigger = act(() => startRun());
  const planForce = act(async (step: string) => {
    const plan = await flowClient.preview({ params: values.params, force: [step] });
    const steps = plan.steps.filter((s) => s.status !== "complete").map((s) => s.name);
    setForcePlan({ step, steps });
  });
  const confirmForce = act(async () => {
    if (forcePlan) await startRun([forcePlan.step]);
  });
  const planReset = act(async (step: string) => {
    const plan = await flowClient.reset(step, { params: values.params, dryRun: true });
    setResetPlan({ step, steps: plan.steps, invalidated: plan.invalidated });
  });
  const confirmReset = act(async () => {
    if (!resetPlan) return;
    await flowClient.reset(resetPlan.step, { params: values.params });
    setResetPlan(undefined);
    setRound((n) => n + 1);
  });

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
                <>
                  <button type="button" onClick={() => planReset(selected)}>
                    Reset {selected}…
                  </button>
                  <button type="button" onClick={() => planForce(selected)}>
                    Force {selected}…
                  </button>
                </>
              ) : null}
            </div>
          )}
          {actionError ? <ErrorBox error={actionError} title="The server refused" /> : null}
          {resetPlan ? (
            <Confirm
              label="Confirm reset"
              confirm={`Reset ${resetPlan.steps.length} step(s)`}
              cancel="Keep them"
              onConfirm={confirmReset}
              onCancel={() => setResetPlan(undefined)}
            >
              Resetting <strong>{resetPlan.step}</strong> invalidates {resetPlan.invalidated} stored
              output(s) of: {resetPlan.steps.join(", ")}. The next run recomputes them.
            </Confirm>
          ) : null}
          {forcePlan ? (
            <Confirm
              label="Confirm force"
              confirm={`Run ${forcePlan.steps.length} step(s)`}
              cancel="Not now"
              onConfirm={confirmForce}
              onCancel={() => setForcePlan(undefined)}
            >
              A run forcing <strong>{forcePlan.step}</strong> runs {forcePlan.steps.length} step(s):{" "}
              {forcePlan.steps.join(", ")}.
            </Confirm>
          ) : null}
          {selected && byName.get(selected) ? <CacheKey step={byName.get(selected)!} /> : null}
          <p>
            <Link to={{ page: "runs" }}>Runs of this project</Link>
          </p>
          <h2>Versions</h2>
          <table aria-label="Versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Hash</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {flow.versions.map((v) => (
                <tr key={v.hash} aria-current={v.hash === flow.hash ? "true" : undefined}>
                  <td>
                    {v.version}
                    {v.hash === flow.hash ? <small> (loaded)</small> : null}
                  </td>
                  <td>
                    <code>{v.hash.slice(0, 12)}</code>
                  </td>
                  <td>{time(v.registeredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>Parameter schema</summary>
            <pre data-testid="params-schema">{JSON.stringify(flow.paramsSchema, null, 2)}</pre>
          </details>
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
            titleOf={(step) => keyTitle(byName.get(step))}
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

/** A hover's text: what the step's cache key is made of. */
function keyTitle(step: PreviewStep | undefined): string | undefined {
  const key = step?.keyInputs;
  if (!key) return undefined;
  const inputs = Object.entries(key.inputs ?? {}).map(
    ([name, hash]) => `${name} ${hash.slice(0, 12)}`,
  );
  return [
    `code ${key.code.slice(0, 12)}`,
    `params ${key.params.slice(0, 12)}`,
    ...(key.inputs ? inputs : ["inputs: known once upstream has run"]),
  ].join("\n");
}

/** The selected step: its plan, and what its cache key is made of. */
function CacheKey({ step }: { step: PreviewStep }) {
  const key = step.keyInputs;
  return (
    <section aria-label={`Cache key of ${step.name}`}>
      <h2>{step.name}</h2>
      <p>
        <Status status={step.status} /> {step.reason}
        {step.runsFlow ? ` · starts a run of flow ${step.runsFlow}` : ""}
      </p>
      {key ? (
        <dl className="key-inputs">
          <dt>Cache key</dt>
          <dd>
            <code>{step.cacheKey ?? "known once upstream has run"}</code>
          </dd>
          <dt>Code</dt>
          <dd>
            <code>{key.code}</code>
          </dd>
          <dt>Params</dt>
          <dd>
            <code>{key.params}</code> {JSON.stringify(step.params)}
          </dd>
          {Object.entries(key.inputs ?? {}).map(([name, hash]) => (
            <div key={name}>
              <dt>Input {name}</dt>
              <dd>
                <code>{hash}</code>
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      {step.columns ? (
        <ColumnsTable
          label={`Columns of ${step.name}`}
          caption="Output columns, derived before the run"
          columns={step.columns}
        />
      ) : null}
    </section>
  );
}

/** An action's effect, said before it is taken: confirm or cancel. */
function Confirm({
  label,
  confirm,
  cancel,
  onConfirm,
  onCancel,
  children,
}: {
  label: string;
  confirm: string;
  cancel: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <div role="dialog" aria-label={label} className="confirm">
      <p>{children}</p>
      <button type="button" onClick={onConfirm}>
        {confirm}
      </button>
      <button type="button" onClick={onCancel}>
        {cancel}
      </button>
    </div>
  );
}
