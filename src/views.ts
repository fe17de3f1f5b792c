/**
 * The JSON views of runs, steps, logs, datasets and lineage: one shape for `sluice ... --json` and
 * for the HTTP API (the client's types come from core/wire.ts, which describes these).
 */
import { arrowToRecords, decodeValue, type ArtifactRef } from "./artifacts/index.js";
import { SluiceError } from "./core/index.js";
import type { SluiceHome } from "./home.js";
import { DEFAULT_PROJECT, type Completion, type DatasetRecord, type LogRecord, type RunRecord, type StepRunRecord } from "./store/index.js";

const iso = (time: number | undefined) => (time === undefined ? null : new Date(time).toISOString());

export function runJson(run: RunRecord) {
  return {
    runId: run.runId,
    project: run.project ?? DEFAULT_PROJECT,
    pipeline: run.pipeline,
    status: run.status,
    running: run.status === "running" || run.status === "queued",
    ...(run.reason ? { reason: run.reason } : {}),
    params: run.params,
    ...(run.targets ? { targets: run.targets } : {}),
    ...(run.flow ? { flow: run.flow } : {}),
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: iso(run.finishedAt),
    durationMs: run.durationMs ?? null,
    ...(run.error ? { error: run.error } : {}),
  };
}

export function stepJson(step: StepRunRecord) {
  const { runId: _runId, ...rest } = step;
  return { ...rest, name: step.step, startedAt: iso(step.startedAt), finishedAt: iso(step.finishedAt) };
}

/** The step that failed first (a crash only when nothing else failed), or the run's own error. */
export function firstFailureOf(run: RunRecord, steps: readonly StepRunRecord[]) {
  const failed = steps.find((step) => step.status === "failed" && step.error && step.error.code !== "crashed") ?? steps.find((step) => step.status === "failed");
  if (failed) return { step: failed.step, error: failed.error! };
  return run.error ? { step: undefined, error: run.error } : undefined;
}

/** A run's full status, first failure first (as `sluice show --json` prints it). */
export function runDetailJson(run: RunRecord, steps: readonly StepRunRecord[]) {
  const firstFailure = firstFailureOf(run, steps);
  return { ...(firstFailure ? { firstFailure } : {}), ...runJson(run), steps: steps.map(stepJson) };
}

/** The lightweight status a poller asks for: is it still running, and how did it end. */
export function lightStatusJson(run: RunRecord) {
  const running = run.status === "running" || run.status === "queued";
  return { runId: run.runId, status: run.status, running, finishedAt: iso(run.finishedAt), outcome: running ? null : run.status };
}

export function logJson(log: LogRecord) {
  return { ...log, time: new Date(log.time).toISOString() };
}

export function datasetJson(entry: DatasetRecord) {
  return { dataset: `${entry.pipeline}/${entry.step}`, ...entry, createdAt: new Date(entry.createdAt).toISOString() };
}

export function schemaJson(entry: DatasetRecord) {
  return { dataset: `${entry.pipeline}/${entry.step}`, artifact: entry.hash, tag: entry.tag, kind: entry.kind, rows: entry.rows ?? null, columns: entry.columns ?? [] };
}

/** The one dataset `query` names ("pipeline/step", a step, or an artifact hash prefix), among `allowed` pipelines when given. */
export async function findDataset(home: SluiceHome, query: string, allowed?: ReadonlySet<string>): Promise<DatasetRecord> {
  const entries = (await home.store.findDatasets(query)).filter((e) => allowed === undefined || allowed.has(e.pipeline));
  if (entries.length === 0) {
    const known = (await home.store.listDatasets()).filter((e) => allowed === undefined || allowed.has(e.pipeline)).map((e) => `${e.pipeline}/${e.step}`);
    throw new SluiceError("not-found", `No dataset "${query}". Name it as pipeline/step, a step, or an artifact hash prefix.${known.length > 0 ? ` Known: ${known.slice(0, 10).join(", ")}.` : ""}`);
  }
  const names = new Set(entries.map((e) => `${e.pipeline}/${e.step}`));
  if (names.size > 1) throw new SluiceError("invalid-usage", `"${query}" names several datasets (${[...names].join(", ")}); name one as pipeline/step.`);
  return entries[0]!;
}

/** The first `n` rows of a tabular dataset, and how many it has. */
export async function datasetRows(home: SluiceHome, entry: DatasetRecord, n: number): Promise<{ rows: Array<Record<string, unknown>>; total: number }> {
  const encoded = home.artifacts.get({ hash: entry.hash, kind: entry.kind, size: entry.size } as ArtifactRef);
  if (!encoded) throw new SluiceError("not-found", `The stored data of ${entry.pipeline}/${entry.step} (artifact ${entry.hash.slice(0, 12)}) is missing or corrupted. Run the pipeline again to recompute it.`);
  const value = await decodeValue(encoded);
  const records = entry.kind === "table" ? arrowToRecords(value as never) : value;
  if (!Array.isArray(records)) throw new SluiceError("invalid-usage", `${entry.pipeline}/${entry.step} is not tabular (a ${entry.tag}); only datasets have rows.`);
  return { rows: records.slice(0, n) as Array<Record<string, unknown>>, total: records.length };
}

export interface LineageLink {
  depth: number;
  pipeline: string;
  step: string;
  artifact: string;
  runId: string;
}

/** An artifact's producers and its upstream and downstream artifacts, up to `depth` links away. */
export async function lineageJson(home: SluiceHome, hash: string, depth: number) {
  const producers = await home.store.producersOf(hash);
  return {
    artifact: hash,
    madeBy: producers.map((c) => ({ pipeline: c.pipeline, step: c.step, runId: c.runId, inputs: c.inputHashes })),
    upstream: await walk(home, hash, depth, "up"),
    downstream: await walk(home, hash, depth, "down"),
  };
}

/** Breadth-first through completions: up to the artifacts an artifact was made from, or down to those made from it. */
async function walk(home: SluiceHome, start: string, maxDepth: number, direction: "up" | "down"): Promise<LineageLink[]> {
  const links: LineageLink[] = [];
  const seen = new Set([start]);
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const hash of frontier) {
      const found: Completion[] = direction === "down" ? await home.store.consumersOf(hash) : await home.store.producersOf(hash);
      const hashes =
        direction === "down"
          ? found.map((c) => ({ c, artifact: c.output.hash }))
          : found.flatMap((c) => Object.values(c.inputHashes).map((artifact) => ({ c, artifact })));
      for (const { c, artifact: input } of hashes) {
        // Going up, an input hash may be one field of an output: follow the whole output that holds it.
        const producer = direction === "down" ? c : (await home.store.producersOf(input))[0];
        if (!producer) continue;
        const artifact = direction === "down" ? input : producer.output.hash;
        if (seen.has(artifact)) continue;
        seen.add(artifact);
        links.push({ depth, pipeline: producer.pipeline, step: producer.step, artifact, runId: producer.runId });
        next.push(artifact);
      }
    }
    frontier = next;
  }
  return links;
}

/** An artifact hash from a dataset name, a step name ("pipeline/step" or "step") or a hash prefix. */
export async function resolveArtifact(home: SluiceHome, query: string, allowed?: ReadonlySet<string>): Promise<string> {
  const entries = (await home.store.findDatasets(query)).filter((e) => allowed === undefined || allowed.has(e.pipeline));
  if (entries.length > 0) return entries[0]!.hash;
  const slash = query.indexOf("/");
  const pipeline = slash > 0 ? query.slice(0, slash) : undefined;
  const step = slash > 0 ? query.slice(slash + 1) : query;
  for (const run of await home.store.listRuns({ pipeline, limit: 200 })) {
    if (allowed !== undefined && !allowed.has(run.pipeline)) continue;
    const detail = await home.store.getRun(run.runId);
    const found = detail?.steps.find((s) => s.step === step && s.output);
    if (found?.output) return found.output.hash;
  }
  if (/^[0-9a-f]{6,64}$/.test(query)) {
    const producers = (await home.store.producersOf(query)).filter((c) => allowed === undefined || allowed.has(c.pipeline));
    if (producers.length > 0) return query;
  }
  throw new SluiceError("not-found", `No artifact or step "${query}". Name a step (pipeline/step or step) or an artifact hash.`);
}
