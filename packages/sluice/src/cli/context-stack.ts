/**
 * A context may name the stack its runs go to. It applies when no stack was chosen explicitly
 * (--stack or SLUICE_STACK win), and must be chosen before the command opens its home.
 */
import { dirname, resolve } from "node:path";
import { readContexts, resolveContext, type Pipeline } from "../runtime/index.js";

export async function useContextStack(
  pipeline: Pipeline,
  file: string,
  context: string,
): Promise<void> {
  const resolved = resolveContext(
    await readContexts(dirname(resolve(file))),
    context,
    pipeline.graph(),
  );
  if (resolved.stack !== undefined && !process.env.SLUICE_STACK)
    process.env.SLUICE_STACK = resolved.stack;
}
