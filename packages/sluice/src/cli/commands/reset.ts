import { createInterface } from "node:readline/promises";
import { SluiceError } from "../../core/index.js";
import { EXIT } from "../exit.js";
import { loadPipeline } from "../../runtime/index.js";
import { runParams } from "../param-args.js";

export interface ResetCommandOptions {
  pipeline?: string;
  param?: string[];
  params?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  home?: string;
}

/** Invalidates a step and everything downstream, after asking on a terminal unless --yes. */
export async function resetCommand(
  file: string,
  step: string,
  options: ResetCommandOptions,
): Promise<number> {
  const params = runParams(options);
  const pipeline = await loadPipeline(file, options.pipeline);
  const preview = await pipeline.reset(step, { params, home: options.home, dryRun: true });
  if (options.dryRun) {
    if (options.json) process.stdout.write(`${JSON.stringify(preview, null, 2)}\n`);
    else
      process.stdout.write(
        `Would reset ${preview.steps.length} step(s): ${preview.steps.join(", ")}\n`,
      );
    return EXIT.ok;
  }
  if (!options.yes && !(process.stdin.isTTY && process.stderr.isTTY)) {
    // No one to ask (a script, CI, a pipe): refuse rather than reset unconfirmed.
    throw new SluiceError(
      "invalid-usage",
      `Not resetting without confirmation: it would reset ${preview.steps.length} step(s) of "${pipeline.name}": ${preview.steps.join(", ")}. Pass --yes to reset them, or run it on a terminal to be asked.`,
    );
  }
  if (!options.yes) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(
      `Reset ${preview.steps.length} step(s) of "${pipeline.name}" (${preview.steps.join(", ")})? Their next run recomputes them. [y/N] `,
    );
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write("Nothing was reset.\n");
      return EXIT.ok;
    }
  }
  const result = await pipeline.reset(step, { params, home: options.home });
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else
    process.stdout.write(
      `Reset ${result.steps.length} step(s): ${result.steps.join(", ")} (${result.invalidated} stored output(s) invalidated).\n`,
    );
  return EXIT.ok;
}
