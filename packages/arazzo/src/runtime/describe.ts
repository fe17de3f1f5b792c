/**
 * A summary of an Arazzo document for people and tools (`sluice arazzo describe`): its workflows
 * with their inputs (names, types, required, secret, the environment variable each is read from),
 * dependsOn, steps (what each calls: an operation's method and path, or a workflow) and outputs.
 */
import { CompiledRun, needsCriteriaModule } from "./compile.js";
import { diagnosticsError } from "../document/diagnostics.js";
import { envVarOf, inputProperties, requiredInputs } from "./inputs.js";
import { isSecretInput } from "./secrets.js";
import { validateArazzo } from "../document/validate.js";

export interface DescribedInput {
  name: string;
  /** JSON Schema type(s), "any" when the schema does not say. */
  type: string;
  required: boolean;
  secret: boolean;
  /** The environment variable the input is read from when not given. */
  env: string;
  description?: string;
}

export interface DescribedStep {
  stepId: string;
  /** "operation" or "workflow". */
  kind: "operation" | "workflow";
  /** operationId, operationPath or workflowId as written. */
  target: string;
  method?: string;
  path?: string;
  /** The called workflow, as results name it. */
  workflow?: string;
  description?: string;
}

export interface DescribedWorkflow {
  workflowId: string;
  summary?: string;
  inputs: DescribedInput[];
  dependsOn: string[];
  steps: DescribedStep[];
  outputs: string[];
}

export interface ArazzoDescription {
  file: string;
  title?: string;
  version?: string;
  workflows: DescribedWorkflow[];
}

/** Validates `file` (throwing its diagnostics as one invalid-document error) and describes it. */
export async function describeArazzo(
  file: string,
  options: { workflowId?: string; fetch?: typeof fetch } = {},
): Promise<ArazzoDescription> {
  const { diagnostics, loaded } = await validateArazzo(
    file,
    options.fetch ? { fetch: options.fetch } : {},
  );
  if (diagnostics.length > 0) throw diagnosticsError(diagnostics, { relativeTo: process.cwd() });
  const compiled = new CompiledRun(loaded, {
    criteria: needsCriteriaModule(loaded) ? await import("../criteria/criteria.js") : undefined,
  });
  const ids = options.workflowId === undefined ? compiled.workflowIds() : [options.workflowId];
  const keys = compiled.select(ids);
  const info = compiled.root.info.value.info as Record<string, unknown> | undefined;
  const out: ArazzoDescription = { file: loaded.root.url, workflows: [] };
  if (typeof info?.title === "string") out.title = info.title;
  if (typeof info?.version === "string") out.version = info.version;
  for (const key of keys) {
    const wf = compiled.workflow(key);
    const doc = wf.doc.info.value;
    const required = new Set(requiredInputs(wf.inputsSchema, doc));
    const inputs: DescribedInput[] = [];
    for (const [name, prop] of inputProperties(wf.inputsSchema, doc)) {
      const p = typeof prop === "object" && prop !== null ? (prop as Record<string, unknown>) : {};
      const type = Array.isArray(p.type)
        ? p.type.join(" | ")
        : typeof p.type === "string"
          ? p.type
          : "any";
      const input: DescribedInput = {
        name,
        type,
        required: required.has(name),
        secret: isSecretInput(name, prop),
        env: envVarOf(name),
      };
      if (typeof p.description === "string") input.description = p.description;
      inputs.push(input);
    }
    const steps = wf.steps.map((step): DescribedStep => {
      const obj = step.obj;
      const d: DescribedStep = step.operation
        ? {
            stepId: step.id,
            kind: "operation",
            target: String(obj.operationId ?? obj.operationPath),
            method: step.operation.method,
            path: step.operation.path,
          }
        : {
            stepId: step.id,
            kind: "workflow",
            target: String(obj.workflowId),
            workflow: compiled.workflow(step.calls!).label,
          };
      if (typeof obj.description === "string") d.description = obj.description;
      return d;
    });
    const described: DescribedWorkflow = {
      workflowId: wf.id,
      inputs,
      dependsOn: wf.dependsOn.map((k) => compiled.workflow(k).label),
      steps,
      outputs: wf.outputs.map(([name]) => name),
    };
    if (typeof wf.obj.summary === "string") described.summary = wf.obj.summary;
    out.workflows.push(described);
  }
  return out;
}
