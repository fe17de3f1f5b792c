import { SluiceError } from "./errors.js";
import { closest, type GraphNode, type PipelineGraph } from "./graph.js";
import { forbiddenKeyPath } from "./json-keys.js";

/** Every parameter name the pipeline's steps declare, with the steps that declare it. */
export function declaredParams(graph: PipelineGraph): ReadonlyMap<string, readonly string[]> {
  return graph.params;
}

/**
 * Validates the run's params against each step's zod schemas and returns, per node index, the
 * parsed values (defaults applied) of the params that step declares. Steps that declare none share
 * one empty object. Unknown names and invalid values throw one SluiceError listing every problem.
 */
export function resolveParams(
  graph: PipelineGraph,
  given: Record<string, unknown>,
  nodes: readonly GraphNode[] = graph.nodes,
): Array<Record<string, unknown>> {
  refusePrototypeKeys(given);
  const declared = declaredParams(graph);
  const problems: Array<{
    code: "unknown-param" | "invalid-param";
    message: string;
    param: string;
    step?: string;
  }> = [];
  for (const name of Object.keys(given)) {
    if (declared.has(name)) continue;
    const suggestion = closest(name, [...declared.keys()]);
    const known =
      declared.size > 0
        ? `Parameters of this pipeline: ${[...declared.keys()].join(", ")}.`
        : "This pipeline declares no parameters.";
    problems.push({
      code: "unknown-param",
      param: name,
      message: `Unknown parameter "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} ${known}`,
    });
  }
  const empty: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
  const perNode: Array<Record<string, unknown>> = new Array(graph.nodes.length).fill(empty);
  for (const node of nodes) {
    const shape = node.def.params;
    const names = node.def.paramNames;
    if (names.length === 0) continue;
    const values: Record<string, unknown> = {};
    for (const name of names) {
      const result = shape[name]!.safeParse(Object.hasOwn(given, name) ? given[name] : undefined);
      if (result.success) {
        values[name] = result.data;
        continue;
      }
      const issue = result.error.issues[0];
      const detail =
        given[name] === undefined
          ? "it is required and has no default"
          : (issue?.message ?? "invalid value");
      problems.push({
        code: "invalid-param",
        param: name,
        step: node.name,
        message: `Invalid parameter "${name}" (step "${node.name}"): ${detail}. Pass a valid value, e.g. --param ${name}=...`,
      });
    }
    perNode[node.index] = Object.freeze(values);
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    const message =
      problems.length === 1
        ? first.message
        : `${problems.length} parameter problems:\n- ${problems.map((p) => p.message).join("\n- ")}`;
    throw new SluiceError(first.code, message, {
      step: first.step,
      details: { param: first.param, problems },
    });
  }
  return perNode;
}

/**
 * Every param the steps declare, as they see it (given or defaulted), by name, from resolveParams'
 * result; where two steps declare one name, the first decides. Values JSON cannot hold are their text,
 * so that the result can be recorded.
 */
export function effectiveParams(
  perNode: ReadonlyArray<Record<string, unknown>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const params of perNode) {
    for (const name in params)
      if (!Object.hasOwn(values, name)) values[name] = jsonSafe(params[name]);
  }
  return values;
}

function jsonSafe(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return String(value);
  }
}

/** Params holding `__proto__`, `constructor` or `prototype` (or already bent by one) are refused, never half-applied. */
function refusePrototypeKeys(given: Record<string, unknown>): void {
  const proto = Object.getPrototypeOf(given);
  const path = proto !== Object.prototype && proto !== null ? "__proto__" : forbiddenKeyPath(given);
  if (path === undefined) return;
  throw new SluiceError(
    "invalid-param",
    `Parameter key "${path}" is not allowed: __proto__, constructor and prototype are refused anywhere in params.`,
    { details: { param: path } },
  );
}
