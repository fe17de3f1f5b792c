// The selected step of a run: an Arazzo step's HTTP exchange (request, response, each criterion's result);
// its log lines with a search.
import type { LogLine, StepRun } from "@sluice/client";
import { useState } from "react";

export function StepDetail({ step, logs }: { step: StepRun; logs: LogLine[] }) {
  const [filter, setFilter] = useState("");
  const shown = logs.filter((line) => line.message.toLowerCase().includes(filter.toLowerCase()));
  return (
    <div className="logs">
      {step.http ? (
        <>
          <h2>HTTP exchange of {step.name}</h2>
          <pre data-testid="http-request">
            {`${step.http.request.method} ${step.http.request.url}\n${Object.entries(
              step.http.request.headers,
            )
              .map(([k, v]) => `${k}: ${v}`)
              .join("\n")}${step.http.request.body ? `\n\n${step.http.request.body}` : ""}`}
          </pre>
          {step.http.response ? (
            <pre data-testid="http-response">
              {`${step.http.response.status}\n${Object.entries(step.http.response.headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join("\n")}${step.http.response.body ? `\n\n${step.http.response.body}` : ""}`}
            </pre>
          ) : (
            <p className="error-text">No response: {step.http.error ?? "unknown"}</p>
          )}
          <ul aria-label="Success criteria">
            {step.http.criteria.map((c, i) => (
              <li key={i}>
                {c.held ? "✓" : "✗"} <code>{c.condition}</code> <small>({c.type})</small>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Log of {step.name}</h2>
      <label htmlFor="log-search">Search</label>
      <input
        id="log-search"
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <pre data-testid="step-log">
        {shown.map((line) => `${line.time} ${line.level} ${line.message}`).join("\n") ||
          "(no lines)"}
      </pre>
    </div>
  );
}
