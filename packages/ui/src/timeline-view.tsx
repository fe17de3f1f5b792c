// The timeline of a run: one bar per started step over the run's span, retries counted on the bar.
import { duration } from "./components.js";
import { timelineOf, type TimedStep } from "./timeline.js";

export function Timeline({ steps, now }: { steps: readonly TimedStep[]; now: number }) {
  const { bars, spanMs } = timelineOf(steps, now);
  if (bars.length === 0) return null;
  return (
    <figure className="timeline" aria-label="Timeline of the run's steps">
      <figcaption>Timeline ({duration(spanMs)})</figcaption>
      {bars.slice(0, 300).map((bar) => (
        <div className="timeline-row" key={bar.name}>
          <span className="timeline-name">{bar.name}</span>
          <span className="timeline-track">
            <span
              className={`timeline-bar node-${bar.status}`}
              style={{ marginLeft: `${bar.left}%`, width: `${bar.width}%` }}
              title={`${bar.name}: ${bar.status}, ${duration(bar.durationMs)}${bar.attempts > 1 ? `, ${bar.attempts} attempts` : ""}`}
            />
          </span>
          <span className="timeline-time">
            {duration(bar.durationMs)}
            {bar.attempts > 1 ? ` ×${bar.attempts}` : ""}
          </span>
        </div>
      ))}
    </figure>
  );
}
