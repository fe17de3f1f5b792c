// The selected step of a run: an Arazzo step's HTTP exchange (request, response, each criterion's result);
// its log lines with a search, each line numbered with a link to itself (a deep link that survives a
// reload: the linked line is scrolled to and marked).
import type { LogLine, StepRun } from "@sluice/client";
import { useEffect, useRef, useState } from "react";
import { ErrorBox, Link } from "../components.js";
import { downloadArtifact } from "../download.js";
import { noteFailure, type Session } from "../session.js";

export function StepDetail({
  session,
  runId,
  step,
  logs,
  line,
}: {
  session: Session;
  runId: string;
  step: StepRun;
  logs: LogLine[];
  line?: number;
}) {
  const [downloadError, setDownloadError] = useState<unknown>();
  const download = async (hash: string) => {
    try {
      await downloadArtifact(session, hash, step.name);
    } catch (failure) {
      noteFailure(failure);
      setDownloadError(failure);
    }
  };
  const [filter, setFilter] = useState("");
  const numbered = logs.map((entry, i) => ({ entry, number: i + 1 }));
  const shown = numbered.filter(({ entry }) =>
    entry.message.toLowerCase().includes(filter.toLowerCase()),
  );
  const marked = useRef<HTMLLIElement>(null);
  const hasLine = line !== undefined && line <= logs.length;
  useEffect(() => {
    if (hasLine) marked.current?.scrollIntoView({ block: "center" });
  }, [hasLine, line]);
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
      {step.output ? (
        <p data-testid="step-output">
          Output <code>{step.output.hash.slice(0, 12)}</code> ({step.output.kind},{" "}
          {step.output.size} bytes){" "}
          <button type="button" onClick={() => download(step.output!.hash)}>
            Download output
          </button>
        </p>
      ) : null}
      {downloadError ? <ErrorBox error={downloadError} title="Download" /> : null}
      <h2>Log of {step.name}</h2>
      <label htmlFor="log-search">Search</label>
      <input
        id="log-search"
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <ol className="log-lines" data-testid="step-log" aria-label={`Log lines of ${step.name}`}>
        {shown.map(({ entry, number }) => (
          <li
            key={number}
            ref={number === line ? marked : undefined}
            aria-current={number === line ? "true" : undefined}
          >
            <Link
              to={{ page: "run", runId, step: step.name, line: number }}
              label={`line ${number}`}
            >
              {number}
            </Link>
            <span>
              {entry.time} {entry.level} {entry.message}
            </span>
          </li>
        ))}
        {shown.length === 0 ? <li>(no lines)</li> : null}
      </ol>
    </div>
  );
}
