/**
 * Schedules as the workspace config declares them (`schedules: [...]`), checked when the config loads:
 * a cron that does not parse, an unknown timezone, an interval that is not a duration, an unknown flow,
 * two schedules with one id: each an error naming the field.
 */
import { SluiceError } from "../core/index.js";

export const OVERLAP_POLICIES = ["skip", "queue", "cancel-previous", "allow"] as const;
export const CATCH_UP_POLICIES = ["none", "latest", "all"] as const;
/** The ends of an upstream run that an event trigger can wait for. */
export const EVENT_STATUSES = ["succeeded", "failed", "cancelled"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** A schedule as written in the config. */
export interface ScheduleConfig {
  /** @defaultValue the flow's name (give ids when one flow has several schedules) */
  id?: string;
  flow: string;
  /** A cron pattern (5 fields, or 6 with seconds; L, W and # too). Give `cron` or `every`. */
  cron?: string;
  /** An interval: "30s", "15m", "2h", "1d". Give `cron`, `every` or `on`. */
  every?: string;
  /** An event trigger: the flow starts once per run of `on.flow` that ends in `status` (default "succeeded"). */
  on?: { flow: string; status?: EventStatus | EventStatus[] };
  /** The IANA timezone the cron is read in. @defaultValue "UTC" */
  timezone?: string;
  params?: Record<string, unknown>;
  /** When a tick comes while the last run of this schedule is still going. @defaultValue "skip" */
  overlap?: (typeof OVERLAP_POLICIES)[number];
  /** Ticks missed while no scheduler ran. @defaultValue "latest" */
  catchUp?: (typeof CATCH_UP_POLICIES)[number];
  /** With catchUp "all": at most this many missed ticks are fired. @defaultValue 100 */
  catchUpLimit?: number;
  /** @defaultValue true */
  enabled?: boolean;
  /** No tick before this date (ISO 8601), nor after endDate. */
  startDate?: string;
  endDate?: string;
}

/** A checked schedule, ready for tick computation. */
export interface Schedule {
  id: string;
  flow: string;
  cron?: string;
  everyMs?: number;
  /** An event trigger: runs of this flow (of the same project) ending in one of these states. */
  on?: { flow: string; status: EventStatus[] };
  timezone: string;
  params: Record<string, unknown>;
  overlap: (typeof OVERLAP_POLICIES)[number];
  catchUp: (typeof CATCH_UP_POLICIES)[number];
  catchUpLimit: number;
  enabled: boolean;
  startAt?: number;
  endAt?: number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Checks the config's schedules against the workspace's flows; `where` names the config file. */
export async function checkSchedules(
  configs: readonly ScheduleConfig[],
  flows: ReadonlySet<string>,
  where: string,
): Promise<Schedule[]> {
  // croner loads only for a config with cron schedules.
  const { Cron } = configs.some((config) => config.cron !== undefined)
    ? await import("croner")
    : { Cron: undefined };
  const seen = new Map<string, number>();
  return configs.map((config, index) => {
    const field = (name: string) => `${where}: schedules[${index}].${name}`;
    const fail = (name: string, problem: string): never => {
      throw new SluiceError("invalid-usage", `${field(name)} ${problem}`, {
        details: { field: `schedules[${index}].${name}` },
      });
    };
    if (!flows.has(config.flow))
      fail(
        "flow",
        `names no flow of the workspace ("${config.flow}"). Flows: ${[...flows].join(", ") || "none"}.`,
      );
    const id = config.id ?? config.flow;
    const earlier = seen.get(id);
    if (earlier !== undefined)
      fail(
        "id",
        `"${id}" is also schedules[${earlier}]'s id: give each schedule of one flow its own id.`,
      );
    seen.set(id, index);
    const whens = [config.cron, config.every, config.on].filter((when) => when !== undefined);
    if (whens.length !== 1)
      fail(
        "cron",
        'give exactly one of cron ("30 9 * * 1-5"), every ("15m") and on ({ "flow": "A", "status": "succeeded" }).',
      );
    let on: Schedule["on"];
    if (config.on !== undefined) {
      if (!flows.has(config.on.flow))
        fail(
          "on.flow",
          `names no flow of the workspace ("${config.on.flow}"). Flows: ${[...flows].join(", ")}.`,
        );
      const statuses = [config.on.status ?? "succeeded"].flat();
      for (const status of statuses)
        if (!EVENT_STATUSES.includes(status))
          fail(
            "on.status",
            `must be ${EVENT_STATUSES.join(", ")} (or a list of them); got "${String(status)}".`,
          );
      on = { flow: config.on.flow, status: statuses };
    }
    const timezone = config.timezone ?? "UTC";
    if (!isTimezone(timezone))
      fail(
        "timezone",
        `"${timezone}" is not an IANA timezone (e.g. "America/New_York", "Europe/Paris", "UTC").`,
      );
    if (config.cron !== undefined) {
      try {
        new Cron!(config.cron, { timezone, paused: true });
      } catch (error) {
        fail("cron", `"${config.cron}" does not parse: ${(error as Error).message}.`);
      }
    }
    let everyMs: number | undefined;
    if (config.every !== undefined) {
      const match = /^(\d+)\s*([smhd])$/.exec(config.every.trim());
      everyMs = match ? Number(match[1]) * UNITS[match[2]!]! : 0;
      if (everyMs <= 0)
        fail(
          "every",
          `"${config.every}" is not an interval: write a number and s, m, h or d ("15m").`,
        );
    }
    const date = (name: "startDate" | "endDate") => {
      const text = config[name];
      if (text === undefined) return undefined;
      const time = Date.parse(text);
      if (Number.isNaN(time)) fail(name, `"${text}" is not an ISO 8601 date.`);
      return time;
    };
    const overlap = config.overlap ?? "skip";
    if (!OVERLAP_POLICIES.includes(overlap))
      fail("overlap", `must be one of ${OVERLAP_POLICIES.join(", ")}; got "${String(overlap)}".`);
    const catchUp = config.catchUp ?? "latest";
    if (!CATCH_UP_POLICIES.includes(catchUp))
      fail("catchUp", `must be one of ${CATCH_UP_POLICIES.join(", ")}; got "${String(catchUp)}".`);
    const catchUpLimit = config.catchUpLimit ?? 100;
    if (!Number.isInteger(catchUpLimit) || catchUpLimit < 1)
      fail("catchUpLimit", `must be a whole number of at least 1; got ${String(catchUpLimit)}.`);
    const schedule: Schedule = {
      id,
      flow: config.flow,
      timezone,
      params: config.params ?? {},
      overlap,
      catchUp,
      catchUpLimit,
      enabled: config.enabled ?? true,
    };
    if (config.cron !== undefined) schedule.cron = config.cron;
    if (everyMs !== undefined) schedule.everyMs = everyMs;
    if (on !== undefined) schedule.on = on;
    const startAt = date("startDate");
    const endAt = date("endDate");
    if (startAt !== undefined) schedule.startAt = startAt;
    if (endAt !== undefined) schedule.endAt = endAt;
    return schedule;
  });
}

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
