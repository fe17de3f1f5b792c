import pc from "picocolors";
import type { LogLevel } from "../core/index.js";
import { formatDuration, type SluiceEvent, type StepResult } from "../engine/index.js";
import { formatTree } from "../planner/index.js";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

interface StepView {
  name: string;
  deps: string[];
  state: "pending" | "running" | "done";
  attempt: number;
  result?: StepResult;
}

/** Renders a run's events for a person: a live tree on a terminal, one line per finished step elsewhere. */
export interface ProgressView {
  onEvent(event: SluiceEvent): void;
  close(): void;
}

export function createProgressView(options: {
  stream: NodeJS.WriteStream;
  live: boolean;
  logLevel: LogLevel;
}): ProgressView {
  return options.live
    ? new LiveTree(options.stream, options.logLevel)
    : new PlainLines(options.stream, options.logLevel);
}

function icon(view: StepView, frame: number): string {
  if (view.state === "running") return pc.cyan(SPINNER[frame % SPINNER.length]!);
  if (view.state === "pending") return pc.dim("○");
  const result = view.result!;
  switch (result.status) {
    case "succeeded":
      return result.cached ? pc.blue("≡") : result.fallback ? pc.yellow("✔") : pc.green("✔");
    case "failed":
      return pc.red("✖");
    case "skipped":
      return pc.yellow("↷");
    default:
      return pc.dim("■");
  }
}

function describe(result: StepResult): string {
  if (result.status === "succeeded") {
    if (result.cached) return result.reason === "complete" ? "complete" : "reused cached output";
    const retries = result.attempts > 1 ? `, ${result.attempts} attempts` : "";
    return `${formatDuration(result.durationMs)}${retries}${result.fallback ? ", fallback value" : ""}`;
  }
  if (result.status === "failed") return `failed: ${result.error?.message ?? "unknown error"}`;
  if (result.status === "skipped") return `skipped (${result.reason})`;
  return result.status;
}

function logLine(event: Extract<SluiceEvent, { type: "step:log" }>): string {
  const level =
    event.level === "error"
      ? pc.red(event.level)
      : event.level === "warn"
        ? pc.yellow(event.level)
        : pc.dim(event.level);
  return `${pc.dim(`[${event.step}]`)} ${level} ${event.message}`;
}

/** A tree of the run's steps, redrawn in place; past a screenful, a progress line and the running steps. */
class LiveTree implements ProgressView {
  private readonly views = new Map<string, StepView>();
  private drawnLines = 0;
  private frame = 0;
  private readonly timer: NodeJS.Timeout;
  private done = 0;
  private failed = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly logLevel: LogLevel,
  ) {
    this.timer = setInterval(() => this.draw(), 80);
    this.timer.unref();
  }

  onEvent(event: SluiceEvent): void {
    switch (event.type) {
      case "run:start":
        for (const step of event.steps)
          this.views.set(step.name, {
            name: step.name,
            deps: step.deps,
            state: "pending",
            attempt: 0,
          });
        break;
      case "step:start": {
        const view = this.views.get(event.step);
        if (view) {
          view.state = "running";
          view.attempt = event.attempt;
        }
        break;
      }
      case "step:end": {
        const view = this.views.get(event.step);
        if (view) {
          view.state = "done";
          view.result = event.result;
          this.done++;
          if (event.result.status === "failed") this.failed++;
        }
        break;
      }
      case "step:log":
        if (LEVEL_RANK[event.level] >= LEVEL_RANK[this.logLevel]) {
          this.clear();
          this.stream.write(`${logLine(event)}\n`);
          this.draw();
        }
        break;
      default:
        break;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.draw();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.frame++;
    const rows = Math.max(8, (this.stream.rows ?? 24) - 2);
    const views = [...this.views.values()];
    let text: string;
    if (views.length <= rows) {
      text = formatTree(
        views.map((view) => {
          const detail =
            view.state === "done"
              ? pc.dim(` ${describe(view.result!)}`)
              : view.state === "running" && view.attempt > 1
                ? pc.dim(` attempt ${view.attempt}`)
                : "";
          return {
            name: view.name,
            deps: view.deps,
            label: `${icon(view, this.frame)} ${view.name}${detail}`,
          };
        }),
      ).replace(/└─--\[(.*)\]/g, "└─ $1");
    } else {
      const running = views.filter((view) => view.state === "running");
      const lines = [
        `${this.done}/${views.length} steps finished, ${running.length} running, ${this.failed} failed`,
      ];
      for (const view of running.slice(0, rows - 2))
        lines.push(
          `  ${icon(view, this.frame)} ${view.name}${view.attempt > 1 ? ` (attempt ${view.attempt})` : ""}`,
        );
      text = lines.join("\n");
    }
    this.clear();
    this.stream.write(`${text}\n`);
    this.drawnLines = text.split("\n").length;
  }
}

/** One line per finished step, and step logs, for pipes and CI logs. */
class PlainLines implements ProgressView {
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly logLevel: LogLevel,
  ) {}

  onEvent(event: SluiceEvent): void {
    if (event.type === "step:end") {
      const view: StepView = {
        name: event.step,
        deps: [],
        state: "done",
        attempt: event.result.attempts,
        result: event.result,
      };
      this.stream.write(`${icon(view, 0)} ${event.step} ${pc.dim(describe(event.result))}\n`);
    } else if (event.type === "step:waiting" || event.type === "run:waiting") {
      const what = event.type === "step:waiting" ? event.step : `run ${event.runId}`;
      this.stream.write(`${pc.dim("…")} ${what} waits: ${event.waitingOn}\n`);
    } else if (event.type === "step:retry" && LEVEL_RANK[this.logLevel] > LEVEL_RANK.warn) {
      // The engine logs each retry at warn; this line stands in only when warnings are not shown.
      this.stream.write(
        `${pc.yellow("↻")} ${event.step} attempt ${event.attempt} failed (${event.error.message}); retrying in ${Math.round(event.delayMs)} ms\n`,
      );
    } else if (event.type === "step:log" && LEVEL_RANK[event.level] >= LEVEL_RANK[this.logLevel]) {
      this.stream.write(`${logLine(event)}\n`);
    }
  }

  close(): void {}
}
