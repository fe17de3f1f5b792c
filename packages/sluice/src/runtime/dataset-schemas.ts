/**
 * Dataset schemas before anything runs: each step that can derive its output's columns from its
 * inputs' columns (the DuckDB recipes do) derives them, in plan order, from what its upstream will
 * produce or has recorded in the catalog. A derivation that refuses (a column a recipe needs is
 * missing) fails the preview or the run with exit 2, naming the column. A pending step whose
 * upstream's columns differ from those recorded for its last output runs with the reason
 * `upstream-schema-changed`, which says more than `upstream-changed`.
 */
import type { DatasetColumn, PipelineGraph } from "../core/index.js";
import type { Stores } from "../engine/index.js";
import type { Plan, PlannedStep } from "../planner/index.js";

export async function deriveDatasetSchemas(
  graph: PipelineGraph,
  plan: Plan,
  stores: Pick<Stores, "catalog" | "completions">,
): Promise<Plan> {
  if (!graph.nodes.some((node) => node.def.deriveColumns)) return plan;
  const recorded = recordedColumns(stores);
  const derived = new Map<number, readonly DatasetColumn[] | undefined>();
  const columnsOf = async (index: number) => {
    if (derived.has(index)) return derived.get(index);
    const planned = plan.byName.get(graph.nodes[index]!.name);
    return planned?.status === "complete" ? recorded(planned.completion!.output.hash) : undefined;
  };
  const steps: PlannedStep[] = [];
  const columns = new Map<string, readonly DatasetColumn[]>();
  for (const step of plan.steps) {
    const node = graph.nodes[step.index]!;
    let shown = step;
    if (node.def.deriveColumns) {
      const inputs: Record<string, readonly DatasetColumn[] | undefined> = {};
      for (const input of node.inputs)
        if (input.field === undefined) inputs[input.name] = await columnsOf(input.from);
      const own = await node.def.deriveColumns(inputs);
      derived.set(step.index, own);
      if (own) columns.set(step.name, own);
    }
    if (step.status === "pending" && step.reason === "upstream-changed") {
      for (const input of node.inputs) {
        const now = derived.get(input.from);
        if (!now) continue;
        const upstream = graph.nodes[input.from]!.name;
        const latest = await stores.completions.latestCompletion(graph.pipeline, upstream);
        const before = latest && (await recorded(latest.output.hash));
        if (before && !sameColumns(before, now)) {
          shown = { ...step, reason: "upstream-schema-changed" };
          break;
        }
      }
    }
    steps.push(shown);
  }
  return {
    ...plan,
    steps,
    byName: new Map(steps.map((step) => [step.name, step])),
    columns,
  };
}

/** The columns the catalog recorded for an artifact, read once per hash. */
function recordedColumns(stores: Pick<Stores, "catalog">) {
  const cache = new Map<string, Promise<readonly DatasetColumn[] | undefined>>();
  return (hash: string): Promise<readonly DatasetColumn[] | undefined> => {
    let found = cache.get(hash);
    if (!found) {
      found = (async () => {
        if (!stores.catalog) return undefined;
        const entries = await stores.catalog.findDatasets(hash);
        return entries.find((entry) => entry.hash === hash)?.columns;
      })();
      cache.set(hash, found);
    }
    return found;
  };
}

function sameColumns(a: readonly DatasetColumn[], b: readonly DatasetColumn[]): boolean {
  return (
    a.length === b.length &&
    a.every((column, i) => column.name === b[i]!.name && column.type === b[i]!.type)
  );
}
