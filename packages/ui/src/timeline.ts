// A run's timeline (Gantt): each step that started as a bar over the run's span, in start order. Bars
// of steps still running reach `now`; a bar is at least 0.5% wide, so an instant step stays visible.
export interface TimedStep {
  name: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TimelineBar {
  name: string;
  status: string;
  attempts: number;
  /** Offset and width, in percent of the span. */
  left: number;
  width: number;
  durationMs: number;
}

export function timelineOf(
  steps: readonly TimedStep[],
  now: number,
): { bars: TimelineBar[]; spanMs: number } {
  const timed = steps
    .filter((step) => step.startedAt !== null)
    .map((step) => {
      const start = Date.parse(step.startedAt!);
      const end = step.finishedAt ? Date.parse(step.finishedAt) : now;
      return { step, start, end: Math.max(end, start) };
    })
    .sort((a, b) => a.start - b.start || (a.step.name < b.step.name ? -1 : 1));
  if (timed.length === 0) return { bars: [], spanMs: 0 };
  const first = timed[0]!.start;
  const last = Math.max(...timed.map((t) => t.end));
  const spanMs = Math.max(last - first, 1);
  const bars = timed.map(({ step, start, end }) => {
    const left = ((start - first) / spanMs) * 100;
    const width = Math.max(((end - start) / spanMs) * 100, 0.5);
    return {
      name: step.name,
      status: step.status,
      attempts: step.attempts,
      left: Math.min(left, 100 - width),
      width,
      durationMs: end - start,
    };
  });
  return { bars, spanMs };
}
