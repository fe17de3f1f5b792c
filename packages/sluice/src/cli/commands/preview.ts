import pc from "picocolors";
import { loadPipeline, type Preview } from "../../runtime/index.js";
import { dirname, resolve } from "node:path";
import { readParamSets, runParams } from "../param-args.js";
import { useContextStack } from "../context-stack.js";
import { EXIT } from "../exit.js";

export interface PreviewCommandOptions {
  pipeline?: string;
  param?: string[];
  params?: string;
  paramSet?: string;
  target?: string[];
  force?: string[];
  forceAll?: boolean;
  checkDependencies?: boolean;
  json?: boolean;
  home?: string;
  context?: string;
}

export async function previewCommand(
  file: string,
  options: PreviewCommandOptions,
): Promise<number> {
  const common = runParams(options);
  const pipeline = await loadPipeline(file, options.pipeline);
  if (options.context !== undefined) await useContextStack(pipeline, file, options.context);
  const plan = (params: Record<string, unknown>) =>
    pipeline.preview({
      params,
      ...(options.context === undefined
        ? {}
        : { context: options.context, contextsFrom: dirname(resolve(file)) }),
      targets: options.target,
      force: options.force,
      forceAll: options.forceAll,
      checkDependencies: options.checkDependencies === false ? false : undefined,
      home: options.home,
    });
  if (options.paramSet === undefined) {
    const preview = await plan(common);
    process.stdout.write(
      options.json ? `${JSON.stringify(preview.toJSON(), null, 2)}\n` : planText(preview),
    );
    return EXIT.ok;
  }
  // d6tflow's WorkflowMulti preview: one plan per named parameter set, every set checked first.
  const sets = Object.fromEntries(
    Object.entries(readParamSets(options.paramSet)).map(([name, params]) => [
      name,
      { ...common, ...params },
    ]),
  );
  pipeline.checkParamSets(sets);
  const previews: Record<string, Preview> = {};
  for (const [name, params] of Object.entries(sets)) previews[name] = await plan(params);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ previews: Object.fromEntries(Object.entries(previews).map(([name, preview]) => [name, preview.toJSON()])) }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  for (const [name, preview] of Object.entries(previews))
    process.stdout.write(`${pc.bold(`== parameter set "${name}" ==`)}\n${planText(preview)}\n`);
  return EXIT.ok;
}

function planText(preview: Preview): string {
  const pending = preview.steps.filter((step) => step.status === "pending").length;
  return `${preview.contextText()}${preview.toTree()}\n\n${pending} of ${preview.steps.length} steps would run; ${preview.steps.length - pending} complete.\n`;
}
