/**
 * Frozen snapshots of a pipeline's definition: graph, code fingerprints, parameter schemas and version,
 * with a SHA-256 over their canonical JSON. Two snapshots with one hash run the same way; `verify()`
 * tells whether a snapshot (e.g. one read back from a file) still matches its hash; `compareSnapshots`
 * says which steps were added, removed or changed, and how.
 */
import type { z } from "zod";
import {
  canonicalJson,
  isSecret,
  jsonSchemaOf,
  sha256,
  SluiceError,
  type PipelineGraph,
} from "../core/index.js";

export const SNAPSHOT_FORMAT = "sluice.snapshot/1" as const;

export interface SnapshotStep {
  name: string;
  deps: string[];
  params: string[];
  fingerprint: string;
  description?: string;
}

export interface ParamsSchema {
  type: "object";
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties: false;
}

/** What a snapshot holds, as JSON (what `sluice freeze` writes). */
export interface SnapshotJson {
  format: typeof SNAPSHOT_FORMAT;
  pipeline: string;
  /** The pipeline's declared version label, if any. */
  version: string | null;
  hash: string;
  steps: SnapshotStep[];
  paramsSchema: ParamsSchema;
}

export interface Snapshot extends Readonly<SnapshotJson> {
  /** True when the content still hashes to `hash`. */
  verify(): boolean;
  toJSON(): SnapshotJson;
}

/** The snapshot of a pipeline's graph (see `freeze(pipeline)` for the public entry point). */
export function snapshotOf(graph: PipelineGraph, version?: string): Snapshot {
  const steps: SnapshotStep[] = graph.nodes.map((node) => {
    const step: SnapshotStep = {
      name: node.name,
      deps: [...node.depNames],
      params: [...node.def.paramNames],
      fingerprint: node.def.fingerprint,
    };
    if (node.def.description !== undefined) step.description = node.def.description;
    return step;
  });
  const content = {
    format: SNAPSHOT_FORMAT as typeof SNAPSHOT_FORMAT,
    pipeline: graph.pipeline,
    version: version ?? null,
    steps,
    paramsSchema: paramsSchemaOf(graph),
  };
  return sealed({ ...content, hash: hashOf(content) }, true);
}

/** The version a run or a flow shows: the pipeline's label, or its snapshot hash's first 12 characters. */
export function versionLabel(version: string | undefined, hash: string): string {
  return version ?? hash.slice(0, 12);
}

/**
 * The snapshot `snapshotOf(graph, version)` would make, as JSON text (its canonical form with its
 * hash), built in one pass without the objects: what a run registers with its definition.
 */
export function snapshotText(
  graph: PipelineGraph,
  version: string | undefined,
  hash: string,
): string {
  const text = contentText(
    graph.pipeline,
    version ?? null,
    stepsText(graph),
    paramsSchemaOf(graph),
  );
  return `{"hash":${JSON.stringify(hash)},${text.slice(1)}`;
}

function stepsText(graph: PipelineGraph): string {
  return graph.nodes
    .map((node) =>
      stepText(
        node.name,
        node.depNames,
        node.def.paramNames,
        node.def.fingerprint,
        node.def.description,
      ),
    )
    .join(",");
}

/** The hash `snapshotOf(graph, version)` would have, without building the snapshot (every run records it). */
export function snapshotHash(graph: PipelineGraph, version?: string): string {
  return sha256(
    contentText(graph.pipeline, version ?? null, stepsText(graph), paramsSchemaOf(graph)),
  );
}

function paramsSchemaOf(graph: PipelineGraph): ParamsSchema {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, declaredBy] of graph.params) {
    const schema = graph.byName.get(declaredBy[0]!)!.def.params[name]!;
    const json = paramJsonSchema(schema);
    properties[name] = isSecret(schema)
      ? { ...json, writeOnly: true, "x-sluice-secret": true }
      : json;
    if (!schema.safeParse(undefined).success) required.push(name);
  }
  return { type: "object", properties, required: required.sort(), additionalProperties: false };
}

/** A snapshot from its JSON (a file written by `sluice freeze`); `where` names it in errors. */
export function readSnapshot(value: unknown, where: string): Snapshot {
  const problems = snapshotProblems(value);
  if (problems.length > 0) {
    throw new SluiceError(
      "invalid-usage",
      `${where} is not a sluice snapshot (${SNAPSHOT_FORMAT}):\n- ${problems.join("\n- ")}\nWrite one with: sluice freeze FILE --out snapshot.json`,
      { details: { problems } },
    );
  }
  return sealed(value as SnapshotJson);
}

export interface StepChange {
  step: string;
  /** What differs: its code fingerprint, its dependencies, the params it declares. */
  changes: Array<"code" | "deps" | "params">;
}

export interface SnapshotComparison {
  same: boolean;
  version: { from: string | null; to: string | null } | undefined;
  added: string[];
  removed: string[];
  changed: StepChange[];
  params: { added: string[]; removed: string[]; changed: string[] };
}

/** What changed from snapshot `a` to snapshot `b`. */
export function compareSnapshots(a: SnapshotJson, b: SnapshotJson): SnapshotComparison {
  const before = new Map(a.steps.map((s) => [s.name, s]));
  const after = new Map(b.steps.map((s) => [s.name, s]));
  const added = b.steps.filter((s) => !before.has(s.name)).map((s) => s.name);
  const removed = a.steps.filter((s) => !after.has(s.name)).map((s) => s.name);
  const changed: StepChange[] = [];
  for (const step of b.steps) {
    const old = before.get(step.name);
    if (!old) continue;
    const changes: StepChange["changes"] = [];
    if (old.fingerprint !== step.fingerprint) changes.push("code");
    if (canonicalJson([...old.deps].sort()) !== canonicalJson([...step.deps].sort()))
      changes.push("deps");
    if (canonicalJson([...old.params].sort()) !== canonicalJson([...step.params].sort()))
      changes.push("params");
    if (changes.length > 0) changed.push({ step: step.name, changes });
  }
  const pa = a.paramsSchema.properties;
  const pb = b.paramsSchema.properties;
  const params = {
    added: Object.keys(pb).filter((k) => !(k in pa)),
    removed: Object.keys(pa).filter((k) => !(k in pb)),
    changed: Object.keys(pb).filter(
      (k) => k in pa && canonicalJson(pa[k]) !== canonicalJson(pb[k]),
    ),
  };
  return {
    same: a.hash === b.hash,
    version: a.version === b.version ? undefined : { from: a.version, to: b.version },
    added,
    removed,
    changed,
    params,
  };
}

/**
 * SHA-256 of the content's canonical JSON (keys sorted, no spaces), written directly rather than by
 * canonicalJson: over 10000 steps that took most of a run's bookkeeping. A unit test checks both give
 * the same text.
 */
function hashOf(content: Omit<SnapshotJson, "hash">): string {
  return sha256(canonicalText(content));
}

export function canonicalText(content: Omit<SnapshotJson, "hash">): string {
  const steps = content.steps
    .map((s) => stepText(s.name, s.deps, s.params, s.fingerprint, s.description))
    .join(",");
  return contentText(content.pipeline, content.version, steps, content.paramsSchema);
}

function contentText(
  pipeline: string,
  version: string | null,
  steps: string,
  paramsSchema: ParamsSchema,
): string {
  return `{"format":"${SNAPSHOT_FORMAT}","paramsSchema":${canonicalJson(paramsSchema)},"pipeline":${JSON.stringify(pipeline)},"steps":[${steps}],"version":${JSON.stringify(version)}}`;
}

// Step names and fingerprints need no escaping (names match core's STEP_NAME pattern, fingerprints are hex).
function stepText(
  name: string,
  deps: readonly string[],
  params: readonly string[],
  fingerprint: string,
  description: string | undefined,
): string {
  const depsText = deps.length === 0 ? "[]" : `["${deps.join('","')}"]`;
  const paramsText = params.length === 0 ? "[]" : JSON.stringify(params);
  const descriptionText =
    description === undefined ? "" : `"description":${JSON.stringify(description)},`;
  return `{"deps":${depsText},${descriptionText}"fingerprint":"${fingerprint}","name":"${name}","params":${paramsText}}`;
}

function sealed(json: SnapshotJson, owned = false): Snapshot {
  const data = deepFreeze(owned ? json : structuredClone(json));
  const snapshot = Object.create(null) as Snapshot;
  Object.assign(snapshot, data);
  Object.defineProperty(snapshot, "verify", { value: () => hashOf(data) === data.hash });
  Object.defineProperty(snapshot, "toJSON", { value: () => structuredClone(data) });
  return Object.freeze(snapshot);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The parameter's JSON Schema (empty when zod cannot express it), without its `$schema` line. */
function paramJsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    const { $schema: _drop, ...rest } = jsonSchemaOf(schema, "input") as Record<string, unknown>;
    return rest;
  } catch {
    return {};
  }
}

/** What keeps `value` from being a snapshot's JSON, one line per problem with its path. */
function snapshotProblems(value: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (!isObject(value)) return ["(root): expected an object"];
  if (value.format !== SNAPSHOT_FORMAT) problems.push(`format: expected "${SNAPSHOT_FORMAT}"`);
  if (typeof value.pipeline !== "string") problems.push("pipeline: expected a string");
  if (value.version !== null && typeof value.version !== "string")
    problems.push("version: expected a string or null");
  if (typeof value.hash !== "string" || !/^[0-9a-f]{64}$/.test(value.hash))
    problems.push("hash: expected 64 hex digits");
  if (!Array.isArray(value.steps)) problems.push("steps: expected an array");
  else {
    value.steps.forEach((step, i) => {
      if (
        !isObject(step) ||
        typeof step.name !== "string" ||
        !strings(step.deps) ||
        !strings(step.params) ||
        typeof step.fingerprint !== "string"
      ) {
        problems.push(`steps.${i}: expected { name, deps, params, fingerprint }`);
      }
    });
  }
  const params = value.paramsSchema;
  if (
    !isObject(params) ||
    params.type !== "object" ||
    !isObject(params.properties) ||
    !strings(params.required)
  )
    problems.push("paramsSchema: expected a JSON Schema object with properties and required");
  return problems;
}
