/**
 * Who owns a run, whether that owner is alive, and claiming a run (the "Durable" rule of the design).
 *
 * The owner is host + pid + process start time, so a pid the system gave to a later process is not
 * taken for the owner. On the owner's host, liveness is the process table: a live owner is never
 * declared crashed, even while a step blocks its event loop and no heartbeat is written. From another
 * host only the heartbeat lease can tell. A run is claimed by compare-and-set on its claim token
 * (RunStore.casRun), and the claimant fences the run: once someone else claims it, its writes are refused.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { SluiceError } from "../core/index.js";
import type { LeaseOwner, RunRecord, RunStore } from "../store/index.js";

/** A live run refreshes its heartbeat this often. */
export const HEARTBEAT_MS = 5_000;
/** A run owned on another host whose heartbeat is older than this is dead. */
export const LEASE_MS = 30_000;

const THIS_HOST = hostname();
let bootTimeMs: number | undefined;

/** When process `pid` started (ms since the epoch), from /proc where there is one. */
function processStartedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): the 22nd field, starttime, in clock ticks (100/s).
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]) * 1000;
    return Number.isFinite(ticks) && Number.isFinite(bootTimeMs)
      ? bootTimeMs + ticks * 10
      : undefined;
  } catch {
    return undefined;
  }
}

const THIS_PROCESS_STARTED =
  processStartedAt(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000);

export function ownerFields(): Required<
  Pick<RunRecord, "ownerPid" | "ownerHost" | "ownerStartedAt">
> {
  return { ownerPid: process.pid, ownerHost: THIS_HOST, ownerStartedAt: THIS_PROCESS_STARTED };
}

/** `pid@host`, how messages name a run's owner. */
export function ownerName(run: RunRecord): string {
  return `${run.ownerPid ?? "?"}@${run.ownerHost ?? "?"}`;
}

function isThisProcess(run: RunRecord): boolean {
  return (
    run.ownerHost === THIS_HOST &&
    run.ownerPid === process.pid &&
    (run.ownerStartedAt === undefined || run.ownerStartedAt === THIS_PROCESS_STARTED)
  );
}

/** Whether the process that owns the run may still be running it. */
export function ownerAlive(run: RunRecord, now: number = Date.now()): boolean {
  if (run.ownerHost === THIS_HOST && run.ownerPid !== undefined)
    return !processGone({ host: run.ownerHost, pid: run.ownerPid, startedAt: run.ownerStartedAt });
  return now - (run.heartbeatAt ?? run.startedAt) <= LEASE_MS;
}

/** This process, as a limit lease names its holder's process. */
export function thisProcess(): LeaseOwner {
  return { host: THIS_HOST, pid: process.pid, startedAt: THIS_PROCESS_STARTED };
}

/** Whether `owner` is a process of this host that has ended (another host's processes are never known gone). */
export function processGone(owner: LeaseOwner): boolean {
  if (owner.host !== THIS_HOST) return false;
  if (!pidAlive(owner.pid)) return true;
  if (owner.startedAt === undefined) return false;
  const started = processStartedAt(owner.pid);
  // Both start times come from /proc the same way; a second apart is another process that got the pid.
  return started !== undefined && Math.abs(started - owner.startedAt) >= 1000;
}

/** Whether a `running` (or `queued`) run's owner is provably gone: it crashed. */
export function isOrphaned(run: RunRecord, now: number = Date.now()): boolean {
  // A queued run is owned too: the server that accepted it starts it at once.
  if (run.status !== "running" && run.status !== "queued") return false;
  // A run on workers has no owner process: its steps' leases are the workers' (see @sluice/postgres).
  if (run.executor === "workers") return false;
  return !ownerAlive(run, now);
}

/** How read-only commands show a run: a run whose owner is provably dead is `failed (crashed)`, without writing. */
export function shownRun(run: RunRecord, now: number = Date.now()): RunRecord {
  return isOrphaned(run, now) ? { ...run, status: "failed", reason: "crashed" } : run;
}

/**
 * Claims `run` (as read from the store) for this process: refused, naming the owner, while its owner
 * lives (a run this process queued itself, as a server does, is its own) or once it succeeded;
 * exactly one of several claimants with the same view wins. Returns the claim token; the store fences the run with it.
 */
export async function claimRun(runs: RunStore, run: RunRecord): Promise<string> {
  const live = run.status === "running" || (run.status === "queued" && !isThisProcess(run));
  if (live && ownerAlive(run)) throw ownedError(run);
  if (run.status === "succeeded") {
    throw new SluiceError(
      "conflict",
      `Run ${run.runId} already succeeded (run by process ${ownerName(run)}); there is nothing to resume.`,
      { runId: run.runId, details: { owner: ownerName(run) } },
    );
  }
  const claim = newClaim();
  if (
    !(await runs.casRun(run.runId, run.claim, {
      status: "running",
      ...ownerFields(),
      heartbeatAt: Date.now(),
      claim,
    }))
  ) {
    const now = await runs.findRun(run.runId);
    throw ownedError(now ?? run);
  }
  runs.fenceRun(run.runId, claim);
  return claim;
}

/** A run another live process owns: refused, naming that process. */
export function ownedError(run: RunRecord): SluiceError {
  return new SluiceError(
    "conflict",
    `Run ${run.runId} is being run by process ${ownerName(run)}; nothing was run. Wait for it to end (sluice runs), or stop that process first.`,
    {
      runId: run.runId,
      details: { owner: ownerName(run) },
    },
  );
}

/**
 * Records `run` as running under this process. A new run is created under a new claim; a run being
 * resumed (`resumed`: its record as read from the store) is claimed first (claimRun), and its end is
 * cleared. Either way the store fences the run with the claim.
 */
export async function takeRun(
  runs: RunStore,
  run: Omit<RunRecord, "claim">,
  resumed?: RunRecord,
): Promise<void> {
  if (resumed) {
    await claimRun(runs, resumed);
    const { runId, startedAt: _kept, ...fields } = run;
    await runs.updateRun(runId, {
      ...fields,
      reason: undefined,
      finishedAt: undefined,
      durationMs: undefined,
      error: undefined,
    });
    return;
  }
  const claim = newClaim();
  await runs.createRun({ ...run, claim });
  runs.fenceRun(run.runId, claim);
}

/**
 * Takes a run this process queued itself (a trigger) from queued to running, under the claim it was
 * created with: nothing is read back, and what the trigger recorded stays. Refused when another
 * process took the run meanwhile (its claim changed).
 */
export async function adoptRun(
  runs: RunStore,
  run: Omit<RunRecord, "claim" | "startedAt">,
  claim: string,
): Promise<void> {
  const { runId, ...fields } = run;
  if (!(await runs.casRun(runId, claim, { ...fields, status: "running" }))) {
    const now = await runs.findRun(runId);
    if (!now) throw new SluiceError("not-found", `No queued run ${runId} to start.`);
    throw ownedError(now);
  }
  runs.fenceRun(runId, claim);
}

/** A new claim token for a run this process creates. */
export function newClaim(): string {
  return randomUUID();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
