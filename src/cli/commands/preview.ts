import { loadPipeline } from "../../module-loader.js";
import { parseParamArgs } from "../param-args.js";
import { EXIT } from "../exit.js";

export interface PreviewCommandOptions {
  pipeline?: string;
  param?: string[];
  target?: string[];
  force?: string[];
  forceAll?: boolean;
  json?: boolean;
  home?: string;
}

export async function previewCommand(file: string, options: PreviewCommandOptions): Promise<number> {
  const params = parseParamArgs(options.param ?? []);
  const pipeline = await loadPipeline(file, options.pipeline);
  const preview = await pipeline.preview({ params, targets: options.target, force: options.force, forceAll: options.forceAll, home: options.home });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(preview.toJSON(), null, 2)}\n`);
    return EXIT.ok;
  }
  const pending = preview.steps.filter((step) => step.status === "pending").length;
  process.stdout.write(`${preview.toTree()}\n`);
  process.stdout.write(`\n${pending} of ${preview.steps.length} steps would run; ${preview.steps.length - pending} complete.\n`);
  return EXIT.ok;
}
