/**
 * A flow's definition as the server registers it: the graph (steps, dependencies, code fingerprints)
 * and the parameter schema, with a SHA-256 over its canonical JSON. The hash changes when anything a
 * run depends on changes, so two registrations with one hash run the same way.
 */
import { z } from "zod";
import { canonicalJson, isSecret, sha256, type PipelineGraph } from "../core/index.js";

export interface FlowStep {
  name: string;
  deps: string[];
  params: string[];
  fingerprint: string;
  description?: string;
}

export interface FlowDefinition {
  name: string;
  /** The pipeline's version label, or the hash's first 12 characters when it has none. */
  version: string;
  hash: string;
  description?: string;
  steps: FlowStep[];
  /** JSON Schema of the run's params: an object with one property per declared parameter. */
  paramsSchema: { type: "object"; properties: Record<string, unknown>; required: string[]; additionalProperties: false };
}

export function flowDefinition(graph: PipelineGraph, options: { version?: string; description?: string } = {}): FlowDefinition {
  const steps: FlowStep[] = graph.nodes.map((node) => {
    const step: FlowStep = { name: node.name, deps: [...node.depNames], params: [...node.def.paramNames], fingerprint: node.def.fingerprint };
    if (node.def.description !== undefined) step.description = node.def.description;
    return step;
  });
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, declaredBy] of graph.params) {
    const schema = graph.byName.get(declaredBy[0]!)!.def.params[name]!;
    const json = paramJsonSchema(schema);
    properties[name] = isSecret(schema) ? { ...json, writeOnly: true, "x-sluice-secret": true } : json;
    if (!schema.safeParse(undefined).success) required.push(name);
  }
  const paramsSchema = { type: "object" as const, properties, required: required.sort(), additionalProperties: false as const };
  const hash = sha256(canonicalJson({ name: graph.pipeline, version: options.version ?? null, steps, paramsSchema }));
  const definition: FlowDefinition = { name: graph.pipeline, version: options.version ?? hash.slice(0, 12), hash, steps, paramsSchema };
  if (options.description !== undefined) definition.description = options.description;
  return definition;
}

function paramJsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" }) as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}
