/** What preview shows: every planned step and why it would run or not, as a tree or as JSON. */
import {
  maskParams,
  type DatasetColumn,
  skipConditions,
  type PipelineGraph,
  type PlanStatus,
  type Reason,
} from "../core/index.js";
import { decodeValue, type ArtifactRef } from "../artifacts/index.js";
import type { Stores } from "../engine/index.js";
import { formatTree, type Plan } from "../planner/index.js";
import type { ContextPreview } from "./contexts.js";

export interface PreviewStep {
  name: string;
  status: PlanStatus;
  reason: Reason;
  /** Steps this one depends on. */
  deps: string[];
  /** The params this step declares, as the run would see them. */
  params: Record<string, unknown>;
  /** The conditional steps (`when`) whose skip skips this one too (itself included); absent when none. */
  conditions?: string[];
  /** With reason `items-failed`: how many items of the map's last output failed (the run retries just those). */
  itemsFailed?: number;
  /** A runFlow step: the flow whose run it would start (its own steps are planned when it starts). */
  runsFlow?: string;
  /** Its cache key, known when every upstream step is complete. */
  cacheKey?: string;
  /** What the cache key is made of: the code fingerprint, the params' hash, each input's content hash once known. */
  keyInputs?: { code: string; params: string; inputs?: Record<string, string> };
  /** A dataset step's output columns, derived before the run (DuckDB recipes). */
  columns?: DatasetColumn[];
}

/**
 * What preview shows of a dynamic step's expansion: once it has run, the steps it expanded to
 * (complete); before, one `dynamic` placeholder, since they are only known at run time.
 */
async function expansionRows(
  step: string,
  output: ArtifactRef | undefined,
  stores: Stores,
): Promise<PreviewStep[]> {
  const encoded = output === undefined ? undefined : await stores.artifacts.get(output);
  const value =
    encoded === undefined ? undefined : ((await decodeValue(encoded)) as { expanded?: unknown });
  if (!Array.isArray(value?.expanded))
    return [
      { name: `${step}/*`, status: "dynamic", reason: "missing-output", deps: [step], params: {} },
    ];
  return (value.expanded as string[]).map((child) => ({
    name: `${step}/${child}`,
    status: "complete" as const,
    reason: "complete" as const,
    deps: [step],
    params: {},
  }));
}

/** How the tree says when a step runs only if conditions hold. */
function conditionNote(step: PreviewStep): string {
  if (!step.conditions) return "";
  const others = step.conditions.filter((name) => name !== step.name);
  const own = others.length < step.conditions.length ? "; runs only if its condition holds" : "";
  return `${own}${others.length > 0 ? `; skipped if ${others.map((n) => `"${n}"`).join(", ")} ${others.length > 1 ? "are" : "is"} skipped` : ""}`;
}

/** The derived columns of a dataset step, as the tree shows them: names, the first eight. */
function columnsNote(step: PreviewStep): string {
  if (!step.columns) return "";
  const names = step.columns.slice(0, 8).map((column) => column.name);
  const more = step.columns.length > 8 ? `, +${step.columns.length - 8} more` : "";
  return ` [${names.join(", ")}${more}]`;
}

/** The rows of a preview: every planned step (its params masked) and, after a dynamic step, its expansion. */
export async function previewSteps(
  graph: PipelineGraph,
  plan: Plan,
  stores: Stores,
): Promise<PreviewStep[]> {
  const conditions = skipConditions(graph);
  const steps: PreviewStep[] = [];
  for (const step of plan.steps) {
    const shown: PreviewStep = {
      name: step.name,
      status: step.status,
      reason: step.reason,
      deps: [...step.deps],
      params: maskParams(step.params, graph.secretParams),
    };
    const skippedWith = conditions.get(step.index);
    if (skippedWith) shown.conditions = skippedWith;
    if (step.itemsFailed !== undefined) shown.itemsFailed = step.itemsFailed;
    const def = graph.nodes[step.index]!.def;
    if (def.childFlow !== undefined) shown.runsFlow = def.childFlow;
    if (step.cacheKey !== undefined) shown.cacheKey = step.cacheKey;
    const columns = plan.columns?.get(step.name);
    if (columns) shown.columns = columns.map((column) => ({ ...column }));
    shown.keyInputs = {
      code: def.fingerprint,
      params: step.paramsHash,
      ...(step.inputHashes ? { inputs: { ...step.inputHashes } } : {}),
    };
    steps.push(shown);
    if (def.dynamic)
      steps.push(
        ...(await expansionRows(
          step.name,
          step.status === "complete" ? step.completion?.output : undefined,
          stores,
        )),
      );
  }
  return steps;
}

/** What would run and why, without running anything. */
export class Preview {
  constructor(
    readonly pipeline: string,
    readonly steps: PreviewStep[],
    /** With a context: the params it sets, beside their defaults. */
    readonly context?: ContextPreview,
  ) {}

  /** What the context changes from the defaults, one line per param (empty without a context). */
  contextText(): string {
    if (!this.context) return "";
    const { name, source, params } = this.context;
    const lines = params.map(
      ({ param, value, default: fallback, required }) =>
        `  ${param}: ${required ? "(required)" : JSON.stringify(fallback)} -> ${JSON.stringify(value)}${!required && JSON.stringify(fallback) === JSON.stringify(value) ? " (same as the default)" : ""}`,
    );
    return `Context ${name} (${source})${lines.length ? `:\n${lines.join("\n")}` : ": sets no params"}\n`;
  }

  /** The plan as a dependency tree, final steps first, as d6tflow's preview prints it. */
  toTree(): string {
    return formatTree(
      this.steps.map((step) => {
        const params = Object.keys(step.params).length > 0 ? ` ${JSON.stringify(step.params)}` : "";
        const failed =
          step.itemsFailed === undefined
            ? ""
            : `, ${step.itemsFailed} ${step.itemsFailed === 1 ? "item" : "items"} to retry`;
        const label =
          step.status === "complete"
            ? "complete"
            : step.status === "dynamic"
              ? `dynamic: known when "${step.deps[0]}" has run`
              : `pending: ${step.reason}${failed}`;
        const child =
          step.runsFlow === undefined ? "" : `; starts a run of flow "${step.runsFlow}"`;
        return {
          name: step.name,
          deps: step.deps,
          label: `${step.name}${params} (${label}${child}${conditionNote(step)})${columnsNote(step)}`,
        };
      }),
    );
  }

  toJSON(): {
    pipeline: string;
    context?: ContextPreview;
    steps: Array<{
      name: string;
      status: PlanStatus;
      reason: Reason;
      deps: string[];
      conditions?: string[];
      itemsFailed?: number;
      runsFlow?: string;
      columns?: DatasetColumn[];
    }>;
  } {
    return {
      pipeline: this.pipeline,
      ...(this.context ? { context: this.context } : {}),
      steps: this.steps.map(
        ({ name, status, reason, deps, conditions, itemsFailed, runsFlow, columns }) => ({
          name,
          status,
          reason,
          deps,
          ...(conditions ? { conditions } : {}),
          ...(itemsFailed === undefined ? {} : { itemsFailed }),
          ...(runsFlow === undefined ? {} : { runsFlow }),
          ...(columns ? { columns } : {}),
        }),
      ),
    };
  }
}
