import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SluiceError } from "./core/index.js";
import { isPipeline, type Pipeline } from "./pipeline.js";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * Loads a pipeline module and picks its pipeline: the default export, or the named export (or
 * pipeline name) given by `--pipeline`. TypeScript files are loaded through tsx, which is only
 * imported when one is asked for, so plain JavaScript pipelines start faster.
 */
export async function loadPipeline(file: string, wanted?: string): Promise<Pipeline> {
  const path = resolve(file);
  return pickPipeline(await importModule(path, "Pipeline file"), path, wanted);
}

/** The pipelines a loaded module exports, by export name. */
export function exportedPipelines(module: Record<string, unknown>): Array<[string, Pipeline]> {
  return Object.entries(module).filter(([, value]) => isPipeline(value)) as Array<[string, Pipeline]>;
}

/** Imports a JavaScript or TypeScript module (tsx is loaded only for TypeScript). */
export async function importModule(path: string, what: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) {
    throw new SluiceError("invalid-usage", `${what} not found: ${path}. Check the path (it is relative to ${process.cwd()}).`);
  }
  if (TYPESCRIPT.has(extname(path))) {
    const { register } = await import("tsx/esm/api");
    register();
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    if (SluiceError.is(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SluiceError("module-load-failed", `Could not load ${path}: ${message}`, { cause: error });
  }
  return module;
}

function pickPipeline(module: Record<string, unknown>, path: string, wanted?: string): Pipeline {
  const named = exportedPipelines(module);
  if (wanted !== undefined) {
    const match = named.find(([exportName, value]) => exportName === wanted || value.name === wanted);
    if (match) return match[1];
    const available = named.map(([exportName, value]) => (exportName === value.name ? exportName : `${exportName} (pipeline "${value.name}")`));
    throw new SluiceError(
      "invalid-usage",
      `${path} exports no pipeline named "${wanted}". Pipelines it exports: ${available.length > 0 ? available.join(", ") : "none"}.`,
    );
  }
  if (isPipeline(module.default)) return module.default;
  if (named.length === 1) return named[0]![1];
  if (named.length > 1) {
    throw new SluiceError("invalid-usage", `${path} exports several pipelines (${named.map(([n]) => n).join(", ")}) and no default: choose one with --pipeline NAME.`);
  }
  throw new SluiceError(
    "invalid-pipeline",
    `${path} exports no pipeline. Export one made by pipeline(): export default pipeline("name", { steps: [...] }).`,
  );
}
