/**
 * Sub-pipelines: `parent.use(child, { inputs, outputs })` embeds a pipeline's steps in another, named
 * `child.step`, so they are planned, cached, run, shown and logged as the parent's own (nested by
 * name). The child's open inputs (inputs by output name that no child step produces) are filled by
 * `inputs` (child input name -> a parent step or step output); `outputs` names child outputs for the
 * parent (parent name -> child output name), which parent steps read by that name (`inputs: ["clean"]`).
 */
import { SluiceError } from "./errors.js";
import {
  stepOf,
  type AnyStep,
  type InputBinding,
  type OutputRef,
  type Source,
  type StepDefinition,
} from "./step.js";

export interface UseOptions {
  /** Child input name -> the parent step (or step output) that feeds it. */
  inputs?: Record<string, Source<unknown>>;
  /** Parent-visible name -> child output name. */
  outputs?: Record<string, string>;
}

interface ChildPipeline {
  readonly name: string;
  readonly options: { readonly steps: readonly AnyStep[] };
}

/** The child's steps, copied under `child.` names and wired to the parent as `options` says. */
export function embed(child: ChildPipeline, options: UseOptions): AnyStep[] {
  const prefix = child.name;
  // Not child.graph(): a child with open inputs is not a whole pipeline on its own.
  const steps = reachable(child.options.steps);
  const produced = new Map<string, AnyStep>(); // child output name -> child step producing it
  for (const step of steps)
    for (const name of step.definition.outputs ?? [step.name]) produced.set(name, step);

  const exposed = new Map<string, string>(); // child output name -> parent name
  for (const [parentName, childOutput] of Object.entries(options.outputs ?? {})) {
    if (!produced.has(childOutput)) {
      throw new SluiceError(
        "missing-input",
        `use(${prefix}): outputs maps "${parentName}" to "${childOutput}", which no step of pipeline "${prefix}" produces. Its outputs: ${[...produced.keys()].join(", ")}.`,
      );
    }
    exposed.set(childOutput, parentName);
  }
  const given = options.inputs ?? {};
  const open = new Set<string>();
  for (const step of steps)
    for (const input of step.definition.inputs)
      if (input.kind === "name" && !produced.has(input.outputName)) open.add(input.outputName);
  for (const name of open) {
    if (!(name in given))
      throw new SluiceError(
        "missing-input",
        `use(${prefix}): pipeline "${prefix}" needs input "${name}"; map it to a parent step: use(${prefix}, { inputs: { ${name}: someStep } }).`,
        { details: { input: name } },
      );
  }
  for (const name of Object.keys(given)) {
    if (!open.has(name))
      throw new SluiceError(
        "missing-input",
        `use(${prefix}): inputs names "${name}", which pipeline "${prefix}" does not take. It takes: ${[...open].join(", ") || "no inputs"}.`,
        { details: { input: name } },
      );
  }

  const outputName = (name: string) => exposed.get(name) ?? `${prefix}.${name}`;
  const copies = new Map<AnyStep, AnyStep>();
  const copyOf = (step: AnyStep): AnyStep => {
    const done = copies.get(step);
    if (done) return done;
    const def = step.definition;
    const inputs = def.inputs.map((input): InputBinding => {
      if (input.kind === "ref") return { ...input, step: copyOf(input.step) };
      if (produced.has(input.outputName))
        return { ...input, outputName: outputName(input.outputName) };
      return parentBinding(input.name, given[input.outputName]!, prefix);
    });
    const names = def.outputs ?? [step.name];
    const renamed = names.map(outputName);
    const schemas = { ...def.schemas };
    names.forEach((name, i) => {
      if (
        schemas[name] !== undefined &&
        renamed[i] !== name &&
        !def.inputs.some((input) => input.name === name)
      ) {
        schemas[renamed[i]!] = schemas[name]!;
        delete schemas[name];
      }
    });
    const name = `${prefix}.${step.name}`;
    const copy = stepOf(
      name,
      Object.freeze({
        ...def,
        name,
        group: def.group === undefined ? prefix : `${prefix}.${def.group}`,
        inputs,
        outputs: renamed,
        schemas,
        after: def.after.map(copyOf),
      }) as StepDefinition,
    );
    copies.set(step, copy);
    return copy;
  };
  return steps.map(copyOf);
}

function parentBinding(inputName: string, source: Source<unknown>, prefix: string): InputBinding {
  const candidate = source as unknown as AnyStep | OutputRef<unknown>;
  if (candidate?.kind === "step")
    return { name: inputName, kind: "ref", step: candidate as AnyStep };
  if (candidate?.kind === "output")
    return {
      name: inputName,
      kind: "ref",
      step: (candidate as OutputRef<unknown>).step,
      field: (candidate as OutputRef<unknown>).field,
    };
  throw new SluiceError(
    "invalid-pipeline",
    `use(${prefix}): input "${inputName}" must be a step or a step output (load, or load.out("rows")).`,
    { details: { input: inputName } },
  );
}

/** The steps `roots` reach through step inputs and `after`, dependencies first. */
function reachable(roots: readonly AnyStep[]): AnyStep[] {
  const ordered: AnyStep[] = [];
  const seen = new Set<AnyStep>();
  const visit = (step: AnyStep) => {
    if (seen.has(step)) return;
    seen.add(step);
    for (const input of step.definition.inputs) if (input.kind === "ref") visit(input.step);
    for (const dependency of step.definition.after) visit(dependency);
    ordered.push(step);
  };
  roots.forEach(visit);
  return ordered;
}
