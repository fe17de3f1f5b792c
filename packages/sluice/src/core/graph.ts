import { SluiceError } from "./errors.js";
import { checkConnection } from "./schema-compat.js";
import { isSecret } from "./secret.js";
import type { AnyStep, StepDefinition } from "./step.js";

/** Where one input of a node gets its value: node `from`'s output, or one field of it. */
export interface ResolvedInput {
  readonly name: string;
  readonly from: number;
  readonly field?: string;
  /** `optional(...)`: a condition-skipped upstream gives `undefined` instead of skipping this step. */
  readonly optional?: boolean;
}

export interface GraphNode {
  /** Position in `nodes`, which is a topological order (every node comes after its dependencies). */
  readonly index: number;
  readonly name: string;
  readonly step: AnyStep;
  readonly def: StepDefinition;
  readonly inputs: readonly ResolvedInput[];
  /** Upstream nodes, data and `after`, without repeats. */
  readonly deps: readonly number[];
  /** The names of `deps`, in the same order. */
  readonly depNames: readonly string[];
  /** Upstream nodes reached only through `after` (ordering without data). */
  readonly afterOnly: ReadonlySet<number>;
  readonly dependents: readonly number[];
}

export interface PipelineGraph {
  readonly pipeline: string;
  readonly nodes: readonly GraphNode[];
  readonly byName: ReadonlyMap<string, GraphNode>;
  /** Every parameter name the steps declare, with the steps that declare it. */
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** Parameter names some step declares with `secret(...)`. */
  readonly secretParams: ReadonlySet<string>;
}

const NO_NODES: ReadonlySet<number> = new Set();

/**
 * Builds and checks the graph of a pipeline: every step reachable from `roots` through inputs and
 * `after`, plus name-based wiring between them. Throws a SluiceError for the first structural problem
 * (duplicate names, missing inputs, schema mismatches, cycles). Iterative, so 10000-step chains are fine.
 */
export function buildGraph(pipeline: string, roots: readonly AnyStep[]): PipelineGraph {
  const steps = collectSteps(pipeline, roots);
  const producers = indexOutputs(steps);
  const indexOf = new Map<AnyStep, number>();
  steps.forEach((step, index) => indexOf.set(step, index));

  const inputsOf: ResolvedInput[][] = [];
  const depsOf: number[][] = [];
  const afterCountOf: number[] = [];
  // seenBy[i] === k means node i is already a dependency of step k: dedup without a Set per step.
  const seenBy = new Int32Array(steps.length).fill(-1);
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    const inputs = resolveInputs(step, indexOf, producers, steps);
    const deps: number[] = [];
    for (const input of inputs) {
      if (seenBy[input.from] !== index) {
        seenBy[input.from] = index;
        deps.push(input.from);
      }
    }
    const dataCount = deps.length;
    for (const dependency of step.definition.after) {
      const from = indexOf.get(dependency)!;
      if (seenBy[from] !== index) {
        seenBy[from] = index;
        deps.push(from);
      }
    }
    if (seenBy[index] === index) throw cycleError(pipeline, [step.name, step.name]);
    inputsOf.push(inputs);
    depsOf.push(deps);
    afterCountOf.push(deps.length - dataCount);
  }

  const order = topologicalOrder(pipeline, steps, depsOf);
  const position = new Array<number>(steps.length);
  for (let i = 0; i < order.length; i++) position[order[i]!] = i;
  const dependents: number[][] = [];
  for (let i = 0; i < order.length; i++) dependents.push([]);
  const nodes: GraphNode[] = [];
  for (let newIndex = 0; newIndex < order.length; newIndex++) {
    const original = order[newIndex]!;
    const step = steps[original]!;
    const oldDeps = depsOf[original]!;
    const deps = new Array<number>(oldDeps.length);
    const depNames = new Array<string>(oldDeps.length);
    for (let i = 0; i < oldDeps.length; i++) {
      deps[i] = position[oldDeps[i]!]!;
      depNames[i] = steps[oldDeps[i]!]!.name;
      dependents[deps[i]!]!.push(newIndex);
    }
    const inputs = inputsOf[original]!.map((input): ResolvedInput => {
      const moved: { name: string; from: number; field?: string; optional?: boolean } = {
        name: input.name,
        from: position[input.from]!,
      };
      if (input.field !== undefined) moved.field = input.field;
      if (input.optional) moved.optional = true;
      return moved;
    });
    const afterCount = afterCountOf[original]!;
    nodes.push({
      index: newIndex,
      name: step.name,
      step,
      def: step.definition,
      inputs,
      deps,
      depNames,
      afterOnly: afterCount === 0 ? NO_NODES : new Set(deps.slice(deps.length - afterCount)),
      dependents: dependents[newIndex]!,
    });
  }
  const params = new Map<string, string[]>();
  const secretParams = new Set<string>();
  for (const node of nodes) {
    for (const name of node.def.paramNames) {
      if (isSecret(node.def.params[name])) secretParams.add(name);
      const declaring = params.get(name);
      if (declaring) declaring.push(node.name);
      else params.set(name, [node.name]);
    }
  }
  return {
    pipeline,
    nodes,
    byName: new Map(nodes.map((node) => [node.name, node])),
    params,
    secretParams,
  };
}

/** The nodes `targets` need (themselves and everything upstream), in topological order. */
export function upstreamClosure(graph: PipelineGraph, targets: readonly string[]): GraphNode[] {
  const wanted = new Uint8Array(graph.nodes.length);
  const stack: number[] = [];
  for (const target of targets) {
    const node = graph.byName.get(target);
    if (!node) throw unknownStep(graph, target);
    stack.push(node.index);
  }
  while (stack.length > 0) {
    const index = stack.pop()!;
    if (wanted[index]) continue;
    wanted[index] = 1;
    for (const dep of graph.nodes[index]!.deps) if (!wanted[dep]) stack.push(dep);
  }
  return graph.nodes.filter((node) => wanted[node.index] === 1);
}

/** The nodes downstream of `names` (themselves included), in topological order. */
export function downstreamClosure(graph: PipelineGraph, names: readonly string[]): GraphNode[] {
  const marked = new Uint8Array(graph.nodes.length);
  for (const name of names) {
    const node = graph.byName.get(name);
    if (!node) throw unknownStep(graph, name);
    marked[node.index] = 1;
  }
  for (const node of graph.nodes) {
    if (marked[node.index]) for (const dependent of node.dependents) marked[dependent] = 1;
  }
  return graph.nodes.filter((node) => marked[node.index] === 1);
}

export function unknownStep(graph: PipelineGraph, name: string): SluiceError {
  const names = [...graph.byName.keys()];
  const suggestion = closest(name, names);
  return new SluiceError(
    "unknown-step",
    `Pipeline "${graph.pipeline}" has no step "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} Steps: ${preview(names)}.`,
    { step: name, details: { step: name } },
  );
}

function collectSteps(pipeline: string, roots: readonly AnyStep[]): AnyStep[] {
  const byName = new Map<string, AnyStep>();
  const done = new Set<AnyStep>();
  const ordered: AnyStep[] = [];
  // Depth-first without recursion: a step is pushed twice, once to expand it and once (marked) to
  // emit it after everything it depends on, which gives a natural "dependencies first" order.
  const stack: AnyStep[] = [];
  const expanded: boolean[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stack.push(roots[i]!);
    expanded.push(false);
  }
  while (stack.length > 0) {
    const step = stack.pop()!;
    const isExpanded = expanded.pop()!;
    if (isExpanded) {
      if (!done.has(step)) {
        done.add(step);
        ordered.push(step);
      }
      continue;
    }
    const seen = byName.get(step.name);
    if (seen !== undefined) {
      if (seen !== step) {
        throw new SluiceError(
          "duplicate-step",
          `Pipeline "${pipeline}" has two different steps named "${step.name}". Step names must be unique: rename one of them.`,
          { step: step.name, details: { step: step.name } },
        );
      }
      continue;
    }
    byName.set(step.name, step);
    stack.push(step);
    expanded.push(true);
    const { inputs, after } = step.definition;
    for (let i = inputs.length - 1; i >= 0; i--) {
      const input = inputs[i]!;
      if (input.kind === "ref" && byName.get(input.step.name) !== input.step) {
        stack.push(input.step);
        expanded.push(false);
      }
    }
    for (let i = after.length - 1; i >= 0; i--) {
      if (byName.get(after[i]!.name) !== after[i]) {
        stack.push(after[i]!);
        expanded.push(false);
      }
    }
  }
  return ordered;
}

interface Producer {
  step: number;
  /** The field of the producer's return value that holds this output, if it is not the whole value. */
  field?: string;
}

function indexOutputs(steps: readonly AnyStep[]): Map<string, Producer> {
  const producers = new Map<string, Producer>();
  for (const [index, step] of steps.entries()) {
    const declared = step.definition.outputs;
    const names = declared ?? [step.name];
    for (const output of names) {
      const existing = producers.get(output);
      if (existing !== undefined) {
        const other = steps[existing.step]!.name;
        throw new SluiceError(
          "duplicate-output",
          `Output "${output}" is produced by two steps, "${other}" and "${step.name}". Each output name must come from one step: rename one of the outputs.`,
          { step: step.name, details: { output, steps: [other, step.name] } },
        );
      }
      producers.set(output, {
        step: index,
        field: declared && declared.length > 1 ? output : undefined,
      });
    }
  }
  return producers;
}

function resolveInputs(
  step: AnyStep,
  indexOf: Map<AnyStep, number>,
  producers: Map<string, Producer>,
  steps: readonly AnyStep[],
): ResolvedInput[] {
  const def = step.definition;
  return def.inputs.map((input) => {
    if (input.kind === "ref") {
      const from = indexOf.get(input.step)!;
      const producer = steps[from]!.definition;
      if (
        input.field !== undefined &&
        producer.outputs &&
        producer.outputs.length > 1 &&
        !producer.outputs.includes(input.field)
      ) {
        throw new SluiceError(
          "missing-input",
          `step "${def.name}": input "${input.name}" reads output "${input.field}" of step "${producer.name}", which declares only ${producer.outputs.map((o) => `"${o}"`).join(", ")}. Use one of those.`,
          {
            step: def.name,
            details: { input: input.name, from: producer.name, field: input.field },
          },
        );
      }
      const outputName =
        input.field ?? (producer.outputs?.length === 1 ? producer.outputs[0]! : producer.name);
      checkSchemas(steps[from]!, outputName, step, input.name);
      const resolved = { name: input.name, from, field: fieldOf(producer, input.field) };
      return input.optional ? { ...resolved, optional: true } : resolved;
    }
    const producer = producers.get(input.outputName);
    if (producer === undefined) {
      const suggestion = closest(input.outputName, [...producers.keys()]);
      throw new SluiceError(
        "missing-input",
        `step "${def.name}": no step in the pipeline produces input "${input.outputName}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} Add the step that outputs it to the pipeline's steps, or fix the name. Outputs available: ${preview([...producers.keys()])}.`,
        { step: def.name, details: { input: input.outputName } },
      );
    }
    checkSchemas(steps[producer.step]!, input.outputName, step, input.name);
    return { name: input.name, from: producer.step, field: producer.field };
  });
}

/** A `.out(field)` on a step with one declared output reads the whole value; otherwise that field. */
function fieldOf(producer: StepDefinition, field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  if (producer.outputs?.length === 1 && producer.outputs[0] === field) return undefined;
  return field;
}

function checkSchemas(
  producer: AnyStep,
  outputName: string,
  consumer: AnyStep,
  inputName: string,
): void {
  if (!producer.definition.hasSchemas || !consumer.definition.hasSchemas) return;
  const produced = producer.definition.schemas[outputName];
  const expected = consumer.definition.schemas[inputName];
  if (produced === undefined || expected === undefined) return;
  const problem = checkConnection(produced, expected);
  if (problem !== undefined) {
    throw new SluiceError(
      "schema-mismatch",
      `step "${consumer.name}": input "${inputName}" expects ${problem.expected} but step "${producer.name}" produces ${problem.produced} as "${outputName}"${problem.path ? ` (at ${problem.path})` : ""}. Make the two schemas agree.`,
      {
        step: consumer.name,
        details: { input: inputName, from: producer.name, output: outputName, path: problem.path },
      },
    );
  }
}

function topologicalOrder(
  pipeline: string,
  steps: readonly AnyStep[],
  depsOf: readonly number[][],
): number[] {
  const remaining = depsOf.map((deps) => deps.length);
  const dependents: number[][] = steps.map(() => []);
  depsOf.forEach((deps, index) => deps.forEach((dep) => dependents[dep]!.push(index)));
  const order: number[] = [];
  for (let index = 0; index < steps.length; index++) if (remaining[index] === 0) order.push(index);
  for (let head = 0; head < order.length; head++) {
    for (const dependent of dependents[order[head]!]!) {
      if (--remaining[dependent]! === 0) order.push(dependent);
    }
  }
  if (order.length === steps.length) return order;
  // Every node left has an unfinished dependency that is also left, so walking upstream must loop.
  let current = remaining.findIndex((count) => count > 0);
  const visitedAt = new Map<number, number>();
  const path: number[] = [];
  while (!visitedAt.has(current)) {
    visitedAt.set(current, path.length);
    path.push(current);
    current = depsOf[current]!.find((dep) => remaining[dep]! > 0)!;
  }
  const cycle = path.slice(visitedAt.get(current)!).reverse();
  cycle.push(cycle[0]!);
  throw cycleError(
    pipeline,
    cycle.map((index) => steps[index]!.name),
  );
}

function cycleError(pipeline: string, names: string[]): SluiceError {
  return new SluiceError(
    "dependency-cycle",
    `Pipeline "${pipeline}" has a dependency cycle: ${names.join(" -> ")}. A step cannot depend on its own output, directly or through others: remove one of these dependencies.`,
    { details: { cycle: names } },
  );
}

function preview(names: readonly string[]): string {
  if (names.length === 0) return "(none)";
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown}, ... (${names.length} in all)` : shown;
}

/** The candidate within edit distance 2 of `word`, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates.slice(0, 2000)) {
    const distance = editDistance(word, candidate, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * For each step, the conditional steps (`when`) whose skip would skip it too: itself if it has a
 * condition, and those of the steps it reads through inputs that are not `optional()` (an `after`
 * dependency does not pass a skip on). Empty for a pipeline without conditions.
 */
export function skipConditions(graph: PipelineGraph): Map<number, string[]> {
  const found = new Map<number, string[]>();
  if (!graph.nodes.some((node) => node.def.when !== undefined)) return found;
  for (const node of graph.nodes) {
    const names = new Set<string>(node.def.when ? [node.name] : []);
    for (const dep of node.deps) {
      if (
        node.afterOnly.has(dep) ||
        node.inputs.every((input) => input.from !== dep || input.optional)
      )
        continue;
      for (const name of found.get(dep) ?? []) names.add(name);
    }
    if (names.size > 0) found.set(node.index, [...names]);
  }
  return found;
}
