/**
 * Lineage by step instance: the completion (pipeline, step, run) that made an output, the completions
 * its inputs came from, and those made from it. Two steps can make the same bytes (a step that passes
 * its input on), so a content hash does not say which step an input came from: links follow the
 * instances each completion records (`inputKeys`), and content hashes only for completions recorded
 * before sluice kept them.
 */
import { SluiceError } from "../core/index.js";
import type { Completion, CompletionStore, DatasetCatalog, RunStore } from "../store/index.js";

/** What lineage reads: completions, runs' step records (to find a step's output) and the dataset catalog. */
/** The roles lineage reads (an open home has them). */
export interface LineageStore {
  completions: CompletionStore;
  runs: Pick<RunStore, "listRuns" | "getRun">;
  catalog: Pick<DatasetCatalog, "findDatasets">;
}

export interface LineageLink {
  depth: number;
  pipeline: string;
  step: string;
  artifact: string;
  runId: string;
  /** The instance one link nearer the start that this one was reached from (its edge in a lineage graph). */
  via: { pipeline: string; step: string; runId: string };
}

/**
 * The step instances `query` names, among `allowed` pipelines when given: a step ("pipeline/step" or
 * "step": the instance that made its newest output), or an artifact hash or dataset hash prefix (every
 * instance that made those bytes).
 */
export async function lineageStart(
  store: LineageStore,
  query: string,
  allowed?: ReadonlySet<string>,
): Promise<Completion[]> {
  const visible = (c: { pipeline: string }) => allowed === undefined || allowed.has(c.pipeline);
  const slash = query.indexOf("/");
  const pipeline = slash > 0 ? query.slice(0, slash) : undefined;
  const step = slash > 0 ? query.slice(slash + 1) : query;
  const named = (c: { pipeline: string; step: string }) =>
    c.step === step && (pipeline === undefined || c.pipeline === pipeline) && visible(c);
  const madeOf = async (hash: string, which: (c: Completion) => boolean) =>
    (await store.completions.producersOf(hash))
      .filter((c) => c.output.hash === hash && which(c))
      .sort((a, b) => a.createdAt - b.createdAt);

  const entries = (await store.catalog.findDatasets(query)).filter(visible);
  const entry = entries.find(named);
  if (entry) {
    const made = await madeOf(entry.hash, named);
    if (made.length > 0)
      return [made.find((c) => c.runId === entry.runId) ?? made[made.length - 1]!];
  }
  for (const run of await store.runs.listRuns({ pipeline, limit: 200 })) {
    if (!visible(run)) continue;
    const record = (await store.runs.getRun(run.runId))?.steps.find(
      (s) => s.step === step && s.output,
    );
    if (!record?.output) continue;
    const completion =
      record.cacheKey === undefined
        ? undefined
        : await store.completions.findCompletion(record.cacheKey);
    if (completion && completion.output.hash === record.output.hash && visible(completion))
      return [completion];
    const made = await madeOf(record.output.hash, named);
    if (made.length > 0) return [made[made.length - 1]!];
  }
  const hash = entries[0]?.hash ?? (/^[0-9a-f]{64}$/.test(query) ? query : undefined);
  const made = hash === undefined ? [] : await madeOf(hash, visible);
  if (made.length > 0) return made;
  throw new SluiceError(
    "not-found",
    `No artifact or step "${query}". Name a step (pipeline/step or step) or an artifact hash.`,
  );
}

/** The output of the `start` instances, who made it, and the instances upstream and downstream of them, up to `depth` links away. */
export async function lineageJson(
  store: LineageStore,
  start: readonly Completion[],
  depth: number,
) {
  return {
    artifact: start[0]!.output.hash,
    madeBy: start.map((c) => ({
      pipeline: c.pipeline,
      step: c.step,
      runId: c.runId,
      inputs: c.inputHashes,
    })),
    upstream: await walk(store, start, depth, upstreamOf),
    downstream: await walk(store, start, depth, downstreamOf),
  };
}

/** Breadth-first from instance to instance; each instance is listed once, at its first depth. */
async function walk(
  store: LineageStore,
  start: readonly Completion[],
  maxDepth: number,
  next: (store: LineageStore, c: Completion) => Promise<Completion[]>,
): Promise<LineageLink[]> {
  const links: LineageLink[] = [];
  const seen = new Set(start.map((c) => c.cacheKey));
  let frontier = start;
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const found: Completion[] = [];
    for (const completion of frontier) {
      for (const other of await next(store, completion)) {
        if (seen.has(other.cacheKey)) continue;
        seen.add(other.cacheKey);
        links.push({
          depth,
          pipeline: other.pipeline,
          step: other.step,
          artifact: other.output.hash,
          runId: other.runId,
          via: { pipeline: completion.pipeline, step: completion.step, runId: completion.runId },
        });
        found.push(other);
      }
    }
    frontier = found;
  }
  return links;
}

/** The instances a completion's inputs came from (declared files and absent optional inputs have none). */
async function upstreamOf(store: LineageStore, completion: Completion): Promise<Completion[]> {
  const found: Completion[] = [];
  for (const [name, hash] of Object.entries(completion.inputHashes)) {
    if (name.startsWith("file:")) continue;
    const key = completion.inputKeys?.[name];
    const producer =
      (key === undefined ? undefined : await store.completions.findCompletion(key)) ??
      (await madeBefore(store, hash, completion));
    if (producer) found.push(producer);
  }
  return found;
}

/**
 * For a completion recorded without `inputKeys`: the newest other completion, made no later than it,
 * whose output (or one field of it) has this hash. Never the completion itself.
 */
async function madeBefore(
  store: LineageStore,
  hash: string,
  completion: Completion,
): Promise<Completion | undefined> {
  const others = (await store.completions.producersOf(hash))
    .filter((c) => c.cacheKey !== completion.cacheKey)
    .sort((a, b) => a.createdAt - b.createdAt);
  const earlier = others.filter((c) => c.createdAt <= completion.createdAt);
  return earlier.length > 0 ? earlier[earlier.length - 1] : others[0];
}

/** The instances made from a completion's output: by the key they recorded, or (recorded without keys) by content. */
async function downstreamOf(store: LineageStore, completion: Completion): Promise<Completion[]> {
  const byKey = await store.completions.consumersOfInstance(completion.cacheKey);
  const byContent = (await store.completions.consumersOf(completion.output.hash)).filter(
    (c) => c.inputKeys === undefined && c.cacheKey !== completion.cacheKey,
  );
  return [...byKey, ...byContent];
}
