import type { ExecutionSummary } from "./result.js";

const LIST_LIMIT = 8;

/** The execution summary as text, as Luigi and d6tflow print it after a run. */
export function formatSummary(
  summary: ExecutionSummary,
  status: string,
  durationMs: number,
): string {
  const lines = [
    `===== sluice execution summary =====`,
    `Scheduled ${count(summary.scheduled.length)}:`,
  ];
  const groups: Array<[string, string[]]> = [
    ["ran", summary.ran],
    ["complete (nothing to do)", summary.complete],
    ["reused a cached output", summary.cached],
    ["skipped", summary.skipped],
    ["failed", summary.failed],
    ["cancelled", summary.cancelled],
  ];
  for (const [label, names] of groups) {
    if (names.length === 0) continue;
    lines.push(`* ${names.length} ${label}: ${list(names)}`);
  }
  lines.push(`Run ${status} in ${formatDuration(durationMs)}.`);
  return lines.join("\n");
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function count(n: number): string {
  return n === 1 ? "1 step" : `${n} steps`;
}

function list(names: string[]): string {
  const shown = names.slice(0, LIST_LIMIT).join(", ");
  return names.length > LIST_LIMIT ? `${shown}, ... and ${names.length - LIST_LIMIT} more` : shown;
}
