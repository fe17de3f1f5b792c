/**
 * A flow's definition as the server registers it: its frozen snapshot (graph, code fingerprints,
 * parameter schema; see snapshot.ts) and a version to show: the pipeline's label, or the hash's
 * first 12 characters when it has none.
 */
import type { PipelineGraph } from "../core/index.js";
import { snapshotOf, versionLabel, type SnapshotJson } from "../runtime/index.js";

export type FlowStep = SnapshotJson["steps"][number];

export interface FlowDefinition {
  name: string;
  version: string;
  hash: string;
  description?: string;
  steps: FlowStep[];
  paramsSchema: SnapshotJson["paramsSchema"];
}

export function flowDefinition(
  graph: PipelineGraph,
  options: { version?: string; description?: string } = {},
): FlowDefinition {
  const snapshot = snapshotOf(graph, options.version).toJSON();
  const definition: FlowDefinition = {
    name: graph.pipeline,
    version: versionLabel(options.version, snapshot.hash),
    hash: snapshot.hash,
    steps: snapshot.steps,
    paramsSchema: snapshot.paramsSchema,
  };
  if (options.description !== undefined) definition.description = options.description;
  return definition;
}
