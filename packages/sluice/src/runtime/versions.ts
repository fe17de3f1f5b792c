/**
 * Versions of a pipeline by name: every run registers its definition (version label, snapshot hash
 * and the frozen snapshot itself, once per process and store), so a later definition can be compared
 * with the one a version label names: steps added, removed and changed (code, deps, params), and the
 * metrics of their latest runs side by side (flowyml's `pipeline.compare_with("v0.9.0")`).
 */
import { SluiceError } from "../core/index.js";
import type { Stores } from "../engine/index.js";
import type { FlowVersionStore, RunRecord, RunStore } from "../store/index.js";
import {
  compareSnapshots,
  SNAPSHOT_FORMAT,
  type Snapshot,
  type SnapshotComparison,
  type SnapshotJson,
} from "./snapshot.js";
import { compareRuns, type RecordStores } from "./views.js";

/** Definitions registered by this process, per store: a run registers its own only once. */
const registered = new WeakMap<object, Set<string>>();

/** Registers a pipeline's definition with its snapshot (JSON text), unless this process did so already. */
export async function registerVersion(
  stores: Pick<Stores, "versions">,
  project: string,
  pipeline: string,
  snapshot: () => string,
  ref: { version: string; hash: string },
): Promise<void> {
  const versions = stores.versions;
  if (!versions) return;
  let done = registered.get(versions);
  if (!done) registered.set(versions, (done = new Set()));
  const key = `${project}\u0000${pipeline}\u0000${ref.hash}`;
  if (done.has(key)) return;
  // A definition registered with its snapshot before (by an earlier process) is not written again.
  const known = await versions.listFlowVersions(project, pipeline);
  if (known.some((v) => v.hash === ref.hash && v.hasSnapshot)) {
    done.add(key);
    return;
  }
  await versions.registerFlowVersion({
    project,
    flow: pipeline,
    version: ref.version,
    hash: ref.hash,
    registeredAt: Date.now(),
    snapshot: snapshot(),
  });
  done.add(key);
}

/** One version of a pipeline: its label and hash, and its runs (newest last). */
export interface VersionSummary {
  version: string;
  hash: string;
  /** When it was last registered (a run, a server start). */
  registeredAt: number;
  runs: number;
  firstRun?: { runId: string; startedAt: number };
  lastRun?: { runId: string; startedAt: number; status: RunRecord["status"] };
}

/** The versions of a pipeline (registered, or seen on runs), newest first. */
export async function listVersions(
  stores: { runs: RunStore; versions?: FlowVersionStore },
  project: string,
  pipeline: string,
): Promise<VersionSummary[]> {
  const byHash = new Map<string, VersionSummary>();
  for (const record of (await stores.versions?.listFlowVersions(project, pipeline)) ?? [])
    byHash.set(record.hash, {
      version: record.version,
      hash: record.hash,
      registeredAt: record.registeredAt,
      runs: 0,
    });
  const runs = await stores.runs.listRuns({ pipeline, project });
  for (const run of [...runs].sort((a, b) => a.startedAt - b.startedAt)) {
    if (!run.flow) continue;
    let summary = byHash.get(run.flow.hash);
    if (!summary)
      byHash.set(run.flow.hash, (summary = { ...run.flow, registeredAt: run.startedAt, runs: 0 }));
    summary.runs++;
    summary.firstRun ??= { runId: run.runId, startedAt: run.startedAt };
    summary.lastRun = { runId: run.runId, startedAt: run.startedAt, status: run.status };
  }
  const latest = (v: VersionSummary) => Math.max(v.registeredAt, v.lastRun?.startedAt ?? 0);
  return [...byHash.values()].sort((a, b) => latest(b) - latest(a));
}

/**
 * The version `wanted` names: a version label (the newest definition carrying it) or a hash prefix
 * of at least 6 characters. Unknown: an error listing the known versions.
 */
export function pickVersion(
  versions: readonly VersionSummary[],
  pipeline: string,
  wanted: string,
): VersionSummary {
  const found =
    versions.find((v) => v.version === wanted) ??
    (wanted.length >= 6 ? versions.find((v) => v.hash.startsWith(wanted)) : undefined);
  if (found) return found;
  const known = [...new Set(versions.map((v) => v.version))];
  throw new SluiceError(
    "invalid-usage",
    `No version "${wanted}" of pipeline "${pipeline}". ${known.length > 0 ? `Known versions: ${known.join(", ")}.` : "It has none recorded yet: each run records its version (the pipeline's version option, else its hash)."}`,
    { details: { pipeline, version: wanted, known } },
  );
}

/** Today's definition beside a recorded version, and their latest runs' metrics side by side. */
export interface VersionComparison {
  pipeline: string;
  from: { version: string; hash: string; runId?: string };
  to: { version: string; hash: string; runId?: string };
  changes: SnapshotComparison;
  /** Each metric of the two latest runs (the version's, today's definition's), when both have one. */
  metrics: Array<{
    step: string;
    name: string;
    a: number | null;
    b: number | null;
    delta: number | null;
  }>;
}

export async function compareWithVersion(
  stores: RecordStores & { versions?: FlowVersionStore },
  project: string,
  today: Snapshot,
  todayRef: { version: string; hash: string },
  wanted: string,
): Promise<VersionComparison> {
  const pipeline = today.pipeline;
  if (!stores.versions)
    throw new SluiceError(
      "invalid-usage",
      `pipeline "${pipeline}": this store keeps no version history (an in-memory store); compare with a home or a stack.`,
    );
  const versions = await listVersions(stores, project, pipeline);
  const chosen = pickVersion(versions, pipeline, wanted);
  const text = await stores.versions.flowSnapshot(project, pipeline, chosen.hash);
  const recorded = text === undefined ? undefined : (JSON.parse(text) as SnapshotJson);
  if (recorded?.format !== SNAPSHOT_FORMAT)
    throw new SluiceError(
      "not-found",
      `Version "${chosen.version}" (${chosen.hash.slice(0, 12)}) of pipeline "${pipeline}" was recorded without its snapshot (by a sluice older than this one), so its steps cannot be compared. Its runs can: sluice compare RUN_A RUN_B.`,
    );
  const current = versions.find((v) => v.hash === todayRef.hash);
  const fromRun = chosen.lastRun?.runId;
  const toRun = current?.lastRun?.runId;
  const metrics =
    fromRun && toRun && fromRun !== toRun
      ? (await compareRuns(stores, fromRun, toRun)).metrics
      : [];
  return {
    pipeline,
    from: { version: chosen.version, hash: chosen.hash, ...(fromRun ? { runId: fromRun } : {}) },
    to: { ...todayRef, ...(toRun ? { runId: toRun } : {}) },
    changes: compareSnapshots(recorded, today.toJSON()),
    metrics,
  };
}
