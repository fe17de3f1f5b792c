// Small shared pieces: links that navigate without a reload, a status badge, an error box, times.
import type { MouseEvent, ReactNode } from "react";
import { hrefOf, navigate, type Route } from "./router.js";
import { errorText } from "./session.js";

export function Link({ to, children, label }: { to: Route; children: ReactNode; label?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={hrefOf(to)} onClick={onClick} aria-label={label}>
      {children}
    </a>
  );
}

export function Status({ status, cached }: { status: string; cached?: boolean }) {
  return (
    <span className={`status status-${status}`} data-status={status}>
      {status}
      {cached ? " (cached)" : ""}
    </span>
  );
}

export function ErrorBox({
  error,
  title = "Something went wrong",
}: {
  error: unknown;
  title?: string;
}) {
  return (
    <div role="alert" className="error-box">
      <strong>{title}</strong>
      <p>{errorText(error)}</p>
    </div>
  );
}

export function time(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "–";
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A dataset's columns and their types, as a table named `label`. */
export function ColumnsTable({
  label,
  caption,
  columns,
}: {
  label: string;
  caption?: string;
  columns: ReadonlyArray<{ name: string; type: string }>;
}) {
  return (
    <table aria-label={label}>
      {caption ? <caption>{caption}</caption> : null}
      <thead>
        <tr>
          <th scope="col">Column</th>
          <th scope="col">Type</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((column) => (
          <tr key={column.name}>
            <td>{column.name}</td>
            <td>
              <code>{column.type}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
