import type { StepRunRecord, StoredRef } from "../records.js";

/**
 * A run's steps that have not started, kept in one row (a JSON array) instead of one row each: the
 * records written when a run starts (pending steps, and steps complete before it began) are most of a
 * large run's rows, and writing 10000 of them one by one cost more than planning the run. A step's own
 * row in `step_runs`, written once it starts or ends, takes precedence over its roster entry.
 */
type RosterEntry = [
  step: string,
  identity: string,
  status: "pending" | "succeeded",
  reason: StepRunRecord["reason"],
  cacheKey: string | null,
  output: StoredRef | null,
];

/** Whether a record belongs in the roster: a step that has not started (pending, or reused as complete by the plan). */
export function isRosterRecord(step: StepRunRecord): boolean {
  if (
    step.startedAt !== undefined ||
    step.finishedAt !== undefined ||
    step.error !== undefined ||
    step.fallback ||
    step.attempts !== 0
  )
    return false;
  return step.status === "pending" || (step.status === "succeeded" && step.cached);
}

/** The roster text with these records added (replacing entries of the same steps). */
export function addToRoster(existing: string | undefined, steps: readonly StepRunRecord[]): string {
  const entries: RosterEntry[] = existing === undefined ? [] : JSON.parse(existing);
  const at = new Map<string, number>();
  if (existing !== undefined) entries.forEach((entry, index) => at.set(entry[0], index));
  for (const step of steps) {
    const entry: RosterEntry = [
      step.step,
      step.identity,
      step.status as RosterEntry[2],
      step.reason,
      step.cacheKey ?? null,
      step.output ?? null,
    ];
    const index = at.get(step.step);
    if (index === undefined) entries.push(entry);
    else entries[index] = entry;
  }
  return JSON.stringify(entries);
}

/** The run's step records: its rows, plus the roster entries of steps that have no row, in `step_runs`' order. */
export function withRoster(
  rows: StepRunRecord[],
  roster: string | undefined,
  runId: string,
): StepRunRecord[] {
  if (roster === undefined) return rows;
  const hasRow = new Set(rows.map((row) => row.step));
  const steps = [...rows];
  for (const [step, identity, status, reason, cacheKey, output] of JSON.parse(
    roster,
  ) as RosterEntry[]) {
    if (hasRow.has(step)) continue;
    const record: StepRunRecord = {
      runId,
      step,
      identity,
      status,
      reason,
      cached: status === "succeeded",
      attempts: 0,
    };
    if (cacheKey !== null) record.cacheKey = cacheKey;
    if (output !== null) record.output = output;
    steps.push(record);
  }
  // As `ORDER BY COALESCE(started_at, 9e15), step`: started steps by start time, then the rest by name.
  return steps.sort(
    (a, b) =>
      (a.startedAt ?? 9e15) - (b.startedAt ?? 9e15) ||
      (a.step < b.step ? -1 : a.step > b.step ? 1 : 0),
  );
}

/** SQL: the cache keys rosters refer to (reused completions); callers may add `AND r.…` conditions. */
export const ROSTER_CACHE_KEYS = `SELECT json_extract(j.value, '$[4]') FROM step_rosters r, json_each(r.steps) j WHERE json_extract(j.value, '$[4]') IS NOT NULL`;

/** SQL: the artifact hashes a roster refers to (so garbage collection keeps them). */
export const ROSTER_OUTPUT_HASHES = `SELECT json_extract(j.value, '$[5].hash') FROM step_rosters r, json_each(r.steps) j WHERE json_extract(j.value, '$[5]') IS NOT NULL`;
